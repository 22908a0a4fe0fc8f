import XCTest
import Conntrack
import PacketBuilder
@testable import ConntrackEngine

/// Cases the differential suite found against the live kernel (6.18).
final class KernelAgreementTests: XCTestCase {
    /// ip_rcv_core: `skb->len < tot_len` -> drop before PRE_ROUTING, so conntrack sees
    /// nothing and counts nothing (live: no entry, `invalid` stays 0).
    func testIPv4TotalLengthBeyondPacketIsDroppedBeforeConntrack() {
        let h = Harness()
        var ip = IPOptions()
        ip.lengthOverride = 200
        let p = PacketBuilder.udp(from: Harness.a4, 45001, to: Harness.b4, 53, ip: ip)
        XCTAssertLessThan(p.count, 200)
        let v = h.send(p)
        XCTAssertTrue(v.dropped)
        XCTAssertEqual(v.state, .invalid)
        XCTAssertEqual(v.reason, .ipLengthExceedsPacket)
        XCTAssertEqual(h.tracker.statistics["invalid"], 0)
        XCTAssertEqual(h.tracker.count, 0)
    }

    /// ipv6_rcv: `pkt_len + sizeof(ipv6hdr) > skb->len` -> drop before conntrack.
    func testIPv6PayloadLengthBeyondPacketIsDroppedBeforeConntrack() {
        let h = Harness()
        var ip = IPOptions()
        ip.lengthOverride = 300
        let p = PacketBuilder.udp(from: Harness.a6, 45002, to: Harness.b6, 53, ip: ip)
        XCTAssertLessThan(p.count, 340)
        let v = h.send(p)
        XCTAssertTrue(v.dropped)
        XCTAssertEqual(v.state, .invalid)
        XCTAssertEqual(h.tracker.statistics["invalid"], 0)
        XCTAssertEqual(h.tracker.count, 0)
    }

    /// The differential scenario frag.v6_udp: 3000 bytes of UDP payload (3008-byte
    /// datagram) in 1200-byte fragments (0-1200, 1200-2400, 2400-3008, each behind a
    /// fragment header). Live: one entry, packets=1 bytes=3048.
    func testIPv6UDPIn1200ByteFragments() {
        let h = Harness { $0.accounting = true }
        let dgram = PacketBuilder.udp(from: Harness.a6, 44000, to: Harness.b6, 9000,
                                      payload: [UInt8](repeating: 3, count: 3000))
        let frags = PacketBuilder.fragment(dgram, payloadSize: 1200)
        XCTAssertEqual(frags.count, 3)
        XCTAssertEqual(frags.map(\.count), [1248, 1248, 656])
        for f in frags.dropLast() { XCTAssertEqual(h.send(f).state, .fragmentQueued) }
        XCTAssertEqual(h.send(frags.last!).state, .new)
        let f = h.only()
        XCTAssertEqual(f?.countersOriginal, Counters(packets: 1, bytes: 3048))
        XCTAssertEqual(f?.original.destinationPort, 9000)
        XCTAssertTrue(f?.unreplied ?? false)
    }
}
