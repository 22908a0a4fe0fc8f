import XCTest
import Conntrack
import PacketBuilder
@testable import ConntrackEngine

/// Reassembly before tracking (reference §13, live: 3 v4 fragments -> packets=1
/// bytes=3028; v6 -> 3048; first fragment alone -> no entry).
final class DefragTests: XCTestCase {
    let a = Harness.a4, b = Harness.b4

    func datagram(v6: Bool = false, size: Int = 3000) -> [UInt8] {
        v6 ? PacketBuilder.udp(from: Harness.a6, 5000, to: Harness.b6, 6000, payload: Array(repeating: 9, count: size))
           : PacketBuilder.udp(from: a, 5000, to: b, 6000, payload: Array(repeating: 9, count: size))
    }

    func testIPv4FragmentsCountOnceWithReassembledLength() {
        let h = Harness { $0.accounting = true }
        let frags = PacketBuilder.fragment(datagram(), payloadSize: 1000)
        XCTAssertEqual(frags.count, 4)
        for f in frags.dropLast() { XCTAssertEqual(h.send(f).state, .fragmentQueued) }
        XCTAssertEqual(h.tracker.count, 0)
        XCTAssertEqual(h.send(frags.last!).state, .new)
        let f = h.only()
        XCTAssertEqual(f?.countersOriginal, Counters(packets: 1, bytes: 3028))
    }

    func testIPv6FragmentsCountOnceWithReassembledLength() {
        let h = Harness { $0.accounting = true }
        let frags = PacketBuilder.fragment(datagram(v6: true), payloadSize: 1000)
        for f in frags.dropLast() { XCTAssertEqual(h.send(f).state, .fragmentQueued) }
        XCTAssertEqual(h.send(frags.last!).state, .new)
        XCTAssertEqual(h.only()?.countersOriginal, Counters(packets: 1, bytes: 3048))
        XCTAssertEqual(h.only()?.original.destinationPort, 6000)
    }

    func testOutOfOrderAndDuplicateFragments() {
        let h = Harness { $0.accounting = true }
        let frags = PacketBuilder.fragment(datagram(), payloadSize: 1000)
        h.send(frags[2]); h.send(frags[0]); h.send(frags[0]); h.send(frags[3])
        XCTAssertEqual(h.tracker.count, 0)
        XCTAssertEqual(h.send(frags[1]).state, .new)
        XCTAssertEqual(h.only()?.countersOriginal?.bytes, 3028)
    }

    func testFirstFragmentAloneCreatesNothingAndExpires() {
        let h = Harness()
        let frags = PacketBuilder.fragment(datagram(), payloadSize: 1000)
        h.send(frags[0])
        XCTAssertEqual(h.tracker.count, 0)
        h.wait(31)
        h.tracker.advance(to: h.now)
        XCTAssertEqual(h.tracker.counters.fragmentQueuesExpired, 1)
        // The rest arriving later cannot complete the datagram.
        for f in frags.dropFirst() { XCTAssertNotEqual(h.send(f).state, .new) }
        XCTAssertEqual(h.tracker.count, 0)
    }

    func testIPv6QueueTimeoutIs60Seconds() {
        let h = Harness()
        let frags = PacketBuilder.fragment(datagram(v6: true), payloadSize: 1000)
        h.send(frags[0])
        h.wait(45)
        for f in frags.dropFirst() { h.send(f) }
        XCTAssertEqual(h.tracker.count, 1, "frag6_timeout is 60 s, so the queue survived 45 s")
    }

    func testOverlapDropsTheQueue() {
        let h = Harness()
        let frags = PacketBuilder.fragment(datagram(), payloadSize: 1000)
        h.send(frags[0])
        h.send(frags[1])
        // A fragment starting inside fragment 1 (offset 1000 - 8) overlapping into 2.
        var bad = frags[2]
        let off = (Int(bad[6] & 0x1f) << 8 | Int(bad[7])) - 1
        bad[6] = (bad[6] & 0xe0) | UInt8(off >> 8); bad[7] = UInt8(off & 0xff)
        bad[10] = 0; bad[11] = 0
        var sum: UInt32 = 0
        for i in stride(from: 0, to: 20, by: 2) { sum += UInt32(bad[i]) << 8 | UInt32(bad[i + 1]) }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        bad[10] = UInt8((~sum >> 8) & 0xff); bad[11] = UInt8(~sum & 0xff)
        XCTAssertEqual(h.send(bad).reason, .fragmentOverlap)
        h.send(frags[2])
        h.send(frags[3])
        XCTAssertEqual(h.tracker.count, 0, "the queue was dropped: fragments 0 and 1 are gone")
    }

    func testMemoryLimit() throws {
        let h = Harness()
        try h.tracker.setSysctl("net.ipv4.ipfrag_high_thresh", 2000)
        let frags = PacketBuilder.fragment(datagram(), payloadSize: 1000)
        var reasons: [InvalidReason] = []
        for f in frags { reasons.append(h.send(f).reason) }
        XCTAssertTrue(reasons.contains(.fragmentMemoryLimit))
        XCTAssertEqual(h.tracker.count, 0)
    }

    func testFragmentedTCPHandshakeDataIsTracked() {
        let h = Harness()
        let d = TCPDriver(h)
        d.handshake()
        let big = d.packet(fromA: true, .pshAck, payload: Array(repeating: 1, count: 2000))
        let frags = PacketBuilder.fragment(big, payloadSize: 800)
        for f in frags.dropLast() { h.send(f) }
        XCTAssertEqual(h.send(frags.last!).state, .established)
        XCTAssertEqual(h.only()?.timeout, 299, "unacknowledged data after reassembly")
    }
}
