import XCTest
import Conntrack
import PacketBuilder
@testable import ConntrackEngine

/// UDP and UDPLite rules of reference §5 ([live] observations).
final class UDPTests: XCTestCase {
    let a = Harness.a4, b = Harness.b4

    func testRequestOnlyIsUnrepliedWith29Seconds() {
        let h = Harness()
        let v = h.send(PacketBuilder.udp(from: a, 5000, to: b, 53, payload: [1, 2, 3]))
        XCTAssertEqual(v.state, .new)
        XCTAssertEqual(v.direction, .original)
        let f = h.only()
        XCTAssertEqual(f?.timeout, 29)
        XCTAssertEqual(f?.unreplied, true)
        XCTAssertEqual(f?.assured, false)
        XCTAssertEqual(f?.status?.contains(.confirmed), true)
        XCTAssertEqual(f?.original.sourcePort, 5000)
        XCTAssertEqual(f?.reply.sourcePort, 53)
        XCTAssertEqual(f?.reply.source, b)
        XCTAssertEqual(f?.use, 1)
        XCTAssertEqual(f?.mark, 0)
    }

    func testReplyWithinTwoSecondsIs30NotAssured() {
        let h = Harness()
        h.send(PacketBuilder.udp(from: a, 5000, to: b, 53))
        h.wait(0.5)
        let r = h.send(PacketBuilder.udp(from: b, 53, to: a, 5000))
        XCTAssertEqual(r.state, .established)
        XCTAssertEqual(r.direction, .reply)
        h.wait(1)
        h.send(PacketBuilder.udp(from: a, 5000, to: b, 53))
        let f = h.only()
        XCTAssertEqual(f?.unreplied, false)
        XCTAssertEqual(f?.assured, false)
        XCTAssertEqual(f?.timeout, 29)
    }

    func testPacketAfterTwoSecondsWithReplyIsStreamAssured() {
        let h = Harness()
        h.send(PacketBuilder.udp(from: a, 5000, to: b, 53))
        h.send(PacketBuilder.udp(from: b, 53, to: a, 5000))
        h.wait(2.5)
        h.send(PacketBuilder.udp(from: b, 53, to: a, 5000))
        let f = h.only()
        XCTAssertEqual(f?.assured, true)
        XCTAssertEqual(f?.timeout, 119)
    }

    func testNoReplyNeverAssured() {
        let h = Harness()
        h.send(PacketBuilder.udp(from: a, 5000, to: b, 53))
        h.wait(5)
        let v = h.send(PacketBuilder.udp(from: a, 5000, to: b, 53))
        XCTAssertEqual(v.state, .new, "original packets stay new until a reply")
        let f = h.only()
        XCTAssertEqual(f?.assured, false)
        XCTAssertEqual(f?.timeout, 29)
    }

    func testAccountingBytesAreL3Length() {
        let h = Harness { $0.accounting = true }
        h.send(PacketBuilder.udp(from: a, 5000, to: b, 53, payload: Array(repeating: 0, count: 100)))
        h.send(PacketBuilder.udp(from: b, 53, to: a, 5000, payload: Array(repeating: 0, count: 10)))
        let f = h.only()
        XCTAssertEqual(f?.countersOriginal, Counters(packets: 1, bytes: 128))
        XCTAssertEqual(f?.countersReply, Counters(packets: 1, bytes: 38))
    }

    func testAccountingOffMeansNoCounters() {
        let h = Harness()
        h.send(PacketBuilder.udp(from: a, 5000, to: b, 53))
        XCTAssertNil(h.only()?.countersOriginal)
    }

    func testIPv6UDPBytes() {
        let h = Harness { $0.accounting = true }
        h.send(PacketBuilder.udp(from: Harness.a6, 5000, to: Harness.b6, 53, payload: Array(repeating: 0, count: 100)))
        XCTAssertEqual(h.only()?.countersOriginal?.bytes, 148)
    }

    func testBadChecksumIsInvalidAndCreatesNothing() {
        let h = Harness()
        let v = h.send(PacketBuilder.udp(from: a, 5000, to: b, 53, checksum: .corrupt))
        XCTAssertEqual(v.state, .invalid)
        XCTAssertEqual(v.reason, .badChecksum)
        XCTAssertEqual(v.reason.description, "bad checksum")
        XCTAssertEqual(h.tracker.count, 0)
        XCTAssertEqual(h.tracker.statistics["invalid"], 1)
    }

    func testBadChecksumAcceptedWhenChecksumSysctlOff() throws {
        let h = Harness()
        try h.tracker.setSysctl("net.netfilter.nf_conntrack_checksum", 0)
        XCTAssertEqual(h.send(PacketBuilder.udp(from: a, 5000, to: b, 53, checksum: .corrupt)).state, .new)
    }

    func testBadChecksumAcceptedAtLocalOut() {
        let h = Harness()
        let v = h.send(PacketBuilder.udp(from: a, 5000, to: b, 53, checksum: .corrupt), PacketMetadata(hook: .localOut))
        XCTAssertEqual(v.state, .new)
    }

    func testZeroChecksumMeansNoChecksum() {
        let h = Harness()
        XCTAssertEqual(h.send(PacketBuilder.udp(from: a, 5000, to: b, 53, checksum: .zero)).state, .new)
    }

    func testLengthFieldLargerThanPacketIsInvalid() {
        let h = Harness()
        let v = h.send(PacketBuilder.udp(from: a, 5000, to: b, 53, payload: [1, 2], lengthOverride: 200))
        XCTAssertEqual(v.state, .invalid)
        XCTAssertEqual(v.reason, .udpTruncated)
        XCTAssertEqual(h.tracker.count, 0)
    }

    func testUDPLiteChecksumWithProtocol17Passes136Fails() {
        let h = Harness()
        let good = PacketBuilder.udplite(from: a, 6000, to: b, 7000, payload: [1, 2, 3, 4], pseudoHeaderProtocol: 17)
        XCTAssertEqual(h.send(good).state, .new)
        let rfc = PacketBuilder.udplite(from: a, 6001, to: b, 7000, payload: [1, 2, 3, 4], pseudoHeaderProtocol: 136)
        XCTAssertEqual(h.send(rfc).reason, .badChecksum)
    }

    func testUDPLiteZeroChecksumInvalidAndReplyAssuresAtOnce() {
        let h = Harness()
        XCTAssertEqual(h.send(PacketBuilder.udplite(from: a, 6000, to: b, 7000, checksum: .zero)).reason, .udpliteMalformed)
        XCTAssertEqual(h.send(PacketBuilder.udplite(from: a, 6000, to: b, 7000, coverage: 4)).reason, .udpliteMalformed)
        h.send(PacketBuilder.udplite(from: a, 6000, to: b, 7000))
        h.send(PacketBuilder.udplite(from: b, 7000, to: a, 6000))
        h.send(PacketBuilder.udplite(from: a, 6000, to: b, 7000))
        let f = h.only()
        XCTAssertEqual(f?.assured, true, "UDPLite: no 2-second rule")
        XCTAssertEqual(f?.timeout, 119)
    }

    func testEventsNewReplyAssured() {
        let h = Harness()
        h.send(PacketBuilder.udp(from: a, 5000, to: b, 53))
        h.send(PacketBuilder.udp(from: b, 53, to: a, 5000))
        h.wait(3)
        h.send(PacketBuilder.udp(from: a, 5000, to: b, 53))
        h.send(PacketBuilder.udp(from: a, 5000, to: b, 53))
        let e = h.events
        XCTAssertEqual(e.map(\.type), [.new, .update, .update])
        XCTAssertEqual(e[0].flow.timeout, 30)
        XCTAssertEqual(e[1].flow.status?.contains(.seenReply), true)
        XCTAssertEqual(e[2].flow.status?.contains(.assured), true)
        XCTAssertEqual(e[2].flow.timeout, 120)
        XCTAssertEqual(e[0].time, e[1].time)
        XCTAssertNil(e[0].flow.mark, "mark 0 is not sent in events")
    }

    func testExpiryDestroysWithEvent() {
        let h = Harness { $0.accounting = true; $0.timestamps = true }
        let start = h.now
        h.send(PacketBuilder.udp(from: a, 5000, to: b, 53))
        _ = h.events
        h.wait(31)
        XCTAssertEqual(h.flows.count, 0, "expired entries are not listed")
        h.tracker.advance(to: h.now)
        XCTAssertEqual(h.tracker.count, 0)
        let e = h.events
        XCTAssertEqual(e.map(\.type), [.destroy])
        XCTAssertNil(e.first?.flow.timeout)
        XCTAssertEqual(e.first?.flow.countersOriginal?.packets, 1)
        XCTAssertEqual(e.first?.flow.timestamps?.start, start)
        XCTAssertEqual(e.first?.flow.timestamps?.stop, start + 30_000_000_000)
    }

    func testNewPacketAfterExpiryCreatesFreshEntry() {
        let h = Harness()
        h.send(PacketBuilder.udp(from: a, 5000, to: b, 53))
        h.wait(30.5)
        let v = h.send(PacketBuilder.udp(from: b, 53, to: a, 5000))
        XCTAssertEqual(v.state, .new, "old entry expired: the reply starts a new connection")
        XCTAssertEqual(h.only()?.original.source, b)
    }
}
