import XCTest
import Conntrack
import PacketBuilder
@testable import ConntrackEngine

/// `Tracker.translate` rewrites TCP and UDP in plain IPv4 headers through
/// `natPacketFast`; the general `natPacket` must produce the same bytes and result for
/// every such packet, whatever its checksums (UDP's "no checksum" and updates that come
/// out as zero included), payload, direction and manip. Packets the fast path declines
/// must come back untouched.
final class NATFastPathTests: XCTestCase {
    let client = IPAddress("10.1.0.2")!, server = IPAddress("198.18.7.9")!
    let nat = IPAddress("203.0.113.2")!, forward = IPAddress("172.16.0.10")!

    /// An entry SNATed to `nat`:`natPort` and DNATed to `forward`:8080 (both bits set).
    func entry(_ t: Tracker, proto: UInt8) -> ConnectionHandle {
        var md = PacketMetadata()
        md.deferConfirmation = true
        md.checksumVerified = true
        let first = proto == 6 ? PacketBuilder.tcp(from: client, 40001, to: server, 80, seq: 1, flags: .syn)
                               : PacketBuilder.udp(from: client, 40001, to: server, 80, payload: [1])
        let v = first.withUnsafeBytes { t.process($0, now: 1_000_000_000, metadata: md) }
        guard let h = v.connection else { XCTFail("no entry"); return ConnectionHandle(index: 0) }
        t.setupNAT(h, range: NATMapping(address: forward, ports: 8080...8080), manip: .destination)
        t.setupNAT(h, range: NATMapping(address: nat, ports: 50000...50000), manip: .source)
        XCTAssertTrue(t.confirm(v, now: 1_000_000_000))
        XCTAssertEqual(t.status(h).rawValue & 0x30, 0x30)
        return h
    }

    func testFastPathWritesWhatTheGeneralPathWrites() {
        var rng: UInt64 = 0x0ddc0ffee
        func next() -> UInt64 { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng }
        var rewritten = 0, declined = 0
        for proto in [UInt8(6), 17] {
            let t = Tracker(seed: 9)
            let h = entry(t, proto: proto)
            for _ in 0..<4000 {
                let reply = next() & 1 == 1
                // As the packets arrive: original to the server, replies from the DNAT target to the NAT address.
                let (src, dst, sp, dp) = reply ? (forward, nat, UInt16(8080), UInt16(50000))
                                               : (client, server, UInt16(40001), UInt16(80))
                let payload = (0..<Int(next() % 9)).map { _ in UInt8(truncatingIfNeeded: next()) }
                let check: ChecksumMode = next() % 4 == 0 ? .zero : .value(UInt16(truncatingIfNeeded: next()))
                var p = proto == 6
                    ? PacketBuilder.tcp(from: src, sp, to: dst, dp, seq: UInt32(truncatingIfNeeded: next()),
                                        ack: 1, flags: .ack, payload: payload, checksum: check)
                    : PacketBuilder.udp(from: src, sp, to: dst, dp, payload: payload, checksum: check)
                // Now and then a header the fast path must leave alone.
                switch next() % 16 {
                case 0: p.removeLast(p.count - (proto == 6 ? 30 : 24))  // cut in the layer-4 header
                case 1: p[6] = 0x20                                      // more fragments
                case 2: p[3] = UInt8(truncatingIfNeeded: p.count + 4)    // IP length beyond the buffer
                default: break
                }
                let v = Verdict(connection: h, direction: reply ? .reply : .original, state: .established)
                for manip in [NATManip.source, .destination] {
                    var a = p, b = p
                    let fast = a.withUnsafeMutableBytes {
                        t.core.pointee.natPacketFast(MutableBytes(base: $0.baseAddress!, count: $0.count),
                                                     verdict: v, manip: manip)
                    }
                    let general = b.withUnsafeMutableBytes {
                        t.core.pointee.natPacket(MutableBytes(base: $0.baseAddress!, count: $0.count),
                                                 verdict: v, manip: manip)
                    }
                    if let f = fast {
                        XCTAssertEqual(f, general)
                        XCTAssertEqual(a, b, "proto \(proto) reply \(reply) \(manip) \(p)")
                        rewritten += 1
                    } else {
                        XCTAssertEqual(a, p, "declined but changed")
                        declined += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(rewritten, 10_000)
        XCTAssertGreaterThan(declined, 300)
    }
}
