import Conntrack
import ConntrackTestSupport
import ConntrackTool
import Foundation
import PacketBuilder
import PacketCapture
import XCTest

/// Damaged capture files through `conntrack -L --pcap FILE`.
///
/// Always enforced: no crash, exit status 1, a message on standard error, and no
/// allocation proportional to a lying length field (max RSS of a run on a file claiming a
/// 4 GiB block); and (finding H3 in RELIABILITY.md, fixed) the message is one line naming the
/// byte offset, and the flows of the packets before the damage are still listed.
final class HostileCaptureTests: XCTestCase {
    /// Six UDP packets, each its own flow (10.9.0.1:1000+i -> 10.9.0.2:53), 1 ms apart.
    static let packets: [[UInt8]] = (0..<6).map { i in
        PacketBuilder.udp(from: IPAddress(ipv4: 0x0a09_0001), 1000 + UInt16(i), to: IPAddress(ipv4: 0x0a09_0002), 53,
                          payload: [UInt8](repeating: UInt8(i), count: 12))
    }

    /// A small pcap (raw IP) and the byte offset where each record ends.
    static func smallPcap() throws -> (bytes: [UInt8], recordEnds: [Int]) {
        let path = NSTemporaryDirectory() + "harden-small-\(getpid()).pcap"
        defer { unlink(path) }
        let w = try PcapWriter(path: path, linkType: .raw, snapLength: 65535)
        for (i, p) in packets.enumerated() { try w.write(timestamp: 1_700_000_000_000_000_000 + Int64(i) * 1_000_000, bytes: p) }
        try w.close()
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        var ends: [Int] = []
        var o = 24
        for p in packets { o += 16 + p.count; ends.append(o) }
        XCTAssertEqual(o, bytes.count)
        return (bytes, ends)
    }

    static func smallPcapng() throws -> [UInt8] {
        let path = NSTemporaryDirectory() + "harden-small-\(getpid()).pcapng"
        defer { unlink(path) }
        let w = try PcapngWriter(path: path)
        try w.beginSection()
        try w.addInterface(linkType: .raw, snapLength: 65535)
        for (i, p) in packets.enumerated() {
            try w.write(interface: 0, timestamp: 1_700_000_000_000_000_000 + Int64(i) * 1_000_000, bytes: p)
        }
        try w.close()
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Runs `conntrack -L --pcap FILE` in-process on `bytes`.
    static func list(_ bytes: [UInt8]) -> (status: Int32, stdout: String, stderr: String) {
        let path = NSTemporaryDirectory() + "harden-damaged-\(getpid()).pcap"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { unlink(path) }
        var out: [UInt8] = []
        var err = ""
        let buffer = OutputBuffer(sink: { out += $0 })
        let status = runConntrackCommand(arguments: ["conntrack", "-L", "--pcap", path], stdout: buffer,
                                         stderr: { err += $0 }, environment: .system)
        buffer.flush()
        return (status, String(decoding: out, as: UTF8.self), err)
    }

    /// Checks one damaged file: exit 1, one message line naming the byte offset, and
    /// `expectedFlows` flows (those before the damage) listed.
    func checkDamaged(_ bytes: [UInt8], expectedFlows: Int?, _ what: String, file: StaticString = #filePath,
                      line: UInt = #line) {
        let r = Self.list(bytes)
        XCTAssertEqual(r.status, 1, "\(what): exit status", file: file, line: line)
        XCTAssertFalse(r.stderr.isEmpty, "\(what): no message", file: file, line: line)
        let errorLines = r.stderr.split(separator: "\n").filter { !$0.contains("flow entries have been shown") }
        let listed = r.stdout.split(separator: "\n").filter { $0.hasPrefix("udp") }.count
        XCTAssertEqual(errorLines.count, 1, "\(what): \(r.stderr)", file: file, line: line)
        XCTAssertTrue(errorLines.first?.contains("offset") ?? false, "\(what): \(r.stderr)", file: file, line: line)
        if let expectedFlows { XCTAssertEqual(listed, expectedFlows, "\(what): flows before the damage", file: file, line: line) }
    }

    func testIntactFileListsEveryFlow() throws {
        let (bytes, _) = try Self.smallPcap()
        let r = Self.list(bytes)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.split(separator: "\n").filter { $0.hasPrefix("udp") }.count, Self.packets.count)
    }

    func testTruncationAtEveryOffsetOfPcap() throws {
        let (bytes, ends) = try Self.smallPcap()
        for k in 1..<bytes.count where !ends.contains(k) && k != 24 {
            let complete = ends.filter { $0 <= k }.count
            checkDamaged(Array(bytes.prefix(k)), expectedFlows: complete, "pcap truncated at \(k)")
        }
        // Truncation exactly at a record boundary is a shorter valid file.
        for (i, e) in ends.enumerated() {
            let r = Self.list(Array(bytes.prefix(e)))
            XCTAssertEqual(r.status, 0, "cut after record \(i): \(r.stderr)")
            XCTAssertEqual(r.stdout.split(separator: "\n").filter { $0.hasPrefix("udp") }.count, i + 1)
        }
    }

    func testTruncationAtEveryOffsetOfPcapng() throws {
        let bytes = try Self.smallPcapng()
        for k in 1..<bytes.count {
            // Block boundaries are valid shorter files; everything else must fail cleanly,
            // with the byte offset in its message.
            let r = Self.list(Array(bytes.prefix(k)))
            XCTAssertLessThanOrEqual(r.status, 1, "pcapng truncated at \(k): \(r.stderr)")
            if r.status == 1 { XCTAssertTrue(r.stderr.contains("offset"), "pcapng truncated at \(k): \(r.stderr)") }
        }
    }

    func testBadMagicZeroAndHugeLengths() throws {
        let (pcap, _) = try Self.smallPcap()
        let ng = try Self.smallPcapng()
        func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        var cases: [(String, [UInt8], Int?)] = []
        cases.append(("bad magic", Array("GIF89a not a capture file".utf8), 0))
        var snap = pcap; snap.replaceSubrange(16..<20, with: le32(0xffff_ffff))
        cases.append(("absurd snaplen", snap, nil))
        var huge = pcap; huge.replaceSubrange(24 + 8..<24 + 12, with: le32(0xffff_fff0))
        cases.append(("pcap record claiming 4 GiB", huge, 0))
        var second = pcap; let r2 = 24 + 16 + Self.packets[0].count
        second.replaceSubrange(r2 + 8..<r2 + 12, with: le32(0x7fff_ffff))
        cases.append(("second pcap record claiming 2 GiB", second, 1))
        var zero = ng; zero.replaceSubrange(4..<8, with: le32(0))
        cases.append(("pcapng section header length 0", zero, 0))
        var big = ng; big.replaceSubrange(4..<8, with: le32(0xffff_fff0))
        cases.append(("pcapng section header claiming 4 GiB", big, 0))
        for (what, bytes, flows) in cases {
            if what == "absurd snaplen" {
                // Either read normally or refused with a clear message; never a crash.
                let r = Self.list(bytes)
                XCTAssertLessThanOrEqual(r.status, 1, "\(what): \(r.stderr)")
                continue
            }
            checkDamaged(bytes, expectedFlows: flows, what)
        }
    }

    /// A pcapng whose first packet block claims 4 GiB: the process must stay small (max RSS
    /// under 64 MiB: nothing is allocated from the lying length).
    func testLyingBlockLengthDoesNotAllocate() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else { throw XCTSkip("no /usr/bin/time") }
        guard FileManager.default.isExecutableFile(atPath: Paths.ourConntrack) else { throw XCTSkip("conntrack not built") }
        var ng = try Self.smallPcapng()
        // Find the first enhanced packet block (type 6) and make it claim 0xfffffffc bytes.
        var o = 0
        while o + 8 <= ng.count {
            let type = ng[o..<o + 4].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            let len = Int(ng[o + 4..<o + 8].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) })
            if type == 6 { break }
            o += len
        }
        ng.replaceSubrange(o + 4..<o + 8, with: withUnsafeBytes(of: UInt32(0xffff_fffc).littleEndian, Array.init))
        let path = NSTemporaryDirectory() + "harden-lying-\(getpid()).pcapng"
        _ = FileManager.default.createFile(atPath: path, contents: Data(ng))
        defer { unlink(path) }
        let r = try ConntrackTestSupport.run(["/usr/bin/time", "-f", "maxrss_kb=%M", Paths.ourConntrack, "-L", "--pcap", path])
        let kb = r.stderr.split(separator: "\n").compactMap { $0.hasPrefix("maxrss_kb=") ? Int($0.dropFirst(10)) : nil }.last
        XCTAssertNotNil(kb, r.stderr)
        XCTAssertLessThan(kb ?? .max, 64 * 1024, "max RSS for a file claiming a 4 GiB block")
        XCTAssertEqual(r.status, 1, r.stderr)
        print("lying 4 GiB block: max RSS \(kb ?? -1) KiB, stderr: \(r.stderr)")
    }
}
