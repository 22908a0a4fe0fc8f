import Conntrack
import PacketBuilder
import XCTest

/// The fuzz-firewall harness itself: its fallback ruleset runs, and its checksum checks and
/// fix-ups agree with PacketBuilder (an independent implementation), so an invariant
/// failure means the firewall, not the harness.
final class FirewallFuzzTests: XCTestCase {
    func testFallbackRulesetIsUsedForEmptyAndRefusedText() {
        XCTAssertFalse(FirewallFuzz.makeFirewall(UnsafeRawBufferPointer(start: nil, count: 0)).own)
        let refused = Array("table ip t { chain c { frobnicate } }".utf8)
        XCTAssertFalse(refused.withUnsafeBytes { FirewallFuzz.makeFirewall($0).own })
        let own = Array(FirewallFuzz.fallbackText.utf8)
        XCTAssertTrue(own.withUnsafeBytes { FirewallFuzz.makeFirewall($0).own })
        XCTAssertEqual(FirewallFuzz.fallback.tables.count, 4)
    }

    func packets() -> [([UInt8], ChecksumMode) -> [UInt8]] {
        let a = IPAddress("10.0.0.2")!, b = IPAddress("198.51.100.7")!
        let a6 = IPAddress("fd00::2")!, b6 = IPAddress("2001:db8:ffff::7")!
        return [
            { p, c in PacketBuilder.tcp(from: a, 1, to: b, 2, seq: 3, flags: .syn, payload: p, checksum: c) },
            { p, c in PacketBuilder.udp(from: a, 1, to: b, 2, payload: p, checksum: c) },
            { p, c in PacketBuilder.icmp(from: a, to: b, type: 8, id: 4, sequence: 5, payload: p, checksum: c) },
            { p, c in PacketBuilder.tcp(from: a6, 1, to: b6, 2, seq: 3, flags: .syn, payload: p, checksum: c) },
            { p, c in PacketBuilder.udp(from: a6, 1, to: b6, 2, payload: p, checksum: c) },
            { p, c in PacketBuilder.icmp(from: a6, to: b6, type: 128, id: 4, sequence: 5, payload: p, checksum: c) },
        ]
    }

    func testChecksumsAgreeWithPacketBuilder() {
        for (k, make) in packets().enumerated() {
            for payload in [[], [1], [1, 2, 3], Array(0..<200)] as [[UInt8]] {
                let good = make(payload, .correct)
                let bad = make(payload, .corrupt)
                good.withUnsafeBytes { XCTAssertEqual(Checksums.layer4Valid($0), true, "packet \(k)") }
                bad.withUnsafeBytes { XCTAssertEqual(Checksums.layer4Valid($0), false, "packet \(k)") }
                if good[0] >> 4 == 4 {
                    good.withUnsafeBytes { XCTAssertTrue(Checksums.ipv4HeaderValid($0)) }
                }
                var fixed = make(payload, .value(0x1234))
                fixed.withUnsafeMutableBytes { Checksums.fix($0) }
                XCTAssertEqual(fixed, good, "packet \(k) payload \(payload.count)")
            }
        }
    }

    func testNoChecksumToCheck() {
        let a = IPAddress("10.0.0.2")!, b = IPAddress("198.51.100.7")!
        PacketBuilder.udp(from: a, 1, to: b, 2, payload: [1], checksum: .zero).withUnsafeBytes {
            XCTAssertNil(Checksums.layer4Valid($0))   // IPv4 UDP without a checksum
        }
        let frags = PacketBuilder.fragment(PacketBuilder.udp(from: a, 1, to: b, 2, payload: Array(repeating: 1, count: 100)),
                                           payloadSize: 40)
        frags[0].withUnsafeBytes { XCTAssertNil(Checksums.layer4Valid($0)) }
        PacketBuilder.gre(from: a, to: b).withUnsafeBytes { XCTAssertNil(Checksums.layer4Valid($0)) }
    }
}
