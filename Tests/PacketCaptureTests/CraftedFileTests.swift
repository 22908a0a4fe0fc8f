import Foundation
import XCTest
import PacketCapture

/// Files built by hand from the pcap / pcapng specifications and link-layer header layouts;
/// tshark judges timestamps and addresses.
final class CraftedFileTests: XCTestCase {
    override func setUpWithError() throws {
        if runCommand(["which", "tshark"]).status != 0 { throw XCTSkip("tshark is not installed") }
    }

    let v4 = ipv4UDP(src: [198, 51, 100, 7], dst: [203, 0, 113, 9], payload: 10)
    let v6 = ipv6UDP(src: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [7],
                     dst: [0x20, 0x01, 0x0d, 0xb8, 0, 1] + [UInt8](repeating: 0, count: 9) + [9], payload: 6)

    /// Every link layer we decode, each frame judged by tshark (one file per link type).
    func testEveryLinkLayerAgainstTshark() throws {
        let sll: [UInt8] = [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]
        let sll2 = { (type: [UInt8]) -> [UInt8] in type + [0, 0, 0, 0, 0, 2, 0, 1, 4, 6, 2, 0, 0, 0, 0, 1, 0, 0] }
        let arp: [UInt8] = [0, 1, 8, 0, 6, 4, 0, 1] + [UInt8](repeating: 1, count: 20)
        let cases: [(LinkType, [[UInt8]])] = [
            (.ethernet, [ethernet(v4, type: 0x0800), ethernet(v6, type: 0x86dd),
                         ethernet(v4, type: 0x0800, tags: [(0x8100, 10)]),
                         ethernet(v6, type: 0x86dd, tags: [(0x88a8, 20), (0x8100, 30)]),
                         ethernet(v4, type: 0x0800, tags: [(0x88a8, 20), (0x8100, 30), (0x8100, 40)]),
                         ethernet(arp, type: 0x0806)]),
            (.linuxSLL, [sll + [0x08, 0x00] + v4, sll + [0x86, 0xdd] + v6, sll + [0x08, 0x06] + arp]),
            (.linuxSLL2, [sll2([0x08, 0x00]) + v4, sll2([0x86, 0xdd]) + v6, sll2([0x08, 0x06]) + arp]),
            (.raw, [v4, v6]),
            (.rawDLT12, [v4, v6]),
            (.rawDLT14, [v4, v6]),
            (.ipv4, [v4]),
            (.ipv6, [v6]),
            (.null, [[2, 0, 0, 0] + v4, [0, 0, 0, 2] + v4, [24, 0, 0, 0] + v6, [28, 0, 0, 0] + v6,
                     [30, 0, 0, 0] + v6, [0, 0, 0, 30] + v6]),
            (.loop, [[0, 0, 0, 2] + v4, [0, 0, 0, 24] + v6, [0, 0, 0, 28] + v6, [0, 0, 0, 30] + v6]),
        ]
        for (type, frames) in cases {
            for order in [ByteOrder.littleEndian, .bigEndian] {
                let path = temporaryPath("\(type).pcap")
                let w = try PcapWriter(path: path, linkType: type, byteOrder: order)
                for (i, f) in frames.enumerated() { try w.write(timestamp: 1_000_000_000 + Int64(i) * 1000, bytes: f) }
                try w.close()
                let judge = assertMatchesTshark(path, minimumFrames: frames.count)
                // Frames that tshark sees no address in are the ones we call "not IP".
                let ours = try ourSummaries(path)
                XCTAssertEqual(ours.notIP, judge.filter { $0.source.isEmpty }.count, "\(type)")
            }
        }
    }

    // MARK: - pcapng by hand

    struct Block {
        var bytes: [UInt8] = []
        let big: Bool
        mutating func u16(_ v: UInt16) { bytes += big ? [UInt8(v >> 8), UInt8(v & 0xff)] : [UInt8(v & 0xff), UInt8(v >> 8)] }
        mutating func u32(_ v: UInt32) {
            let le = (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) }
            bytes += big ? le.reversed() : le
        }
        mutating func u64(_ v: UInt64) {
            let le = (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) }
            bytes += big ? le.reversed() : le
        }
        mutating func raw(_ b: [UInt8]) { bytes += b + [UInt8](repeating: 0, count: (4 - b.count % 4) % 4) }
        mutating func option(_ code: UInt16, _ value: [UInt8]) { u16(code); u16(UInt16(value.count)); raw(value) }
        /// Wraps a body into `type length body length`.
        static func make(_ type: UInt32, big: Bool, _ body: (inout Block) -> Void) -> [UInt8] {
            var b = Block(big: big)
            body(&b)
            var out = Block(big: big)
            out.u32(type)
            out.u32(UInt32(b.bytes.count + 12))
            out.bytes += b.bytes
            out.u32(UInt32(b.bytes.count + 12))
            return out.bytes
        }
    }

    func sectionHeader(big: Bool) -> [UInt8] {
        Block.make(0x0a0d_0d0a, big: big) { b in
            b.u32(0x1a2b_3c4d); b.u16(1); b.u16(0); b.u64(UInt64.max)
            b.option(4, Array("hand made".utf8)); b.u32(0)
        }
    }

    func interface(_ linkType: UInt16, big: Bool, tsresol: UInt8? = nil, tsoffset: Int64? = nil) -> [UInt8] {
        Block.make(1, big: big) { b in
            b.u16(linkType); b.u16(0); b.u32(65535)
            if let tsresol { b.option(9, [tsresol]) }
            if let tsoffset {
                b.u16(14); b.u16(8); b.u64(UInt64(bitPattern: tsoffset))
            }
            b.option(0xbeef, [1, 2, 3])   // an option nobody knows
            b.u32(0)
        }
    }

    func enhanced(_ interface: UInt32, units: UInt64, _ data: [UInt8], big: Bool) -> [UInt8] {
        Block.make(6, big: big) { b in
            b.u32(interface); b.u32(UInt32(units >> 32)); b.u32(UInt32(units & 0xffff_ffff))
            b.u32(UInt32(data.count)); b.u32(UInt32(data.count + 4)); b.raw(data)
            b.option(1, Array("comment".utf8)); b.u32(0)
        }
    }

    /// Two sections of opposite byte orders; microsecond, nanosecond, 2^-20 and 10^-3
    /// resolutions; a time offset; simple, obsolete and unknown blocks.
    func testHandMadePcapngAgainstTshark() throws {
        var file: [UInt8] = []
        for big in [true, false] {
            file += sectionHeader(big: big)
            file += interface(101, big: big)                                   // 0: raw, µs
            file += interface(1, big: big, tsresol: 9)                          // 1: Ethernet, ns
            file += interface(228, big: big, tsresol: 0x80 | 20, tsoffset: 1_000_000)   // 2: 2^-20 s, +1e6 s
            file += interface(229, big: big, tsresol: 3, tsoffset: -5)          // 3: ms, -5 s
            file += Block.make(0x0000_0099, big: big) { $0.u32(12345); $0.raw([9, 9, 9]) }  // unknown block
            file += Block.make(5, big: big) { $0.u32(0); $0.u32(0); $0.u32(0); $0.u32(0) }  // interface statistics
            file += enhanced(0, units: 1_700_000_000_123_456, v4, big: big)
            file += enhanced(1, units: 1_700_000_000_987_654_321, ethernet(v6, type: 0x86dd, tags: [(0x8100, 3)]), big: big)
            file += enhanced(2, units: (1_699_000_000 << 20) | 0x8_0001, v4, big: big)
            file += enhanced(3, units: 1_700_000_000_999, v6, big: big)
            // Obsolete packet block (type 2): interface(2) drops(2) ts(8) caplen len data options.
            file += Block.make(2, big: big) { b in
                b.u16(1); b.u16(0)
                let units: UInt64 = 1_700_000_001_000_000_001
                b.u32(UInt32(units >> 32)); b.u32(UInt32(units & 0xffff_ffff))
                let f = ethernet(v4, type: 0x0800)
                b.u32(UInt32(f.count)); b.u32(UInt32(f.count)); b.raw(f)
            }
        }
        // A simple packet block needs interface 0; its captured length comes from the block.
        file += Block.make(3, big: false) { b in b.u32(UInt32(v4.count)); b.raw(v4) }
        let path = temporaryPath("hand.pcapng")
        writeFile(path, file)
        let (packets, error) = readAll(path: path)
        XCTAssertNil(error)
        XCTAssertEqual(packets.count, 11)
        XCTAssertEqual(packets.last?.timestamp, 0)
        XCTAssertEqual(packets.last?.bytes, v4)
        // tshark gives simple packet blocks no time either; compare all but that one's time.
        guard let judge = tsharkSummaries(path) else { return XCTFail("tshark failed") }
        let ours = try ourSummaries(path).summaries
        XCTAssertEqual(ours.count, judge.count)
        for (i, (o, j)) in zip(ours, judge).enumerated() {
            if i == ours.count - 1 {
                XCTAssertEqual([o.source, o.destination, "\(o.length)"], [j.source, j.destination, "\(j.length)"])
            } else {
                XCTAssertEqual(o, j, "frame \(i + 1)")
            }
        }
        // The 2^-20 interface: 1_699_000_000 s + 0x80001 / 2^20 s + 1e6 s offset.
        XCTAssertEqual(packets[2].timestamp, (1_699_000_000 + 1_000_000) * 1_000_000_000 + 500_000_953)
    }
}
