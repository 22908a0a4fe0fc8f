import XCTest
import Conntrack
import PacketBuilder
@testable import ConntrackEngine

/// TCP reference sequences (§4.8) and special cases (§4.5-4.7), live 6.18 values.
final class TCPTests: XCTestCase {
    func state(_ h: Harness) -> (TCPState?, UInt32?, Bool, Bool) {
        let f = h.only()
        return (h.tcpState, f?.timeout, f?.assured ?? false, f?.unreplied ?? true)
    }

    func testReferenceSequence() {
        let h = Harness()
        let d = TCPDriver(h)
        XCTAssertEqual(d.a(.syn, options: [.mss(1460), .sackPermitted, .windowScale(7)]).state, .new)
        var s = state(h)
        XCTAssertEqual(s.0, .synSent); XCTAssertEqual(s.1, 119); XCTAssertTrue(s.3)
        XCTAssertEqual(d.b(.synAck, options: [.mss(1460), .sackPermitted, .windowScale(7)]).state, .established)
        s = state(h)
        XCTAssertEqual(s.0, .synRecv); XCTAssertEqual(s.1, 59); XCTAssertFalse(s.3); XCTAssertFalse(s.2)
        d.a(.ack)
        s = state(h)
        XCTAssertEqual(s.0, .established); XCTAssertEqual(s.1, 431_999); XCTAssertTrue(s.2)
        d.a(.pshAck, payload: Array(repeating: 7, count: 100))
        s = state(h)
        XCTAssertEqual(s.0, .established); XCTAssertEqual(s.1, 299, "unacknowledged data")
        d.b(.ack)
        XCTAssertEqual(state(h).1, 431_999)
        d.a(.finAck)
        s = state(h); XCTAssertEqual(s.0, .finWait); XCTAssertEqual(s.1, 119)
        d.b(.ack)
        s = state(h); XCTAssertEqual(s.0, .closeWait); XCTAssertEqual(s.1, 59)
        d.b(.finAck)
        s = state(h); XCTAssertEqual(s.0, .lastAck); XCTAssertEqual(s.1, 29)
        d.a(.ack)
        s = state(h); XCTAssertEqual(s.0, .timeWait); XCTAssertEqual(s.1, 119)
        XCTAssertEqual(h.tracker.statistics["invalid"], 0)
    }

    func testProtoInfoFlagsAndWindowScale() {
        let h = Harness()
        let d = TCPDriver(h)
        d.handshake()
        guard case .tcp(let t)? = h.only()?.protoInfo else { return XCTFail("no protoinfo") }
        XCTAssertEqual(t.windowScaleOriginal, 7)
        XCTAssertEqual(t.windowScaleReply, 7)
        // SACK_PERM | WINDOW_SCALE, plus MAXACK_SET for both (both sent ACKs)
        XCTAssertEqual(t.flagsOriginal?.flags, 0x23)
        XCTAssertEqual(t.flagsReply?.flags, 0x23)
    }

    func testFinFinDirectlyGoesToLastAck() {
        let h = Harness()
        let d = TCPDriver(h)
        d.handshake()
        d.a(.finAck)
        d.b(.finAck)
        XCTAssertEqual(h.tcpState, .lastAck)
        d.a(.ack)
        XCTAssertEqual(h.tcpState, .timeWait)
    }

    func testHandshakeAndCloseEvents() {
        let h = Harness()
        let d = TCPDriver(h)
        d.handshake()
        d.a(.finAck); d.b(.finAck); d.a(.ack)
        let e = h.events
        XCTAssertEqual(e.map(\.type), [.new, .update, .update, .update, .update, .update])
        let states = e.map { ev -> UInt8? in if case .tcp(let t)? = ev.flow.protoInfo { t.state } else { nil } }
        XCTAssertEqual(states, [1, 2, 3, 4, 6, 7])
        XCTAssertEqual(e[2].flow.status?.contains(.assured), true)
        XCTAssertEqual(e[0].flow.timeout, 120)
    }

    func testRSTExactSeqClosesWith10Seconds() {
        let h = Harness()
        let d = TCPDriver(h)
        d.handshake()
        d.a(.rst)
        let s = state(h)
        XCTAssertEqual(s.0, .close); XCTAssertEqual(s.1, 9)
    }

    func testRSTFromClientInSynRecvKeepsEntry() {
        let h = Harness()
        let d = TCPDriver(h)
        d.a(.syn); d.b(.synAck)
        d.a(.rst)
        let s = state(h)
        XCTAssertEqual(s.0, .close); XCTAssertEqual(s.1, 9); XCTAssertFalse(s.3)
    }

    func testRSTBelowLastAckIsInvalid() {
        let h = Harness()
        let d = TCPDriver(h)
        d.handshake()
        d.b(.pshAck, payload: [1, 2, 3, 4])
        d.a(.ack)
        let v = d.b(.rst, seq: 5000)
        XCTAssertEqual(v.state, .invalid)
        XCTAssertEqual(v.reason, .tcpInvalidRST)
        XCTAssertEqual(h.tcpState, .established)
        XCTAssertEqual(h.only()?.timeout, 431_999)
    }

    func testInexactInWindowRSTKeepsEstablishedWithCloseTimeout() {
        let h = Harness()
        let d = TCPDriver(h)
        d.handshake()
        d.a(.rst, seq: d.seqA + 10)
        let s = state(h)
        XCTAssertEqual(s.0, .established)
        XCTAssertEqual(s.1, 9, "6.18: an RST always sets the CLOSE timeout")
    }

    func testRSTWithoutReplyDeletesEntry() {
        let h = Harness { $0.accounting = true }
        let d = TCPDriver(h)
        d.a(.syn)
        _ = h.events
        let v = d.b(.rstAck, seq: 0)
        XCTAssertNotEqual(v.state, .invalid)
        XCTAssertEqual(h.flows.count, 0)
        let e = h.events
        XCTAssertEqual(e.map(\.type), [.destroy])
        XCTAssertEqual(e.first?.flow.countersReply?.packets, 1, "counted before deletion")
        XCTAssertEqual(e.first?.flow.status?.contains(.seenReply), false)
    }

    func testSYNRetransmissionDoesNotRefresh() {
        let h = Harness()
        let d = TCPDriver(h)
        d.a(.syn)
        h.wait(10)
        let v = d.a(.syn, seq: 1000)
        XCTAssertEqual(v.state, .new)
        XCTAssertEqual(h.only()?.timeout, 109)
    }

    func testPickupThenReplyThenAssured() throws {
        let h = Harness()
        let d = TCPDriver(h)
        XCTAssertEqual(d.a(.ack).state, .new)
        var s = state(h)
        XCTAssertEqual(s.0, .established); XCTAssertEqual(s.1, 299); XCTAssertTrue(s.3); XCTAssertFalse(s.2)
        XCTAssertEqual(d.b(.ack).state, .established)
        s = state(h)
        XCTAssertEqual(s.1, 299); XCTAssertFalse(s.3); XCTAssertFalse(s.2)
        d.a(.ack)
        s = state(h)
        XCTAssertEqual(s.1, 431_999); XCTAssertTrue(s.2)
        guard case .tcp(let t)? = h.only()?.protoInfo else { return XCTFail() }
        XCTAssertEqual((t.flagsOriginal?.flags ?? 0) & 0x0a, 0x0a, "picked up: SACK_PERM|BE_LIBERAL")
    }

    func testNoPickupWhenLooseOff() throws {
        let h = Harness()
        try h.tracker.setSysctl("nf_conntrack_tcp_loose", 0)
        let v = TCPDriver(h).a(.ack)
        XCTAssertEqual(v.reason, .tcpCannotCreate)
        XCTAssertEqual(h.tracker.count, 0)
    }

    func testInvalidFlagCombinations() {
        let h = Harness()
        let d = TCPDriver(h)
        for f: TCPFlags in [[.syn, .fin], [.syn, .rst], [], [.fin], [.fin, .psh, .urg], [.rst, .fin]] {
            let v = d.a(f, seq: 1000)
            XCTAssertEqual(v.state, .invalid, "flags \(f.rawValue)")
            XCTAssertEqual(v.reason, .tcpInvalidFlags)
        }
        XCTAssertEqual(h.tracker.count, 0)
        XCTAssertEqual(h.tracker.statistics["invalid"], 6)
        // other first packets: SYN/ACK, FIN/ACK, RST are valid flags but cannot create
        for f: TCPFlags in [.synAck, .finAck, .rst] {
            XCTAssertEqual(d.a(f, seq: 1000).reason, .tcpCannotCreate)
        }
    }

    func testBadChecksumSYN() throws {
        let h = Harness()
        let a = Harness.a4, b = Harness.b4
        let bad = PacketBuilder.tcp(from: a, 1, to: b, 2, seq: 1, flags: .syn, checksum: .corrupt)
        XCTAssertEqual(h.send(bad).reason, .badChecksum)
        XCTAssertEqual(h.tracker.count, 0)
        try h.tracker.setSysctl("nf_conntrack_checksum", 0)
        XCTAssertEqual(h.send(bad).state, .new)
        XCTAssertEqual(h.tcpState, .synSent)
    }

    func testTruncatedHeader() {
        let h = Harness()
        let p = PacketBuilder.tcp(from: Harness.a4, 1, to: Harness.b4, 2, seq: 1, flags: .syn, dataOffsetOverride: 15)
        XCTAssertEqual(h.send(p).reason, .tcpTruncated)
    }

    func testRetransmissionsLowerTimeout() {
        let h = Harness()
        let d = TCPDriver(h)
        d.handshake()
        let ack = d.packet(fromA: true, .ack)
        h.send(ack); h.send(ack)
        XCTAssertEqual(h.only()?.timeout, 431_999)
        h.send(ack)
        XCTAssertEqual(h.only()?.timeout, 299, "4th identical pure ACK")
    }

    func testZeroWindowUsesRetransTimeout() {
        let h = Harness()
        let d = TCPDriver(h)
        d.handshake()
        d.b(.ack, window: 0)
        XCTAssertEqual(h.only()?.timeout, 299)
    }

    func testFarAheadDataInvalidUnlessLiberal() throws {
        let h = Harness()
        let d = TCPDriver(h)
        d.a(.syn); d.b(.synAck); d.a(.ack)
        let v = d.a(.pshAck, payload: [1], seq: d.seqA &+ 50_000_000)
        XCTAssertEqual(v.reason, .tcpSeqOverUpperBound)
        XCTAssertEqual(v.reason.description, "TCP: SEQ over upper bound")
        XCTAssertEqual(h.tracker.statistics["invalid"], 1)
        try h.tracker.setSysctl("net.netfilter.nf_conntrack_tcp_be_liberal", 1)
        XCTAssertEqual(d.a(.pshAck, payload: [1], seq: d.seqA &+ 50_000_000).state, .established)
    }

    func testAckOverUpperBound() {
        let h = Harness()
        let d = TCPDriver(h)
        d.handshake()
        let v = d.a(.ack, ack: d.seqB &+ 100_000)
        XCTAssertEqual(v.reason, .tcpAckOverUpperBound)
    }

    func testOldRetransmissionIsIgnoredNotInvalid() {
        let h = Harness()
        let d = TCPDriver(h)
        d.a(.syn); d.b(.synAck); d.a(.ack)   // no window scaling: 64240-byte windows
        for _ in 0..<80 {
            d.a(.pshAck, payload: Array(repeating: 1, count: 1000))
            d.b(.ack)
        }
        let v = d.a(.pshAck, payload: [1, 2, 3], seq: 1001)
        XCTAssertNotEqual(v.state, .invalid)
        XCTAssertEqual(v.reason, .tcpSeqUnderLowerBound)
    }

    func testSimultaneousOpen() {
        let h = Harness()
        let d = TCPDriver(h)
        d.a(.syn)
        XCTAssertEqual(h.tcpState, .synSent)
        d.b(.syn)
        XCTAssertEqual(h.tcpState, .synSent2)
        d.a(.synAck, seq: 1000)
        XCTAssertEqual(h.tcpState, .synRecv)
        let v = d.b(.synAck, seq: 5000)
        XCTAssertTrue(v.reason.isAcceptedIgnore)
        XCTAssertEqual(h.tcpState, .synRecv)
        d.b(.ack)
        XCTAssertEqual(h.tcpState, .established)
        XCTAssertEqual(h.only()?.assured, true)
    }

    func testSYNInEstablishedIgnoredThenResync() {
        let h = Harness()
        let d = TCPDriver(h)
        d.handshake()
        d.seqA = 900_000
        let v = d.a(.syn)
        XCTAssertTrue(v.reason.isAcceptedIgnore)
        XCTAssertEqual(v.state, .established)
        XCTAssertEqual(h.tcpState, .established)
        d.seqB = 700_000
        d.b(.synAck)
        XCTAssertEqual(h.tcpState, .synRecv)
        d.a(.ack)
        XCTAssertEqual(h.tcpState, .established)
    }

    func testReopenFromTimeWait() {
        let h = Harness()
        let d = TCPDriver(h)
        d.handshake()
        d.a(.finAck); d.b(.finAck); d.a(.ack)
        _ = h.events
        d.seqA = 77_000
        let v = d.a(.syn)
        XCTAssertEqual(v.state, .new)
        let s = state(h)
        XCTAssertEqual(s.0, .synSent); XCTAssertTrue(s.3); XCTAssertEqual(s.1, 119)
        XCTAssertEqual(h.events.map(\.type), [.destroy, .new])
    }

    func testChallengeAckInLastAck() {
        let h = Harness()
        let d = TCPDriver(h)
        d.handshake()
        d.b(.finAck)          // server closes first: FIN(r) -> FIN_WAIT
        d.a(.ack)             // CLOSE_WAIT
        d.a(.finAck)          // LAST_ACK
        XCTAssertEqual(h.tcpState, .lastAck)
        d.a(.syn, seq: 123_456)  // new SYN from the client: ignored, challenge ACK expected
        let v = d.b(.ack, seq: d.seqB, ack: d.seqA)
        XCTAssertEqual(v.reason, .tcpChallengeAck)
        XCTAssertEqual(h.tcpState, .lastAck)
    }

    func testOutOfWindowFinsFromBothSidesLowerTimeoutToUnack() {
        // nf_tcp_handle_invalid: an invalid FIN after an invalid FIN from the other side
        // on an ASSURED entry with >= 120 s left lowers the timeout to UNACK (300 s).
        let h = Harness()
        let d = TCPDriver(h)
        d.handshake()
        XCTAssertEqual(d.a(.finAck, seq: d.seqA &+ 100_000_000).state, .invalid)
        XCTAssertEqual(h.only()?.timeout, 431_999, "first invalid FIN is only recorded")
        XCTAssertEqual(d.b(.finAck, seq: d.seqB &+ 100_000_000).state, .invalid)
        XCTAssertEqual(h.only()?.timeout, 299)
        XCTAssertEqual(h.tcpState, .established)
    }

    func testIPv6Handshake() {
        let h = Harness()
        let d = TCPDriver(h, v6: true)
        d.handshake()
        XCTAssertEqual(h.tcpState, .established)
        XCTAssertEqual(h.only()?.assured, true)
    }
}
