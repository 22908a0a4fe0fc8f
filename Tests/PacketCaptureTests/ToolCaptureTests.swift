import Foundation
import XCTest
import PacketCapture

/// Files written by the real tools (tcpdump, tshark, dumpcap) from traffic made in a pair of
/// namespaces this class creates and deletes; tshark is the judge of what each frame holds.
final class ToolCaptureTests: XCTestCase {
    nonisolated(unsafe) static var files: [String: String] = [:]
    nonisolated(unsafe) static var skipReason: String?

    /// Frames injected raw on veth0 (VLAN stacks the kernel here cannot build itself).
    static func injectedFrames() -> [[UInt8]] {
        let v4 = ipv4UDP(src: [10, 77, 2, 1], dst: [10, 77, 2, 2], payload: 30, id: 7)
        let v6 = ipv6UDP(src: [0xfd, 0x77, 0, 2] + [UInt8](repeating: 0, count: 11) + [1],
                         dst: [0xfd, 0x77, 0, 2] + [UInt8](repeating: 0, count: 11) + [2], payload: 12)
        let arp: [UInt8] = [0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 77, 2, 1, 0, 0, 0, 0, 0, 0, 10, 77, 2, 2]
        return [
            ethernet(v4, type: 0x0800, tags: [(0x8100, 100)]),
            ethernet(v6, type: 0x86dd, tags: [(0x8100, 100)]),
            ethernet(v4, type: 0x0800, tags: [(0x88a8, 200), (0x8100, 5)]),
            ethernet(v6, type: 0x86dd, tags: [(0x88a8, 200), (0x8100, 5)]),
            ethernet(v4, type: 0x0800, tags: [(0x9100, 300), (0x8100, 6)]),
            ethernet(arp, type: 0x0806, tags: [(0x8100, 100)]),
        ]
    }

    override class func setUp() {
        super.setUp()
        if let reason = NetworkLab.unavailableReason() { skipReason = reason; return }
        do {
            let lab = try NetworkLab()
            defer { lab.tearDown() }
            let specs: [(String, String, [String])] = [
                ("tcpdump-micro", lab.a, ["tcpdump", "-i", "veth0", "--immediate-mode", "-U", "-w"]),
                ("tcpdump-nano", lab.b, ["tcpdump", "-i", "veth1", "--immediate-mode", "--time-stamp-precision=nano", "-U", "-w"]),
                ("tcpdump-any-sll2", lab.a, ["tcpdump", "-i", "any", "--immediate-mode", "-U", "-w"]),
                ("tcpdump-any-sll", lab.b, ["tcpdump", "-i", "any", "--immediate-mode", "-y", "LINUX_SLL", "-U", "-w"]),
                ("tshark-pcap", lab.a, ["tshark", "-i", "veth0", "-F", "pcap", "-w"]),
                ("tshark-pcapng", lab.b, ["tshark", "-i", "veth1", "-F", "pcapng", "-w"]),
                ("dumpcap-two", lab.a, ["dumpcap", "-i", "veth0", "-i", "any", "-w"]),
            ]
            var captures: [(String, NetworkLab.Capture)] = []
            for (name, ns, args) in specs {
                let file = temporaryPath(name + (args.contains("pcap") || name.hasPrefix("tcpdump") ? ".pcap" : ".pcapng"))
                captures.append((name, try lab.startCapture(ns, args + [file], file: file)))
            }
            usleep(300_000)
            lab.shell(lab.a, """
                ping -c 3 -i 0.05 10.77.1.2; ping -6 -c 3 -i 0.05 fd77:1::2
                echo hello > /dev/udp/10.77.1.2/5000; echo hello6 > /dev/udp/fd77:1::2/5000
                head -c 3000 /dev/zero > /dev/udp/10.77.1.2/5001
                """)
            let fd = try lab.packetSocket(lab.a, interface: "veth0")
            for frame in injectedFrames() {
                var f = [UInt8](repeating: 0xff, count: 6) + frame.dropFirst(6)
                _ = f.withUnsafeMutableBytes { send(fd, $0.baseAddress, $0.count, 0) }
            }
            close(fd)
            usleep(1_200_000)   // longer than libpcap's TPACKET_V3 block timeout
            for (name, c) in captures {
                lab.stop(c)
                files[name] = c.file
            }
        } catch {
            skipReason = "network lab failed: \(error)"
        }
    }

    func file(_ name: String) throws -> String {
        if let r = Self.skipReason { throw XCTSkip(r) }
        return try XCTUnwrap(Self.files[name])
    }

    /// Frames whose IP header sits behind one or two VLAN tags.
    func taggedFrames(_ path: String) throws -> (single: Int, double: Int) {
        let reader = try CaptureReader(path: path)
        var single = 0, double = 0
        while let p = try reader.next() {
            guard p.linkType == .ethernet else { continue }
            switch LinkLayer.networkLayer(linkType: p.linkType, frame: p.bytes).offset {
            case 18: single += 1
            case 22: double += 1
            default: break
            }
        }
        return (single, double)
    }

    func testTcpdumpMicrosecondPcap() throws {
        let path = try file("tcpdump-micro")
        let reader = try CaptureReader(path: path)
        XCTAssertEqual(reader.format, .pcap(.microseconds))
        XCTAssertEqual(reader.interfaces.map(\.linkType), [.ethernet])
        assertMatchesTshark(path, minimumFrames: 20)
        let tags = try taggedFrames(path)
        XCTAssertEqual(tags.single, 2)
        XCTAssertEqual(tags.double, 3)
    }

    func testTcpdumpNanosecondPcapWithReinsertedTags() throws {
        let path = try file("tcpdump-nano")
        XCTAssertEqual(try CaptureReader(path: path).format, .pcap(.nanoseconds))
        assertMatchesTshark(path, minimumFrames: 20)
        let tags = try taggedFrames(path)
        XCTAssertEqual(tags.single + tags.double, 5)
    }

    func testTcpdumpAnyIsLinuxSLL2() throws {
        let path = try file("tcpdump-any-sll2")
        XCTAssertEqual(try CaptureReader(path: path).interfaces.first?.linkType, .linuxSLL2)
        assertMatchesTshark(path, minimumFrames: 20)
    }

    func testTcpdumpAnyWithLinuxSLL() throws {
        let path = try file("tcpdump-any-sll")
        XCTAssertEqual(try CaptureReader(path: path).interfaces.first?.linkType, .linuxSLL)
        assertMatchesTshark(path, minimumFrames: 20)
    }

    func testTsharkPcap() throws {
        let path = try file("tshark-pcap")
        XCTAssertEqual(try CaptureReader(path: path).format, .pcap(.microseconds))
        assertMatchesTshark(path, minimumFrames: 20)
    }

    func testTsharkPcapng() throws {
        let path = try file("tshark-pcapng")
        XCTAssertEqual(try CaptureReader(path: path).format, .pcapng)
        assertMatchesTshark(path, minimumFrames: 20)
    }

    func testDumpcapTwoInterfacesTwoLinkTypes() throws {
        let path = try file("dumpcap-two")
        let reader = try CaptureReader(path: path)
        XCTAssertEqual(reader.format, .pcapng)
        var seen: Set<Int> = []
        while let p = try reader.next() { seen.insert(p.interfaceIndex) }
        XCTAssertEqual(seen, [0, 1])
        // dumpcap 4.0 opens "any" as Linux SLL; later versions may pick SLL2.
        XCTAssertEqual(reader.interfaces.first?.linkType, .ethernet)
        XCTAssertTrue([LinkType.linuxSLL, .linuxSLL2].contains(reader.interfaces.last?.linkType ?? .null))
        XCTAssertEqual(reader.interfaces.count, 2)
        XCTAssertEqual(reader.interfaces.map(\.name), ["veth0", "any"])
        assertMatchesTshark(path, minimumFrames: 40)
    }

    /// Two real pcapng files (and our big-endian copy of one) concatenated: several
    /// sections of different byte orders in one stream, as `cat a.pcapng b.pcapng` makes.
    func testConcatenatedSectionsOfMixedByteOrder() throws {
        let first = try file("dumpcap-two"), second = try file("tshark-pcapng")
        let swappedCopy = temporaryPath("swapped.pcapng")
        let reader = try CaptureReader(path: first)
        let ng = try PcapngWriter(path: swappedCopy, byteOrder: .bigEndian)
        while let p = try reader.next() {
            while ng.interfaces.count <= p.interfaceIndex {
                let i = reader.interfaces[ng.interfaces.count]
                try ng.addInterface(linkType: i.linkType, snapLength: i.snapLength, name: i.name)
            }
            try ng.write(p, interface: p.interfaceIndex)
        }
        try ng.close()
        let joined = temporaryPath("joined.pcapng")
        writeFile(joined, fileBytes(first) + fileBytes(swappedCopy) + fileBytes(second))
        let all = try CaptureReader(path: joined)
        var count = 0
        while try all.next() != nil { count += 1 }
        XCTAssertEqual(all.sectionCount, 3)
        XCTAssertEqual(all.byteOrder, .littleEndian)
        // tshark numbers interfaces across the whole file; we number them per section.
        let judge = try XCTUnwrap(tsharkSummaries(joined)).map { s -> FrameSummary in var t = s; t.interface = 0; return t }
        let ours = try ourSummaries(joined).summaries.map { s -> FrameSummary in var t = s; t.interface = 0; return t }
        XCTAssertEqual(count, judge.count)
        XCTAssertEqual(ours.count, judge.count)
        XCTAssertTrue(ours == judge, "concatenated sections read differently from tshark")
    }

    /// A pcap streamed through a pipe by `tcpdump -r FILE -w -` reads like the file itself.
    func testStreamFromTcpdumpPipe() throws {
        let path = try file("tcpdump-nano")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["tcpdump", "--time-stamp-precision=nano", "-r", path, "-w", "-"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let reader = try CaptureReader(fileDescriptor: pipe.fileHandleForReading.fileDescriptor)
        var streamed: [OwnedPacket] = []
        while let packet = try reader.next() { streamed.append(OwnedPacket(packet)) }
        p.waitUntilExit()
        XCTAssertEqual(reader.format, .pcap(.nanoseconds))
        let direct = readAll(path: path)
        XCTAssertNil(direct.error)
        XCTAssertGreaterThan(streamed.count, 20)
        XCTAssertEqual(streamed.count, direct.packets.count)
        XCTAssertTrue(streamed == direct.packets, "streamed packets differ from the file's")
    }

    /// Our writer in the other byte order: tshark must see exactly what it saw in the original.
    func testRewrittenBigEndianFilesReadIdenticallyByTshark() throws {
        for name in ["tcpdump-nano", "tcpdump-micro", "dumpcap-two"] {
            let original = try file(name)
            let reader = try CaptureReader(path: original)
            let pcapPath = temporaryPath(name + "-be.pcap"), ngPath = temporaryPath(name + "-be.pcapng")
            let ng = try PcapngWriter(path: ngPath, byteOrder: .bigEndian)
            let pcap = reader.interfaces.count == 1
                ? try PcapWriter(path: pcapPath, linkType: reader.interfaces[0].linkType, precision: .nanoseconds, byteOrder: .bigEndian)
                : nil
            while let p = try reader.next() {
                // Interfaces become known as their description blocks are read.
                while ng.interfaces.count <= p.interfaceIndex {
                    let i = reader.interfaces[ng.interfaces.count]
                    try ng.addInterface(linkType: i.linkType, snapLength: i.snapLength, name: i.name)
                }
                try ng.write(p, interface: p.interfaceIndex)
                try pcap?.write(p)
            }
            try ng.close()
            try pcap?.close()
            let judgeOriginal = try XCTUnwrap(tsharkSummaries(original))
            XCTAssertEqual(try CaptureReader(path: ngPath).byteOrder, .bigEndian)
            XCTAssertEqual(tsharkSummaries(ngPath), judgeOriginal, name)
            assertMatchesTshark(ngPath)
            if pcap != nil {
                XCTAssertEqual(try CaptureReader(path: pcapPath).byteOrder, .bigEndian)
                XCTAssertEqual(tsharkSummaries(pcapPath), judgeOriginal, name)
                assertMatchesTshark(pcapPath)
            }
        }
    }
}
