import Foundation
import XCTest
import ConntrackTestSupport
@testable import PacketBuilder

/// The judge for checksums is tshark, which validates IPv4, TCP, UDP, ICMP, ICMPv6 and
/// SCTP (CRC32c) checksums when asked to.
final class PacketBuilderTests: XCTestCase {
    let a4 = IPAddress("10.77.1.2")!, b4 = IPAddress("10.77.2.2")!
    let a6 = IPAddress("fd77:1::2")!, b6 = IPAddress("fd77:2::2")!

    /// Writes packets as a raw-IP (LINKTYPE_RAW 101) pcap file.
    func writeRawPcap(_ packets: [[UInt8]]) throws -> String {
        var d = Data()
        func le32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func le16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        le32(0xa1b2c3d4); le16(2); le16(4); le32(0); le32(0); le32(65535); le32(101)
        for (i, p) in packets.enumerated() {
            le32(1_700_000_000 + UInt32(i)); le32(0); le32(UInt32(p.count)); le32(UInt32(p.count))
            d.append(contentsOf: p)
        }
        let path = NSTemporaryDirectory() + "pb-\(getpid())-\(UUID().uuidString).pcap"
        try d.write(to: URL(fileURLWithPath: path))
        return path
    }

    func tsharkFields(_ path: String, _ fields: [String], prefs: [String] = []) throws -> [String] {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark") else {
            throw XCTSkip("tshark is not installed (Scripts/test.sh installs it)")
        }
        var argv = ["tshark", "-r", path, "-T", "fields", "-E", "separator=|"]
        for p in prefs { argv += ["-o", p] }
        for f in fields { argv += ["-e", f] }
        let r = try runChecked(argv)
        return r.stdout.split(separator: "\n").map(String.init)
    }

    func testChecksumsAreValidForTshark() throws {
        let packets: [[UInt8]] = [
            PacketBuilder.tcp(from: a4, 40000, to: b4, 80, seq: 1000, flags: .syn, options: [.mss(1460), .sackPermitted, .windowScale(7)]),
            PacketBuilder.udp(from: a4, 5000, to: b4, 53, payload: Array("hello".utf8)),
            PacketBuilder.icmp(from: a4, to: b4, type: 8, id: 77, sequence: 1, payload: [1, 2, 3]),
            PacketBuilder.tcp(from: a6, 40000, to: b6, 80, seq: 1, ack: 2, flags: .pshAck, payload: Array("GET /".utf8)),
            PacketBuilder.udp(from: a6, 5000, to: b6, 53, payload: [9, 9, 9]),
            PacketBuilder.icmp(from: a6, to: b6, type: 128, id: 5, sequence: 2),
        ]
        let path = try writeRawPcap(packets)
        defer { unlink(path) }
        let rows = try tsharkFields(path, ["ip.checksum.status", "tcp.checksum.status", "udp.checksum.status", "icmp.checksum.status", "icmpv6.checksum.status"],
                                    prefs: ["ip.check_checksum:TRUE", "tcp.check_checksum:TRUE", "udp.check_checksum:TRUE"])
        XCTAssertEqual(rows.count, packets.count)
        // checksum.status: 1 = good, 0 = bad, 2 = unverified, empty = field absent
        XCTAssertEqual(rows[0], "1|1|||")
        XCTAssertEqual(rows[1], "1||1||")
        XCTAssertEqual(rows[2], "1|||1|")
        XCTAssertEqual(rows[3], "|1|||")
        XCTAssertEqual(rows[4], "||1||")
        XCTAssertEqual(rows[5], "||||1")
    }

    func testCorruptChecksumIsBadForTshark() throws {
        let path = try writeRawPcap([PacketBuilder.tcp(from: a4, 1, to: b4, 2, seq: 1, flags: .syn, checksum: .corrupt)])
        defer { unlink(path) }
        let rows = try tsharkFields(path, ["tcp.checksum.status"], prefs: ["tcp.check_checksum:TRUE"])
        XCTAssertEqual(rows, ["0"])
    }

    func testSCTPCRC32cIsValidForTshark() throws {
        let p = PacketBuilder.sctp(from: a4, 5000, to: b4, 6000, vtag: 0, chunks: [.initChunk(initiateTag: 0x1234)])
        let bad = PacketBuilder.sctp(from: a4, 5000, to: b4, 6000, vtag: 0, chunks: [.initChunk(initiateTag: 0x1234)], checksum: .corrupt)
        let path = try writeRawPcap([p, bad])
        defer { unlink(path) }
        let rows = try tsharkFields(path, ["sctp.checksum.status", "sctp.verification_tag", "sctp.init_initiate_tag"],
                                    prefs: ["sctp.checksum:CRC-32C"])
        XCTAssertEqual(rows, ["1|0x00000000|0x00001234", "0|0x00000000|0x00001234"])
    }

    func testFragmentsReassembleInTshark() throws {
        let whole = PacketBuilder.udp(from: a4, 5000, to: b4, 6000, payload: Array(repeating: 0x41, count: 3000))
        let frags = PacketBuilder.fragment(whole, payloadSize: 1480)
        XCTAssertEqual(frags.count, 3)
        let whole6 = PacketBuilder.udp(from: a6, 5000, to: b6, 6000, payload: Array(repeating: 0x42, count: 3000))
        let frags6 = PacketBuilder.fragment(whole6, payloadSize: 1448)
        XCTAssertEqual(frags6.count, 3)
        let path = try writeRawPcap(frags + frags6)
        defer { unlink(path) }
        let rows = try tsharkFields(path, ["udp.length", "udp.checksum.status"], prefs: ["udp.check_checksum:TRUE"])
        // tshark shows the UDP header on the reassembled (last) fragment only.
        XCTAssertEqual(rows, ["|", "|", "3008|1", "|", "|", "3008|1"])
    }

    func testIPv6FragmentIdentificationIsTheOneAskedFor() throws {
        let whole6 = PacketBuilder.udp(from: a6, 5000, to: b6, 6000, payload: Array(repeating: 0x42, count: 3000))
        let frags = PacketBuilder.fragment(whole6, payloadSize: 1448, ipv6Identification: 0xabcd_ef01)
        let path = try writeRawPcap(frags)
        defer { unlink(path) }
        let rows = try tsharkFields(path, ["ipv6.fraghdr.ident"])
        XCTAssertEqual(rows, ["0xabcdef01", "0xabcdef01", "0xabcdef01"])
    }

    func testGREHeaders() throws {
        let v0 = PacketBuilder.gre(from: a4, to: b4, version: 0, key: 42, payload: [0x45, 0, 0, 20])
        let v1 = PacketBuilder.gre(from: a4, to: b4, version: 1, callID: 0x1234, payload: [0xff, 0x03])
        let path = try writeRawPcap([v0, v1])
        defer { unlink(path) }
        let rows = try tsharkFields(path, ["gre.flags_and_version", "gre.proto", "gre.key", "gre.key.call_id"])
        XCTAssertEqual(rows[0].split(separator: "|", omittingEmptySubsequences: false).prefix(3).joined(separator: "|"), "0x2000|0x0800|0x0000002a")
        XCTAssertTrue(rows[1].hasPrefix("0x2001|0x880b|"), rows[1])
        XCTAssertTrue(rows[1].hasSuffix("|0x1234") || rows[1].hasSuffix("|4660"), rows[1])
    }
}

/// The namespace helper itself: created, usable, removed.
final class NetworkNamespaceTests: XCTestCase {
    func testCreateRunAndRemove() throws {
        if let reason = kernelTestSkipReason() { throw XCTSkip(reason) }
        let ns = try NetworkNamespace(prefix: "tsns")
        let links = try ns.runChecked(["ip", "-o", "link", "show"])
        XCTAssertTrue(links.stdout.contains("lo:"), links.stdout)
        XCTAssertFalse(links.stdout.contains("eth0"), "should be a fresh namespace: \(links.stdout)")
        XCTAssertTrue(try runChecked(["ip", "netns", "list"]).stdout.contains(ns.name))
        ns.remove()
        XCTAssertFalse(try runChecked(["ip", "netns", "list"]).stdout.contains(ns.name))
    }
}
