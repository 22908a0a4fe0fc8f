import XCTest
import Conntrack
import PacketBuilder
@testable import ConntrackEngine

/// Malformed input never crashes or hangs the engine, and the table stays consistent.
final class FuzzTests: XCTestCase {
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    func seeds() -> [[UInt8]] {
        let a = Harness.a4, b = Harness.b4, a6 = Harness.a6, b6 = Harness.b6
        let udp = PacketBuilder.udp(from: a, 1, to: b, 2, payload: [1, 2, 3])
        var ext = IPOptions()
        ext.ipv6ExtensionHeaders = [(type: 0, body: [1, 4, 0, 0, 0, 0]), (type: 43, body: [0, 0, 0, 0, 0, 0])]
        return [
            udp,
            PacketBuilder.tcp(from: a, 1, to: b, 2, seq: 1, flags: .syn, options: [.mss(1460), .sackPermitted, .windowScale(7)]),
            PacketBuilder.tcp(from: b, 2, to: a, 1, seq: 1, ack: 2, flags: .ack, options: [.sack([(1, 2), (3, 4)])]),
            PacketBuilder.icmpError(from: b, to: a, type: 3, code: 3, quoting: udp),
            PacketBuilder.icmpError(from: b6, to: a6, type: 1, code: 4,
                                    quoting: PacketBuilder.udp(from: a6, 1, to: b6, 2)),
            PacketBuilder.icmp(from: a6, to: b6, type: 137, code: 0, payload: Array(repeating: 0, count: 40) + [4, 1, 0, 0]),
            PacketBuilder.sctp(from: a, 1, to: b, 2, vtag: 0, chunks: [.initChunk(initiateTag: 5)]),
            PacketBuilder.gre(from: a, to: b, version: 1, callID: 7),
            PacketBuilder.udp(from: a6, 1, to: b6, 2, ip: ext),
            PacketBuilder.udplite(from: a, 1, to: b, 2, payload: [1, 2, 3, 4], coverage: 10),
        ] + PacketBuilder.fragment(PacketBuilder.udp(from: a, 1, to: b, 2, payload: Array(repeating: 1, count: 100)),
                                   payloadSize: 40)
          + PacketBuilder.fragment(PacketBuilder.udp(from: a6, 1, to: b6, 2, payload: Array(repeating: 1, count: 100)),
                                   payloadSize: 40)
    }

    func testMutatedPacketsNeverCrash() {
        var rng = SplitMix(state: 7)
        let corpus = seeds()
        for checksum in [false, true] {
            let h = Harness { $0.checksum = checksum; $0.maxEntries = 64; $0.accounting = true }
            for _ in 0..<20_000 {
                var p = corpus[Int(rng.next() % UInt64(corpus.count))]
                let flips = Int(rng.next() % 4)
                for _ in 0..<flips where !p.isEmpty {
                    p[Int(rng.next() % UInt64(p.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
                if rng.next() % 4 == 0 { p = Array(p.prefix(Int(rng.next() % UInt64(p.count + 1)))) }
                let meta = PacketMetadata(hook: rng.next() % 2 == 0 ? .preRouting : .localOut)
                _ = h.send(p, meta)
                h.wait(Double(rng.next() % 1000) / 1000)
            }
            XCTAssertLessThanOrEqual(h.tracker.count, 64)
            XCTAssertEqual(h.flows.count <= h.tracker.count, true)
            h.wait(1_000_000)
            h.tracker.advance(to: h.now)
            XCTAssertEqual(h.tracker.count, 0)
        }
    }

    func testRandomBytesNeverCrash() {
        var rng = SplitMix(state: 99)
        let h = Harness()
        for _ in 0..<20_000 {
            let n = Int(rng.next() % 120)
            var p = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if n > 0 { p[0] = rng.next() % 2 == 0 ? 0x45 : 0x60 }
            _ = h.send(p, PacketMetadata(hook: .localOut))
        }
    }
}
