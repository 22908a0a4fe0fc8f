import XCTest
import Conntrack
import PacketBuilder
@testable import ConntrackEngine

/// A tracker with a clock: packets are sent at `now`, which tests move forward.
final class Harness {
    let tracker: Tracker
    /// Current time in ns (arbitrary epoch, like a capture's timestamps).
    var now: UInt64 = 1_700_000_000 * 1_000_000_000

    static let a4 = IPAddress("10.77.1.2")!, b4 = IPAddress("10.77.2.2")!, r4 = IPAddress("10.77.1.1")!
    static let a6 = IPAddress("fd77:1::2")!, b6 = IPAddress("fd77:2::2")!

    init(_ configure: (inout TrackerConfiguration) -> Void = { _ in }) {
        var c = TrackerConfiguration()
        configure(&c)
        tracker = Tracker(configuration: c, seed: 42)
    }

    @discardableResult
    func send(_ packet: [UInt8], _ metadata: PacketMetadata = .init()) -> Verdict {
        packet.withUnsafeBytes { tracker.process($0, now: now, metadata: metadata) }
    }

    func wait(_ seconds: Double) { now += UInt64(seconds * 1e9) }

    /// The table as `conntrack -L` would list it 1 ms after the last packet (the kernel's
    /// listings always come a little later, hence 29 for a fresh 30 s entry).
    var flows: [Flow] {
        var out: [Flow] = []
        tracker.forEachFlow(now: now + 1_000_000) { out.append($0) }
        return out
    }

    /// The only flow in the table (fails the test if there isn't exactly one).
    func only(file: StaticString = #filePath, line: UInt = #line) -> Flow? {
        let f = flows
        XCTAssertEqual(f.count, 1, "expected exactly one entry, got \(f.count)", file: file, line: line)
        return f.first
    }

    var events: [Event] {
        var out: [Event] = []
        tracker.drainEvents { out.append($0) }
        return out
    }

    var tcpState: TCPState? {
        guard let f = flows.first, case .tcp(let t)? = f.protoInfo else { return nil }
        return TCPState(rawValue: t.state)
    }
}

extension Flow {
    var assured: Bool { status?.contains(.assured) ?? false }
    var unreplied: Bool { !(status?.contains(.seenReply) ?? false) }
}
