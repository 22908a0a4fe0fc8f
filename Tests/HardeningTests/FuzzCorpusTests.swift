import Conntrack
import Foundation
import PacketBuilder
import PacketCapture
import XCTest

/// Replays every committed seed (Fuzz/Corpus/<target>/) through its target's code path, and
/// (with HARDEN_WRITE_CORPUS=1) regenerates the built seeds: packets from PacketBuilder,
/// capture files from our writers, argument vectors. Netlink seeds are recorded from the
/// kernel by Fuzz/Tools/capture-netlink.py.
final class FuzzCorpusTests: XCTestCase {
    static let targets = ["track", "defrag", "netlink", "capture", "cli", "firewall"]

    func files(_ target: String) -> [URL] {
        let dir = Paths.corpus.appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.sorted().map { dir.appendingPathComponent($0) }
    }

    func testWriteCorpusIfAsked() throws {
        guard ProcessInfo.processInfo.environment["HARDEN_WRITE_CORPUS"] == "1" else {
            throw XCTSkip("set HARDEN_WRITE_CORPUS=1 to regenerate Fuzz/Corpus")
        }
        for (target, seeds) in [("track", Seeds.track()), ("defrag", Seeds.defrag()), ("capture", try Seeds.captures()),
                                ("cli", Seeds.cli()), ("firewall", FirewallSeeds.seeds())] {
            let dir = Paths.corpus.appendingPathComponent(target)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for (name, bytes) in seeds {
                try Data(bytes).write(to: dir.appendingPathComponent(name))
            }
        }
    }

    func testEveryTargetHasSeeds() {
        for t in Self.targets { XCTAssertGreaterThanOrEqual(files(t).count, 5, "Fuzz/Corpus/\(t)") }
    }

    func testReplayTrackCorpus() throws {
        for f in files("track") { FuzzHarness.track(Array(try Data(contentsOf: f))) }
    }

    func testReplayDefragCorpus() throws {
        for f in files("defrag") { FuzzHarness.defrag(Array(try Data(contentsOf: f))) }
    }

    func testReplayNetlinkCorpusDecodesKernelDumps() throws {
        var flows = 0
        for f in files("netlink") { flows += FuzzHarness.netlink(Array(try Data(contentsOf: f))) }
        // The recorded dumps hold the entries capture-netlink.py created (at least 4 flows).
        XCTAssertGreaterThanOrEqual(flows, 4)
    }

    func testReplayCaptureCorpusReadsEveryPacket() throws {
        for f in files("capture") {
            let (n, error) = FuzzHarness.capture(Array(try Data(contentsOf: f)))
            XCTAssertNil(error, f.lastPathComponent)
            XCTAssertGreaterThan(n, 0, f.lastPathComponent)
        }
    }

    func testReplayCLICorpus() throws {
        for f in files("cli") { FuzzHarness.cli(Array(try Data(contentsOf: f))) }
    }

    /// fuzz-firewall: every seed keeps every invariant, the "rs-" seeds' own rulesets are
    /// accepted (the one named "refused" is not), and together the seeds reach NAT, RELATED
    /// connections, the FTP rewrite that changes a packet's length, refragmentation and
    /// local delivery.
    func testReplayFirewallCorpus() throws {
        var total = FirewallFuzz.Report()
        for f in files("firewall") {
            let name = f.lastPathComponent
            let r = Array(try Data(contentsOf: f)).withUnsafeBytes { FirewallFuzz.run($0) }
            XCTAssertEqual(r.violations, [], name)
            XCTAssertEqual(r.ownRuleset, name.hasPrefix("rs-") && !name.contains("refused"), name)
            XCTAssertGreaterThan(r.packets, 0, name)
            total.packets += r.packets; total.translated += r.translated; total.related += r.related
            total.lengthChanged += r.lengthChanged; total.refragmented += r.refragmented; total.delivered += r.delivered
            total.forwarded += r.forwarded; total.dropped += r.dropped
        }
        XCTAssertGreaterThanOrEqual(files("firewall").count, 30)
        XCTAssertGreaterThan(total.translated, 50)
        XCTAssertGreaterThanOrEqual(total.related, 5)
        XCTAssertGreaterThanOrEqual(total.lengthChanged, 3)
        XCTAssertGreaterThanOrEqual(total.refragmented, 2)
        XCTAssertGreaterThan(total.delivered, 0)
        XCTAssertGreaterThan(total.dropped, 0)
    }
}

/// Seed builders.
enum Seeds {
    static let a = IPAddress(ipv4: 0x0a00_0001), b = IPAddress(ipv4: 0x0a00_0002)
    static let a6 = IPAddress(ipv6High: 0x2001_0db8_0000_0000, low: 1), b6 = IPAddress(ipv6High: 0x2001_0db8_0000_0000, low: 2)

    static func tcpSession(_ x: IPAddress, _ y: IPAddress) -> [(UInt8, [UInt8])] {
        [
            (1, PacketBuilder.tcp(from: x, 40000, to: y, 80, seq: 1000, flags: .syn, options: [.mss(1460), .windowScale(7), .sackPermitted])),
            (1, PacketBuilder.tcp(from: y, 80, to: x, 40000, seq: 5000, ack: 1001, flags: .synAck, options: [.mss(1460), .windowScale(7)])),
            (1, PacketBuilder.tcp(from: x, 40000, to: y, 80, seq: 1001, ack: 5001, flags: .ack)),
            (1, PacketBuilder.tcp(from: x, 40000, to: y, 80, seq: 1001, ack: 5001, flags: .pshAck, payload: Array("GET / HTTP/1.0\r\n\r\n".utf8))),
            (1, PacketBuilder.tcp(from: y, 80, to: x, 40000, seq: 5001, ack: 1019, flags: .ack)),
            (1, PacketBuilder.tcp(from: y, 80, to: x, 40000, seq: 5001, ack: 1019, flags: .finAck)),
            (1, PacketBuilder.tcp(from: x, 40000, to: y, 80, seq: 1019, ack: 5002, flags: .finAck)),
            (1, PacketBuilder.tcp(from: y, 80, to: x, 40000, seq: 5002, ack: 1020, flags: .ack)),
        ]
    }

    static func track() -> [(String, [UInt8])] {
        let inner = PacketBuilder.udp(from: a, 5353, to: b, 53, payload: [1, 2, 3, 4])
        return [
            ("tcp-session-v4.bin", FuzzHarness.frame(tcpSession(a, b))),
            ("tcp-session-v6.bin", FuzzHarness.frame(tcpSession(a6, b6))),
            ("tcp-rst.bin", FuzzHarness.frame(Array(tcpSession(a, b).prefix(3))
                + [(1, PacketBuilder.tcp(from: b, 80, to: a, 40000, seq: 5001, flags: .rst))])),
            ("udp-both-ways.bin", FuzzHarness.frame([
                (1, PacketBuilder.udp(from: a, 5353, to: b, 53, payload: [1, 2, 3])),
                (1, PacketBuilder.udp(from: b, 53, to: a, 5353, payload: [4, 5, 6])),
                (255, PacketBuilder.udp(from: a, 5353, to: b, 53, payload: [7])),
            ])),
            ("icmp-echo.bin", FuzzHarness.frame([
                (1, PacketBuilder.icmp(from: a, to: b, type: 8, id: 77, sequence: 1)),
                (1, PacketBuilder.icmp(from: b, to: a, type: 0, id: 77, sequence: 1)),
            ])),
            ("icmp-error-related.bin", FuzzHarness.frame([
                (1, inner),
                (1, PacketBuilder.icmpError(from: b, to: a, type: 3, code: 3, quoting: inner)),
            ])),
            ("icmpv6-echo.bin", FuzzHarness.frame([
                (1, PacketBuilder.icmp(from: a6, to: b6, type: 128, id: 9, sequence: 1)),
                (1, PacketBuilder.icmp(from: b6, to: a6, type: 129, id: 9, sequence: 1)),
            ])),
            ("gre.bin", FuzzHarness.frame([(1, PacketBuilder.gre(from: a, to: b)), (1, PacketBuilder.gre(from: b, to: a))])),
            ("sctp-init.bin", FuzzHarness.frame([
                (1, PacketBuilder.sctp(from: a, 9, to: b, 9, vtag: 0, chunks: [.initChunk(initiateTag: 0x1234)])),
                (1, PacketBuilder.sctp(from: b, 9, to: a, 9, vtag: 0x1234, chunks: [.initAck(initiateTag: 0x5678)])),
            ])),
            ("fragments-v4.bin", FuzzHarness.frame(PacketBuilder.fragment(
                PacketBuilder.udp(from: a, 1, to: b, 2, payload: [UInt8](repeating: 7, count: 100)), payloadSize: 40).map { (1, $0) })),
            ("small-table.bin", [0xff] + FuzzHarness.frame((0..<16).map { i in
                (1, PacketBuilder.tcp(from: IPAddress(ipv4: 0x0a01_0000 + UInt32(i)), 1000, to: b, 80, seq: 1, flags: .syn))
            }).dropFirst()),
        ]
    }

    static func defrag() -> [(String, [UInt8])] {
        // [control][offset/8 LE][length/8][id][payload]; control: 1 MF, 2 IPv6, 4 UDP.
        let udpHeader: [UInt8] = [0x10, 0x00, 0x00, 0x35, 0x00, 0x20, 0x00, 0x00]
        func rec(_ c: UInt8, _ off: UInt16, _ len8: UInt8, _ id: UInt8, _ payload: [UInt8] = []) -> [UInt8] {
            [c, UInt8(off & 0xff), UInt8(off >> 8), len8, id] + payload
        }
        return [
            ("v4-in-order.bin", rec(5, 0, 2, 1, udpHeader) + rec(5, 2, 1, 1) + rec(4, 3, 1, 1)),
            ("v4-reverse.bin", rec(4, 3, 1, 2) + rec(5, 2, 1, 2) + rec(5, 0, 2, 2, udpHeader)),
            ("v4-overlap.bin", rec(5, 0, 2, 3, udpHeader) + rec(5, 1, 2, 3) + rec(4, 2, 2, 3)),
            ("v4-never-complete.bin", rec(5, 0, 2, 4, udpHeader) + rec(0xf4, 9, 1, 5)),
            ("v6-in-order.bin", rec(7, 0, 2, 1, udpHeader) + rec(7, 2, 1, 1) + rec(6, 3, 1, 1)),
            ("v6-overlap.bin", rec(7, 0, 2, 6, udpHeader) + rec(7, 1, 1, 6) + rec(6, 2, 1, 6)),
            ("v4-tcp.bin", rec(1, 0, 3, 9, [0x10, 0, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff]) + rec(0, 3, 1, 9)),
            ("v4-max-offset.bin", rec(5, 0x1fff, 255, 8) + rec(5, 0, 2, 8, udpHeader)),
        ]
    }

    static func captures() throws -> [(String, [UInt8])] {
        let packets = tcpSession(a, b).map { $0.1 } + [PacketBuilder.udp(from: a6, 1, to: b6, 2, payload: [1])]
        var out: [(String, [UInt8])] = []
        for (name, kind) in [("raw.pcap", 0), ("ethernet.pcap", 1), ("nanos-bigendian.pcap", 2), ("raw.pcapng", 3),
                             ("ethernet-bigendian.pcapng", 4)] {
            let path = NSTemporaryDirectory() + "harden-seed-\(getpid()).\(name)"
            defer { unlink(path) }
            let ether: ([UInt8]) -> [UInt8] = { p in
                PacketBuilder.ethernet(destination: [2, 0, 0, 0, 0, 2], source: [2, 0, 0, 0, 0, 1], payload: p)
            }
            switch kind {
            case 0, 1, 2:
                let w = try PcapWriter(path: path, linkType: kind == 1 ? .ethernet : .raw, snapLength: 65535,
                                       precision: kind == 2 ? .nanoseconds : .microseconds,
                                       byteOrder: kind == 2 ? .bigEndian : .host)
                for (i, p) in packets.enumerated() {
                    try w.write(timestamp: 1_700_000_000_000_000_000 + Int64(i) * 1_000_000, bytes: kind == 1 ? ether(p) : p)
                }
                try w.close()
            default:
                let w = try PcapngWriter(path: path, byteOrder: kind == 4 ? .bigEndian : .host)
                try w.beginSection()
                try w.addInterface(linkType: kind == 4 ? .ethernet : .raw, snapLength: 65535)
                for (i, p) in packets.enumerated() {
                    try w.write(interface: 0, timestamp: 1_700_000_000_000_000_000 + Int64(i) * 1_000_000,
                                bytes: kind == 4 ? ether(p) : p)
                }
                try w.close()
            }
            out.append((name, Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
        }
        return out
    }

    static func cli() -> [(String, [UInt8])] {
        let lines = [
            "-L", "-L -o extended", "-L -o xml,id,timestamp", "-L -p tcp --state ESTABLISHED", "-L -f ipv6",
            "-L -m 7/0xff", "-L --src-nat", "-L -z", "-G -p tcp -s 1.1.1.1 -d 2.2.2.2 --sport 1 --dport 2",
            "-D -p udp --orig-src 10.0.0.1", "-I -p tcp -s 1.1.1.1 -d 2.2.2.2 --sport 1 --dport 2 --state SYN_SENT -t 50 -u SEEN_REPLY",
            "-U -m 1 -p tcp", "-F", "-F expect", "-E -e NEW,DESTROY -o timestamp", "-S", "-C", "-L expect",
            "-I expect -p tcp --orig-src 1.1.1.1 --orig-dst 2.2.2.2 --tuple-src 1.1.1.1 --tuple-dst 2.2.2.2 --mask-src 255.255.255.255 --mask-dst 255.255.255.255 --sport 1 --dport 2 --mask-port 0xffff -t 10",
            "-L -l label1,label2", "-L -p icmp --icmp-type 8 --icmp-code 0 --icmp-id 1", "-L -p sctp --orig-vtag 1",
            "-R /dev/null", "--dump", "-h", "-V", "-L --zone 3 -w 4 --orig-zone 1", "-L -o save", "-L -o json",
        ]
        return lines.enumerated().map { (i, l) in
            ("argv-\(i).bin", Array(splitArguments(l).joined(separator: "\0").utf8))
        }
    }
}
