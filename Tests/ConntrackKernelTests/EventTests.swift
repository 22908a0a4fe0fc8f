import Foundation
import XCTest
import Conntrack
import ConntrackKernel
import ConntrackTestSupport

/// Events from the real kernel: a generator thread changes the table while the
/// subscription reads; every change must be accounted for.
final class EventTests: KernelTestCase {
    final class Box: @unchecked Sendable {
        var portID: UInt32 = 0
        var error: (any Error)?
    }

    func testEveryCreateUpdateDeleteArrives() throws {
        let sub = try EventSubscription(groups: .conntrack, receiveBufferSize: 16 << 20, networkNamespace: ns.name)
        let n = 300
        let nsName = ns.name
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let generator = Thread {
            defer { done.signal() }
            do {
                let c = try ConntrackClient(networkNamespace: nsName)
                box.portID = c.portID
                for i in 0..<n {
                    let t = Tuple(source: IPAddress(ipv4: 0x0a14_0000 | UInt32(i)), destination: IPAddress("10.21.0.1")!,
                                  protocol: IPProtocol.udp, sourcePort: UInt16(1000 + i), destinationPort: 53)
                    var f = Flow(original: t, reply: t.inverted())
                    f.timeout = 100
                    try c.create(f)
                    var u = Flow(original: t, reply: t.inverted())
                    u.mark = UInt32(i)
                    try c.update(u)
                    try c.delete(original: t, family: .ipv4)
                }
            } catch { box.error = error }
        }
        generator.start()
        var seen: [UInt16: [EventType]] = [:]
        var events: [Event] = []
        var generatorDone = false
        var idle = 0
        while events.count < 3 * n && idle < 20 {
            let got = try sub.receive(timeoutMilliseconds: 100) { element in
                switch element {
                case .event(let e):
                    events.append(e)
                    seen[e.flow.original.sourcePort, default: []].append(e.type)
                case .overrun(let o): XCTFail("unexpected overrun \(o)")
                case .expectation: XCTFail("unexpected expectation event")
                }
            }
            if !generatorDone { generatorDone = done.wait(timeout: .now()) == .success } else if !got { idle += 1 }
        }
        if !generatorDone { done.wait() }
        XCTAssertNil(box.error)
        XCTAssertEqual(events.count, 3 * n)
        XCTAssertEqual(seen.count, n)
        for (port, types) in seen { XCTAssertEqual(types, [.new, .update, .destroy], "sport \(port)") }
        XCTAssertTrue(events.allSatisfy { $0.portID == box.portID && $0.time != nil })
        let updates = events.filter { $0.type == .update }
        XCTAssertTrue(updates.allSatisfy { $0.flow.mark == UInt32($0.flow.original.sourcePort - 1000) })
        XCTAssertTrue(events.filter { $0.type == .new }.allSatisfy { $0.flow.status?.contains(.confirmed) == true })
    }

    func testOverrunIsReportedAndResyncMatchesTheTable() throws {
        let sub = try EventSubscription(groups: .conntrack, receiveBufferSize: 4096, networkNamespace: ns.name)
        var flows: [Flow] = []
        for i in 0..<2000 {
            flows.append(flow(udp("10.30.\(i / 200).\(i % 200 + 1)", "10.31.0.1", 5, 6)))
        }
        XCTAssertEqual(try client.createBatch(flows).failures, [])
        var overruns: [OverrunReport] = []
        var events = 0
        while try sub.receive(timeoutMilliseconds: 200, { element in
            switch element {
            case .overrun(let o): overruns.append(o)
            case .event: events += 1
            case .expectation: break
            }
        }) {}
        XCTAssertFalse(overruns.isEmpty)
        XCTAssertEqual(overruns.first?.count, 1)
        XCTAssertLessThan(events, 2000)
        var view = Set<Tuple>()
        try sub.resynchronize { view.insert($0.original) }
        XCTAssertEqual(view, Set(flows.map(\.original)))
        XCTAssertEqual(UInt32(view.count), try client.count())
    }

    func testAsyncSequence() async throws {
        let sub = try EventSubscription(groups: [.new], networkNamespace: ns.name)
        let stream = sub.events()
        let f = flow(udp("10.40.0.1", "10.40.0.2", 1, 2))
        try client.create(f)
        var it = stream.makeAsyncIterator()
        let first = try await it.next()
        guard case .event(let e) = first else { return XCTFail("\(String(describing: first))") }
        XCTAssertEqual(e.type, .new)
        XCTAssertEqual(e.flow.original, f.original)
        XCTAssertEqual(e.portID, client.portID)
    }

    /// The kernel reports twice what was set (`SO_RCVBUF` doubles for bookkeeping);
    /// rmem_default, what 0 keeps, is far below the library's 8 MiB default.
    func testReceiveBufferDefaults() throws {
        let byDefault = try EventSubscription(groups: [.new], networkNamespace: ns.name)
        XCTAssertEqual(try byDefault.receiveBufferSize(), 2 * EventSubscription.defaultReceiveBufferSize)
        let kernels = try EventSubscription(groups: [.new], receiveBufferSize: 0, networkNamespace: ns.name)
        let rmemDefault = try String(contentsOfFile: "/proc/sys/net/core/rmem_default", encoding: .utf8)
        XCTAssertEqual(try kernels.receiveBufferSize(), Int(rmemDefault.trimmingCharacters(in: .whitespacesAndNewlines)))
        let asked = try EventSubscription(groups: [.new], receiveBufferSize: 1 << 20, networkNamespace: ns.name)
        XCTAssertEqual(try asked.receiveBufferSize(), 2 << 20)
    }
}
