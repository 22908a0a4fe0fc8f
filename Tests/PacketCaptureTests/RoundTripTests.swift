import XCTest
import PacketCapture

/// write -> read gives back exactly what was written, in every format and byte order.
final class RoundTripTests: XCTestCase {
    let v4 = ipv4UDP(src: [10, 0, 0, 1], dst: [10, 0, 0, 2], payload: 33)
    let v6 = ipv6UDP(src: [0xfd] + [UInt8](repeating: 0, count: 14) + [1], dst: [0xfd] + [UInt8](repeating: 0, count: 14) + [2], payload: 7)

    func samplePackets(linkType: LinkType, interface: Int = 0, nanos: Bool) -> [OwnedPacket] {
        var out: [OwnedPacket] = []
        for i in 0..<50 {
            let frame = linkType == .ethernet ? ethernet(i % 2 == 0 ? v4 : v6, type: i % 2 == 0 ? 0x0800 : 0x86dd) : (i % 2 == 0 ? v4 : v6)
            let ts: Int64 = 1_700_000_000_000_000_000 + Int64(i) * 1_234_567_891 + (nanos ? Int64(i % 1000) : 0)
            // Every third packet is "snapped": original length larger than captured.
            out.append(OwnedPacket(timestamp: ts, linkType: linkType, interfaceIndex: interface,
                                   bytes: Array(frame.prefix(i % 3 == 0 ? 40 : frame.count)),
                                   originalLength: frame.count))
        }
        return out
    }

    func testPcapRoundTripAllVariants() throws {
        for precision in [TimestampPrecision.microseconds, .nanoseconds] {
            for order in [ByteOrder.littleEndian, .bigEndian] {
                let path = temporaryPath("rt.pcap")
                let packets = samplePackets(linkType: .ethernet, nanos: precision == .nanoseconds)
                    .map { p -> OwnedPacket in
                        var q = p
                        if precision == .microseconds { q.timestamp -= q.timestamp % 1000 }
                        return q
                    }
                let w = try PcapWriter(path: path, linkType: .ethernet, precision: precision, byteOrder: order)
                for p in packets { try w.write(timestamp: p.timestamp, bytes: p.bytes, originalLength: p.originalLength) }
                try w.close()
                let reader = try CaptureReader(path: path)
                XCTAssertEqual(reader.format, .pcap(precision))
                XCTAssertEqual(reader.byteOrder, order)
                XCTAssertEqual(reader.interfaces.first?.linkType, .ethernet)
                let (read, error) = readAll(path: path)
                XCTAssertNil(error)
                XCTAssertEqual(read.count, packets.count)
                var offset: UInt64 = 24
                for (a, b) in zip(read, packets) {
                    XCTAssertTrue(a.sameContent(b), "\(precision) \(order): \(a) != \(b)")
                    XCTAssertEqual(a.offset, offset)
                    offset += 16 + UInt64(b.bytes.count)
                }
            }
        }
    }

    func testPcapngRoundTripInterfacesSectionsAndByteOrders() throws {
        for order in [ByteOrder.littleEndian, .bigEndian] {
            let path = temporaryPath("rt.pcapng")
            let w = try PcapngWriter(path: path, byteOrder: order)
            let eth = try w.addInterface(linkType: .ethernet, name: "veth0")
            let raw = try w.addInterface(linkType: .raw, timestampResolution: .microseconds)
            let ms = try w.addInterface(linkType: .ipv4, timestampResolution: .decimal(exponent: 3), timestampOffset: 1_000)
            var expected: [OwnedPacket] = []
            for p in samplePackets(linkType: .ethernet, interface: eth, nanos: true) {
                try w.write(interface: eth, timestamp: p.timestamp, bytes: p.bytes, originalLength: p.originalLength)
                expected.append(p)
            }
            for var p in samplePackets(linkType: .raw, interface: raw, nanos: false) {
                p.timestamp -= p.timestamp % 1000
                try w.write(interface: raw, timestamp: p.timestamp, bytes: p.bytes, originalLength: p.originalLength)
                expected.append(p)
            }
            var p = OwnedPacket(timestamp: 1_600_000_000_123_000_000, linkType: .ipv4, interfaceIndex: ms, bytes: v4)
            try w.write(interface: ms, timestamp: p.timestamp, bytes: p.bytes)
            expected.append(p)
            // A second section, in which interface 0 is raw IPv6.
            try w.beginSection()
            let v6if = try w.addInterface(linkType: .ipv6)
            p = OwnedPacket(timestamp: 1_600_000_000_123_456_789, linkType: .ipv6, interfaceIndex: v6if, bytes: v6)
            try w.write(interface: v6if, timestamp: p.timestamp, bytes: p.bytes)
            expected.append(p)
            try w.close()

            let (read, error) = readAll(path: path)
            XCTAssertNil(error)
            XCTAssertEqual(read.count, expected.count)
            for (a, b) in zip(read, expected) { XCTAssertTrue(a.sameContent(b), "\(order): \(a) != \(b)") }
            let reader = try CaptureReader(path: path)
            XCTAssertEqual(reader.format, .pcapng)
            XCTAssertEqual(reader.byteOrder, order)
            while try reader.next() != nil {}
            XCTAssertEqual(reader.sectionCount, 2)
            XCTAssertEqual(reader.interfaces.map(\.linkType), [.ipv6])
        }
    }

    func testReadFromPipeDescriptor() throws {
        let path = temporaryPath("pipe.pcapng")
        let w = try PcapngWriter(path: path)
        let i = try w.addInterface(linkType: .raw)
        for n in 0..<2000 { try w.write(interface: i, timestamp: Int64(n) * 1000, bytes: v4) }
        try w.close()
        signal(SIGPIPE, SIG_IGN)
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let bytes = fileBytes(path)
        let writeEnd = fds[1]
        let writerThread = Thread {
            bytes.withUnsafeBytes { b in
                var done = 0
                while done < b.count {
                    let n = write(writeEnd, b.baseAddress! + done, min(1000, b.count - done))
                    if n <= 0 { break }
                    done += n
                }
            }
            close(writeEnd)
        }
        writerThread.start()
        let reader = try CaptureReader(fileDescriptor: fds[0], ownsDescriptor: true)
        var count = 0
        while let p = try reader.next() {
            XCTAssertEqual(p.timestamp, Int64(count) * 1000)
            XCTAssertEqual(Array(p.bytes), v4)
            count += 1
        }
        XCTAssertEqual(count, 2000)
    }

    /// Random sizes (0 bytes to beyond the initial 256 KiB buffer), times, interfaces and
    /// byte orders: what is written is what is read, in both formats.
    func testRandomRoundTrips() throws {
        var rng = SplitMix64(seed: 7)
        for round in 0..<6 {
            let order: ByteOrder = round % 2 == 0 ? .littleEndian : .bigEndian
            var packets: [OwnedPacket] = []
            for _ in 0..<300 {
                let big = rng.next() % 50 == 0
                let size = Int(rng.next() % (big ? 600_000 : 2000))
                let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ size) }
                let ts = Int64(rng.next() % 4_000_000_000) * 1_000_000_000 + Int64(rng.next() % 1_000_000_000)
                packets.append(OwnedPacket(timestamp: ts, linkType: .raw, interfaceIndex: Int(rng.next() % 3),
                                           bytes: bytes, originalLength: size + Int(rng.next() % 3)))
            }
            let ngPath = temporaryPath("random.pcapng"), pcapPath = temporaryPath("random.pcap")
            let ng = try PcapngWriter(path: ngPath, byteOrder: order)
            let types: [LinkType] = [.raw, .ethernet, .linuxSLL2]
            for t in types { try ng.addInterface(linkType: t) }
            let pcap = try PcapWriter(path: pcapPath, linkType: .raw, precision: .nanoseconds, byteOrder: order)
            for p in packets {
                try ng.write(interface: p.interfaceIndex, timestamp: p.timestamp, bytes: p.bytes, originalLength: p.originalLength)
                try pcap.write(timestamp: p.timestamp, bytes: p.bytes, originalLength: p.originalLength)
            }
            try ng.close()
            try pcap.close()
            let fromNg = readAll(path: ngPath), fromPcap = readAll(path: pcapPath)
            XCTAssertNil(fromNg.error)
            XCTAssertNil(fromPcap.error)
            XCTAssertEqual(fromNg.packets.count, packets.count)
            XCTAssertEqual(fromPcap.packets.count, packets.count)
            for (i, p) in packets.enumerated() {
                var expected = p
                expected.linkType = types[p.interfaceIndex]
                XCTAssertTrue(fromNg.packets[i].sameContent(expected), "pcapng round \(round) packet \(i)")
                expected.linkType = .raw
                expected.interfaceIndex = 0
                XCTAssertTrue(fromPcap.packets[i].sameContent(expected), "pcap round \(round) packet \(i)")
            }
            try? FileManager.default.removeItem(atPath: ngPath)
            try? FileManager.default.removeItem(atPath: pcapPath)
        }
    }
}
