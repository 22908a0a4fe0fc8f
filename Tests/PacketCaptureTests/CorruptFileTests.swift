import XCTest
import PacketCapture

/// Damaged files: every packet before the damage is delivered, then one error names the offset.
final class CorruptFileTests: XCTestCase {
    let v4 = ipv4UDP(src: [192, 0, 2, 1], dst: [192, 0, 2, 2], payload: 21)

    func smallPcap(order: ByteOrder = .host) throws -> [UInt8] {
        let path = temporaryPath("small.pcap")
        let w = try PcapWriter(path: path, linkType: .raw, precision: .nanoseconds, byteOrder: order)
        for i in 0..<4 { try w.write(timestamp: Int64(i) * 1_000_000_007, bytes: Array(v4.prefix(20 + i * 3))) }
        try w.close()
        return fileBytes(path)
    }

    func smallPcapng(order: ByteOrder = .host) throws -> [UInt8] {
        let path = temporaryPath("small.pcapng")
        let w = try PcapngWriter(path: path, byteOrder: order)
        try w.addInterface(linkType: .raw, name: "tun0")
        for i in 0..<3 { try w.write(interface: 0, timestamp: Int64(i) * 1_000_000_007, bytes: Array(v4.prefix(21 + i))) }
        try w.beginSection(application: nil)
        try w.addInterface(linkType: .ipv4, timestampResolution: .microseconds)
        try w.write(interface: 0, timestamp: 5_000_000_000, bytes: v4)
        try w.close()
        return fileBytes(path)
    }

    /// Record boundaries from the pcap layout: 24-byte header, then 16 + incl_len each.
    func pcapBoundaries(_ b: [UInt8], swapped: Bool) -> [Int] {
        var out = [24], at = 24
        while at < b.count {
            let raw = UInt32(b[at + 8]) | UInt32(b[at + 9]) << 8 | UInt32(b[at + 10]) << 16 | UInt32(b[at + 11]) << 24
            at += 16 + Int(swapped ? raw.byteSwapped : raw)
            out.append(at)
        }
        return out
    }

    func testTruncatedPcapAtEveryOffset() throws {
        for order in [ByteOrder.littleEndian, .bigEndian] {
            let full = try smallPcap(order: order)
            let all = readAll(bytes: full)
            XCTAssertNil(all.error)
            XCTAssertEqual(all.packets.count, 4)
            let boundaries = pcapBoundaries(full, swapped: order == .bigEndian)
            XCTAssertEqual(boundaries.last, full.count)
            for cut in 0..<full.count {
                let (packets, error) = readAll(bytes: Array(full.prefix(cut)))
                let complete = boundaries.dropFirst().filter { $0 <= cut }.count
                XCTAssertEqual(packets, Array(all.packets.prefix(complete)), "cut at \(cut)")
                if cut == 0 {
                    XCTAssertEqual(error, .empty)
                } else if boundaries.contains(cut) {
                    XCTAssertNil(error, "cut at \(cut)")
                } else {
                    let expectedOffset = cut < 24 ? 0 : boundaries.last(where: { $0 <= cut })!
                    XCTAssertEqual(error?.offset, UInt64(expectedOffset), "cut at \(cut): \(String(describing: error))")
                    XCTAssertNotNil(error?.description.firstIndex(of: "\n") == nil ? error : nil)
                }
            }
        }
    }

    func testTruncatedPcapngAtEveryOffset() throws {
        for order in [ByteOrder.littleEndian, .bigEndian] {
            let full = try smallPcapng(order: order)
            let all = readAll(bytes: full)
            XCTAssertNil(all.error)
            XCTAssertEqual(all.packets.count, 4)
            // Block boundaries from each block's total length (spec: bytes 4..<8 of every block).
            var starts: [Int] = [], packetEnds: [Int] = [], at = 0
            while at < full.count {
                starts.append(at)
                let slice = Array(full[at + 4 ..< at + 8])
                let len = order == .bigEndian
                    ? slice.reduce(0) { $0 << 8 | Int($1) }
                    : slice.reversed().reduce(0) { $0 << 8 | Int($1) }
                let type = full[order == .bigEndian ? at + 3 : at]
                at += len
                if type == 6 { packetEnds.append(at) }
            }
            XCTAssertEqual(at, full.count)
            XCTAssertEqual(packetEnds.count, 4)
            for cut in 0..<full.count {
                let (packets, error) = readAll(bytes: Array(full.prefix(cut)))
                let complete = packetEnds.filter { $0 <= cut }.count
                XCTAssertEqual(packets, Array(all.packets.prefix(complete)), "cut at \(cut)")
                if cut == 0 {
                    XCTAssertEqual(error, .empty)
                } else if starts.contains(cut) {
                    XCTAssertNil(error, "cut at \(cut)")
                } else {
                    XCTAssertEqual(error?.offset, UInt64(starts.last(where: { $0 <= cut })!), "cut at \(cut): \(String(describing: error))")
                }
            }
        }
    }

    func testErrorDescriptionNamesOffsetAndLengths() throws {
        var b = try smallPcap(order: .littleEndian)
        let cut = 24 + 16 + 20 + 16 + 10   // inside the second record's data (23 bytes)
        b = Array(b.prefix(cut))
        let (packets, error) = readAll(bytes: b)
        XCTAssertEqual(packets.count, 1)
        XCTAssertEqual(error?.description, "truncated packet record at offset 60: header says 23 bytes, 10 left")
    }

    func testBadMagicAndEmpty() {
        XCTAssertEqual(readAll(bytes: [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).error, .badMagic(0x7f45_4c46))
        XCTAssertEqual(readAll(bytes: [0x7f, 0x45, 0x4c, 0x46]).error?.description,
                       "not a pcap or pcapng file: magic 0x7f454c46 at offset 0")
        XCTAssertEqual(readAll(bytes: []).error, .empty)
        XCTAssertEqual(readAll(bytes: [0xd4, 0xc3]).error, .truncated(what: "magic number", offset: 0, needed: 4, available: 2))
    }

    func testAbsurdSnapLengthVersionAndHugeRecord() throws {
        var b = try smallPcap(order: .littleEndian)
        var bad = b
        bad[16...19] = [0xff, 0xff, 0xff, 0x7f]
        XCTAssertEqual(readAll(bytes: bad).error, .absurdSnapLength(0x7fff_ffff, offset: 16))
        bad = b
        bad[4] = 3
        XCTAssertEqual(readAll(bytes: bad).error, .unsupportedVersion(major: 3, minor: 4, offset: 4))
        // A record that claims 4 GiB - 1 bytes: an error, no 4 GiB buffer.
        b[24 + 8 ..< 24 + 12] = [0xff, 0xff, 0xff, 0xff]
        let r = readAll(bytes: b)
        XCTAssertEqual(r.packets.count, 0)
        XCTAssertEqual(r.error, .tooLarge(what: "packet record", offset: 24, length: 0xffff_ffff, limit: CaptureReader.defaultMaximumLength))
        // Just under the limit, in a tiny file: a truncation error.
        b[24 + 8 ..< 24 + 12] = [0xff, 0xff, 0xff, 0x00]
        XCTAssertEqual(readAll(bytes: b).error, .truncated(what: "packet record", offset: 24, needed: 0xff_ffff, available: b.count - 40))
    }

    /// Lying length fields never make the reader allocate what the file does not have.
    func testLyingLengthsDoNotGrowTheBuffer() throws {
        var pcap = try smallPcap(order: .littleEndian)
        pcap[24 + 8 ..< 24 + 12] = [0xf0, 0xff, 0xff, 0x00]   // 16 MiB - 16 claimed, ~100 bytes present
        let path = temporaryPath("lying.pcap")
        writeFile(path, pcap)
        var reader = try CaptureReader(path: path)
        let initial = reader.bufferCapacity
        XCTAssertThrowsError(try reader.next())
        XCTAssertEqual(reader.bufferCapacity, initial)

        var ng = try smallPcapng(order: .littleEndian)
        let epb = (Int(ng[4]) | Int(ng[5]) << 8) + (Int(ng[Int(ng[4]) + 4]) | Int(ng[Int(ng[4]) + 5]) << 8)
        put32(&ng, epb + 4, 0x00ff_fff0)
        writeFile(path, ng)
        reader = try CaptureReader(path: path)
        XCTAssertThrowsError(try reader.next())
        XCTAssertEqual(reader.bufferCapacity, initial)

        // A true 3 MB packet grows the buffer once, to about its size.
        let big = [UInt8](repeating: 0x45, count: 3_000_000)
        let w = try PcapWriter(path: path, linkType: .raw)
        try w.write(timestamp: 0, bytes: big)
        try w.write(timestamp: 1, bytes: big)
        try w.close()
        reader = try CaptureReader(path: path)
        XCTAssertEqual(try reader.next()?.bytes.count, big.count)
        XCTAssertEqual(try reader.next().map { Array($0.bytes) }, big)
        XCTAssertNil(try reader.next())
        XCTAssertLessThanOrEqual(reader.bufferCapacity, 2 * (big.count + 16))
    }

    /// Little-endian helpers to patch a pcapng file written in little-endian order.
    func put32(_ b: inout [UInt8], _ at: Int, _ v: UInt32) {
        for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
    }

    func testBadBlockLengths() throws {
        let good = try smallPcapng(order: .littleEndian)
        let shbLength = Int(good[4]) | Int(good[5]) << 8
        let idb = shbLength
        let idbLength = Int(good[idb + 4]) | Int(good[idb + 5]) << 8
        let epb = idb + idbLength
        for (length, expected) in [
            (UInt32(0), CaptureError.badBlockLength(blockType: 6, offset: UInt64(epb), length: 0)),
            (8, .badBlockLength(blockType: 6, offset: UInt64(epb), length: 8)),
            (28, .badBlockLength(blockType: 6, offset: UInt64(epb), length: 28)),   // below the EPB minimum
            (54, .badBlockLength(blockType: 6, offset: UInt64(epb), length: 54)),   // not a multiple of 4
            (0xffff_fff0, .tooLarge(what: "block of type 0x6", offset: UInt64(epb), length: 0xffff_fff0,
                                    limit: CaptureReader.defaultMaximumLength)),
            (0x00ff_fff0, .truncated(what: "enhanced packet block", offset: UInt64(epb), needed: 0x00ff_fff0,
                                     available: good.count - epb)),
        ] {
            var b = good
            put32(&b, epb + 4, length)
            let r = readAll(bytes: b)
            XCTAssertEqual(r.packets.count, 0)
            XCTAssertEqual(r.error, expected)
        }
        // Trailing length disagrees.
        var b = good
        let epbLength = Int(good[epb + 4]) | Int(good[epb + 5]) << 8
        put32(&b, epb + epbLength - 4, 1000)
        XCTAssertEqual(readAll(bytes: b).error, .mismatchedBlockLength(offset: UInt64(epb), leading: UInt32(epbLength), trailing: 1000))
        // A zero-length block after the first packet: that packet is still delivered.
        b = good
        put32(&b, epb + epbLength + 4, 0)
        let r = readAll(bytes: b)
        XCTAssertEqual(r.packets.count, 1)
        XCTAssertEqual(r.error?.offset, UInt64(epb + epbLength))
        // Captured length larger than the block body.
        b = good
        put32(&b, epb + 20, 200)
        XCTAssertEqual(readAll(bytes: b).error?.offset, UInt64(epb))
        // Packet on an interface that was never described.
        b = good
        put32(&b, epb + 8, 3)
        XCTAssertEqual(readAll(bytes: b).error, .unknownInterface(id: 3, offset: UInt64(epb), known: 1))
        // Bad byte-order magic; section version 2.
        b = good
        put32(&b, 8, 0x1122_3344)
        XCTAssertEqual(readAll(bytes: b).error?.offset, 8)
        b = good
        b[12] = 2
        XCTAssertEqual(readAll(bytes: b).error, .unsupportedVersion(major: 2, minor: 0, offset: 12))
        // A packet block before any section header.
        b = Array(good[idb...])
        XCTAssertEqual(readAll(bytes: b).error, .badMagic(0x0100_0000))
    }

    func testRandomDamageNeverCrashes() throws {
        var rng = SplitMix64(seed: 42)
        for base in [try smallPcap(), try smallPcapng(), try smallPcapng(order: .bigEndian)] {
            for _ in 0..<800 {
                var b = base
                for _ in 0..<Int(rng.next() % 4 + 1) {
                    b[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
                if rng.next() % 4 == 0 { b.removeLast(Int(rng.next() % UInt64(b.count))) }
                let r = readAll(bytes: b)
                if let e = r.error {
                    XCTAssertFalse(e.description.contains("\n"))
                    XCTAssertLessThanOrEqual(e.offset ?? 0, UInt64(b.count))
                }
                // Packets come in file order and lie inside the file.
                var last: UInt64? = nil
                for p in r.packets {
                    XCTAssertLessThan(p.offset, UInt64(b.count))
                    XCTAssertLessThanOrEqual(UInt64(p.bytes.count), UInt64(b.count) - p.offset)
                    if let last { XCTAssertGreaterThan(p.offset, last) }
                    last = p.offset
                }
            }
        }
    }
}

struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
