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

/// A deliberately slow consumer of the real kernel's event stream while a generator keeps
/// creating and deleting entries: it keeps a view of the table from the events, sees
/// explicit overruns (with their count), resynchronises after each, and ends with the view
/// equal to a fresh dump.
final class SlowConsumerTests: KernelTestCase {
    struct GeneratorError: Error { var text: String }

    final class Box: @unchecked Sendable {
        var error: (any Error)?
        var created = 0
        var deleted = 0
    }

    func testSlowConsumerResynchronisesToTheKernelsTable() throws {
        try slowConsumer(resyncInCallback: false)
    }

    /// The same with the resynchronisation made from the overrun callback, while older
    /// events are still queued behind it: `resynchronize` must drop those (applied after the
    /// dump they would bring back entries whose DESTROY was lost).
    func testResynchronisingFromTheOverrunCallback() throws {
        try slowConsumer(resyncInCallback: true)
    }

    func slowConsumer(resyncInCallback: Bool) throws {
        // A small buffer (the kernel doubles it: 2 x 8 KiB, ~100 events) and a consumer that sleeps
        // 2 ms per batch of events, against a generator that creates 20 x 400 entries and
        // deletes every third one.
        let sub = try EventSubscription(groups: .conntrack, receiveBufferSize: 8 << 10, networkNamespace: ns.name)
        let nsName = ns.name
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let generator = Thread {
            defer { done.signal() }
            do {
                let c = try ConntrackClient(networkNamespace: nsName)
                for round in 0..<20 {
                    var flows: [Flow] = []
                    for i in 0..<400 {
                        let t = Tuple(source: IPAddress(ipv4: 0x0a3c_0000 | UInt32(round << 9 | i)),
                                      destination: IPAddress("10.61.0.1")!, protocol: IPProtocol.udp,
                                      sourcePort: UInt16(2000 + i), destinationPort: 53)
                        var f = Flow(original: t, reply: t.inverted())
                        f.timeout = 600
                        flows.append(f)
                    }
                    let failures = try c.createBatch(flows).failures
                    if !failures.isEmpty { throw GeneratorError(text: "\(failures.count) creates failed") }
                    box.created += flows.count
                    for (i, f) in flows.enumerated() where i % 3 == 0 {
                        try c.delete(original: f.original, family: .ipv4)
                        box.deleted += 1
                    }
                }
            } catch { box.error = error }
        }
        var view = Set<Tuple>()
        var overruns: [OverrunReport] = []
        var resyncs = 0
        var events = 0
        var resyncError: (any Error)?
        func apply(_ element: EventStreamElement) {
            switch element {
            case .event(let e):
                events += 1
                if e.type == .destroy { view.remove(e.flow.original) } else { view.insert(e.flow.original) }
            case .overrun(let o):
                overruns.append(o)
                if resyncInCallback {
                    do {
                        var fresh = Set<Tuple>()
                        try sub.resynchronize { fresh.insert($0.original) }
                        view = fresh
                        resyncs += 1
                    } catch { resyncError = error }
                }
            case .expectation: break
            }
        }
        generator.start()
        var generatorDone = false
        var quiet = 0
        while quiet < 3 {
            let before = overruns.count
            let got = try sub.receive(timeoutMilliseconds: 100, apply)
            if overruns.count > before && !resyncInCallback {
                var fresh = Set<Tuple>()
                try sub.resynchronize { fresh.insert($0.original) }
                view = fresh
                resyncs += 1
            }
            if !generatorDone { generatorDone = done.wait(timeout: .now()) == .success }
            if generatorDone && !got { quiet += 1 } else { quiet = 0 }
            if !generatorDone { usleep(2000) }  // the slow part
        }
        XCTAssertNil(box.error)
        XCTAssertNil(resyncError)
        XCTAssertEqual(box.created, 8000)
        XCTAssertGreaterThan(overruns.count, 0, "the consumer was never overrun: make it slower")
        XCTAssertEqual(overruns.map(\.count), Array(1...overruns.count), "each overrun carries the running count")
        XCTAssertEqual(sub.overruns, overruns.count)
        var table = Set<Tuple>()
        try ConntrackClient(networkNamespace: ns.name).dump(family: .ipv4) { table.insert($0.original) }
        XCTAssertEqual(table.count, box.created - box.deleted)
        XCTAssertEqual(view, table, "the view built from events and resyncs differs from a fresh dump")
        print("slow consumer (resync \(resyncInCallback ? "in the callback" : "after receive")): \(events) events applied, \(overruns.count) overruns, \(resyncs) resyncs, "
              + "table \(table.count) entries (\(box.created) created, \(box.deleted) deleted)")
    }
}
