import XCTest
import Conntrack
import PacketBuilder
@testable import ConntrackEngine

/// The ESTABLISHED pure-ACK fast path must decide and update exactly like the general
/// path. A segment carrying only a timestamp option (no SACK blocks) goes the general
/// way with identical window semantics, so the same random conversation is replayed
/// with and without that option and every decision and field is compared.
final class TCPFastPathTests: XCTestCase {
    struct Snapshot: Equatable {
        var state: FirewallState, reason: InvalidReason, dropped: Bool
        var tcpState: UInt8, status: UInt16, expires: UInt64
        var sides: [UInt32], sideBytes: [UInt8]
        var last: [UInt32], lastBytes: [UInt8]
    }

    static func snapshot(_ h: Harness, _ v: Verdict) -> Snapshot {
        let c = h.tracker.core.pointee.table.slab[0]
        let t = c.tcp
        return Snapshot(state: v.state, reason: v.reason, dropped: v.dropped,
                        tcpState: c.state, status: c.status, expires: c.expires,
                        sides: [t.seen0.end, t.seen0.maxEnd, t.seen0.maxWin, t.seen0.maxAck,
                                t.seen1.end, t.seen1.maxEnd, t.seen1.maxWin, t.seen1.maxAck],
                        sideBytes: [t.seen0.scale, t.seen0.flags, t.seen1.scale, t.seen1.flags],
                        last: [t.lastSeq, t.lastAck, t.lastEnd, UInt32(t.lastWin)],
                        lastBytes: [t.lastDir, t.lastIndex, t.lastWscale, t.lastFlags, t.retrans])
    }

    func run(scale: UInt8?, sack: Bool, seed: UInt64) {
        let fast = Harness(), slow = Harness()
        var synOpts: [TCPOption] = [.mss(1460)]
        if sack { synOpts.append(.sackPermitted) }
        if let s = scale { synOpts.append(.windowScale(s)) }
        for h in [fast, slow] {
            let d = TCPDriver(h)
            d.a(.syn, options: synOpts)
            d.b(.synAck, options: synOpts)
            d.a(.ack)
            d.b(.ack, payload: [1, 2, 3])   // reply-direction data: ASSURED
            d.a(.ack)
        }
        XCTAssertEqual(fast.flows.first?.assured, true)
        XCTAssertEqual(Self.snapshot(fast, Verdict(state: .new)), Self.snapshot(slow, Verdict(state: .new)))
        var rng = seed
        func next() -> UInt64 { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng }
        var seqA: UInt32 = 1001, seqB: UInt32 = 5004
        let offsets: [Int64] = [0, 0, 0, 0, -1, 1, -3000, 40_000, 70_000, -70_000, 200_000, -2_000_000]
        for step in 0..<600 {
            let fromA = next() & 1 == 0
            let payload = [UInt8](repeating: 0x61, count: Int(next() % 4) * 500)
            let dSeq = offsets[Int(next() % UInt64(offsets.count))]
            let dAck = offsets[Int(next() % UInt64(offsets.count))]
            let windows: [UInt16] = [64240, 0, 1, 500, 65535, 29200]
            let win = windows[Int(next() % UInt64(windows.count))]
            let flags: TCPFlags = next() % 3 == 0 ? [.ack, .psh] : .ack
            let seq = UInt32(truncatingIfNeeded: Int64(fromA ? seqA : seqB) + dSeq)
            let ack = UInt32(truncatingIfNeeded: Int64(fromA ? seqB : seqA) + dAck)
            let (src, dst, sp, dp) = fromA ? (Harness.a4, Harness.b4, UInt16(40000), UInt16(80))
                                           : (Harness.b4, Harness.a4, UInt16(80), UInt16(40000))
            let plain = PacketBuilder.tcp(from: src, sp, to: dst, dp, seq: seq, ack: ack, flags: flags, window: win,
                                          payload: payload)
            let withTS = PacketBuilder.tcp(from: src, sp, to: dst, dp, seq: seq, ack: ack, flags: flags, window: win,
                                           options: [.nop, .nop, .timestamp(value: 7, echo: 9)], payload: payload)
            let vf = fast.send(plain), vs = slow.send(withTS)
            let a = Self.snapshot(fast, vf), b = Self.snapshot(slow, vs)
            if a != b {
                XCTFail("step \(step) (seed \(seed)): fast path \(a) != general path \(b)")
                return
            }
            if dSeq == 0 && vf.state != .invalid && vf.reason == .none {
                if fromA { seqA &+= UInt32(payload.count) } else { seqB &+= UInt32(payload.count) }
            }
            let dt = UInt64(next() % 3_000_000_000)
            fast.now += dt; slow.now += dt
        }
    }

    func testFastPathMatchesGeneralPath() {
        for seed: UInt64 in [0x9E37_79B9_7F4A_7C15, 12345, 0xdead_beef, 777] {
            run(scale: 7, sack: true, seed: seed)
            run(scale: nil, sack: false, seed: seed)
            run(scale: 14, sack: false, seed: seed &+ 1)
        }
    }

    func testFastPathHandlesRetransmissionTimeout() {
        // Identical ACKs beyond tcp_max_retrans shorten the timeout to max_retrans (300 s).
        let h = Harness()
        let d = TCPDriver(h)
        d.handshake()
        d.b(.ack, payload: [1])
        d.a(.ack)
        for _ in 0..<5 { d.a(.ack) }
        XCTAssertEqual(h.only()?.timeout, 299)
    }
}
