import Foundation
import XCTest
import PacketBuilder
import PacketCapture
@testable import ConntrackTool

/// `conntrack --pcap FILE --ruleset FILE`: captures replayed through the router pipeline.
/// Expected lines follow the kernel's formats (kernel-conntrack.md §8.3 `-L expect` line,
/// §9.1 masquerade reply tuple [live]); the differential suite checks the same behaviour
/// against the kernel packet by packet.
final class RulesetModeTests: XCTestCase {
    let a = IPAddress("10.77.1.2")!
    let b = IPAddress("10.77.2.2")!
    let wan = IPAddress("10.77.2.1")!
    var files: [String] = []

    override func tearDown() {
        for f in files { try? FileManager.default.removeItem(atPath: f) }
    }

    func temp(_ suffix: String) -> String {
        let p = NSTemporaryDirectory() + "ct-ruleset-\(getpid())-\(files.count)\(suffix)"
        files.append(p)
        return p
    }

    func capture(_ packets: [[UInt8]], start: Int64 = 1_700_000_000_000_000_000) throws -> String {
        let path = temp(".pcap")
        let w = try PcapWriter(path: path, linkType: .raw)
        for (i, p) in packets.enumerated() { try w.write(timestamp: start + Int64(i) * 1_000_000, bytes: p) }
        try w.close()
        return path
    }

    func ruleset(_ text: String) throws -> String {
        let path = temp(".nft")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func run(_ args: [String]) -> (Int32, String, String) {
        var out: [UInt8] = []
        var err = ""
        let buffer = OutputBuffer { out.append(contentsOf: $0) }
        let status = runConntrackCommand(arguments: ["conntrack"] + args, stdout: buffer,
                                         stderr: { err += $0 }, environment: .system)
        buffer.flush()
        return (status, String(decoding: out, as: UTF8.self), err)
    }

    let ifaces = ["--iface", "lan0=10.77.1.1/24", "--iface", "wan0=10.77.2.1/24"]

    func testMasqueradeListingShowsTheKernelsReplyTuple() throws {
        let nft = try ruleset("""
            table ip nat {
                chain post {
                    type nat hook postrouting priority srcnat; policy accept;
                    oifname "wan0" masquerade
                }
            }
            """)
        let pcap = try capture([
            PacketBuilder.tcp(from: a, 44001, to: b, 6201, seq: 1, flags: .syn),
            PacketBuilder.tcp(from: b, 6201, to: wan, 44001, seq: 100, ack: 2, flags: .synAck),
        ])
        let (status, out, err) = run(["-L", "--pcap", pcap, "--ruleset", nft] + ifaces)
        XCTAssertEqual(status, 0, err)
        // §9.1 [live]: reply src=B dst=10.77.2.1 sport=6201 dport=44001
        XCTAssertTrue(out.contains("src=10.77.1.2 dst=10.77.2.2 sport=44001 dport=6201 packets=1 bytes=40 src=10.77.2.2 dst=10.77.2.1 sport=6201 dport=44001 packets=1 bytes=40"),
                      out)
        XCTAssertEqual(err, "conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n")
        // -n / --src-nat selects SNATed entries.
        let (_, snat, _) = run(["-L", "--src-nat", "--pcap", pcap, "--ruleset", nft] + ifaces)
        XCTAssertEqual(snat.split(separator: "\n").count, 1)
        let (_, dnat, _) = run(["-L", "--dst-nat", "--pcap", pcap, "--ruleset", nft] + ifaces)
        XCTAssertEqual(dnat, "")
    }

    func testExplainNamesTheRuleAndTheTranslation() throws {
        let nft = try ruleset("""
            table inet filter {
                chain forward {
                    type filter hook forward priority filter; policy drop;
                    ct state established,related accept
                    iifname "lan0" accept
                }
            }
            table ip nat {
                chain post {
                    type nat hook postrouting priority srcnat;
                    oifname "wan0" snat to 10.77.2.1
                }
            }
            """)
        let pcap = try capture([
            PacketBuilder.udp(from: a, 5000, to: b, 53, payload: [1]),
            PacketBuilder.udp(from: b, 53, to: wan, 5000, payload: [2]),
            PacketBuilder.udp(from: b, 999, to: a, 53, payload: [3]),
        ])
        let (status, out, err) = run(["-C", "--pcap", pcap, "--ruleset", nft, "--explain"] + ifaces)
        XCTAssertEqual(status, 0, err)
        let lines = out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, out)
        guard lines.count == 4 else { return }
        XCTAssertTrue(lines[0].contains("| forwarded via wan0, snat to 10.77.2.1:5000, by "), lines[0])
        XCTAssertTrue(lines[0].contains(".nft:11:9 \"oifname \"wan0\" snat to 10.77.2.1\""), lines[0])   // line 11, column 9
        XCTAssertTrue(lines[1].contains("reply established") && lines[1].contains("dnat to 10.77.1.2:5000"), lines[1])
        XCTAssertTrue(lines[2].contains("| dropped") && lines[2].contains("policy of chain filter/forward"), lines[2])
        XCTAssertEqual(lines[3], "1")
    }

    func testFTPExpectationListedAndEvented() throws {
        let nft = try ruleset("""
            table inet raw {
                ct helper ftp-std { type "ftp" protocol tcp; }
                chain forward {
                    type filter hook forward priority filter;
                    tcp dport 21 ct helper set "ftp-std"
                }
            }
            """)
        let pcap = try capture([
            PacketBuilder.tcp(from: a, 40000, to: b, 21, seq: 100, flags: .syn),
            PacketBuilder.tcp(from: b, 21, to: a, 40000, seq: 500, ack: 101, flags: .synAck),
            PacketBuilder.tcp(from: a, 40000, to: b, 21, seq: 101, ack: 501, flags: .ack),
            PacketBuilder.tcp(from: b, 21, to: a, 40000, seq: 501, ack: 101, flags: [.psh, .ack], payload: Array("220 hi\r\n".utf8)),
            PacketBuilder.tcp(from: a, 40000, to: b, 21, seq: 101, ack: 509, flags: [.psh, .ack], payload: Array("PASV\r\n".utf8)),
            PacketBuilder.tcp(from: b, 21, to: a, 40000, seq: 509, ack: 107, flags: [.psh, .ack],
                              payload: Array("227 Entering Passive Mode (10,77,2,2,195,80).\r\n".utf8)),
        ])
        let (status, out, err) = run(["-L", "expect", "--pcap", pcap, "--ruleset", nft] + ifaces)
        XCTAssertEqual(status, 0, err)
        // §8.3 [live] line shape.
        XCTAssertEqual(out, "300 proto=6 src=10.77.1.2 dst=10.77.2.2 sport=0 dport=50000 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=10.77.1.2 master-dst=10.77.2.2 sport=40000 dport=21 class=0 helper=ftp\n")
        XCTAssertEqual(err, "conntrack v1.4.7 (conntrack-tools): 1 expectations have been shown.\n")
        let (s2, ev, err2) = run(["-E", "expect", "--pcap", pcap, "--ruleset", nft] + ifaces)
        XCTAssertEqual(s2, 0, err2)
        // conntrack-tools right-aligns the event type in 9 columns.
        XCTAssertTrue(ev.hasPrefix("    [NEW] 300 proto=6 src=10.77.1.2 dst=10.77.2.2 sport=0 dport=50000"), ev)
        let (_, flows, _) = run(["-L", "--pcap", pcap, "--ruleset", nft] + ifaces)
        XCTAssertTrue(flows.contains("helper=ftp"), flows)
    }

    func testRulesetErrorsNameTheFileLineAndColumn() throws {
        let nft = try ruleset("table ip t {\n  chain c {\n    type filter hook forward priority 0;\n    log prefix \"x\"\n  }\n}\n")
        let pcap = try capture([PacketBuilder.udp(from: a, 1, to: b, 2)])
        let (status, out, err) = run(["-L", "--pcap", pcap, "--ruleset", nft])
        XCTAssertEqual(status, 2)
        XCTAssertEqual(out, "")
        XCTAssertTrue(err.hasPrefix("conntrack v1.4.7 (conntrack-tools): \(nft):4:5: "), err)
        XCTAssertEqual(err.filter { $0 == "\n" }.count, 1, err)
        let (s2, _, e2) = run(["-L", "--ruleset", nft])
        XCTAssertEqual(s2, 2)
        XCTAssertTrue(e2.contains("need --pcap FILE"), e2)
        let (s3, _, e3) = run(["-L", "--pcap", pcap, "--ruleset", "/nonexistent.nft"])
        XCTAssertEqual(s3, 2)
        XCTAssertEqual(e3, "conntrack v1.4.7 (conntrack-tools): /nonexistent.nft: No such file or directory\n")
    }
}

extension RulesetModeTests {
    /// `--route PREFIX/LEN=NAME@GATEWAY` and several `--iface` addresses: masquerade takes
    /// the address in the gateway's subnet (`inet_select_addr`, as the NAT differential
    /// scenario masqaddr.gateway_in_second_subnet saw the kernel do).
    func testRouteGatewayPicksTheMasqueradeAddress() throws {
        let nft = try ruleset("""
            table ip nat {
                chain post {
                    type nat hook postrouting priority srcnat; policy accept;
                    oifname "wan0" masquerade
                }
            }
            """)
        let far = IPAddress("203.0.113.9")!
        let pcap = try capture([PacketBuilder.udp(from: a, 5000, to: far, 53, payload: [1])])
        let iface = ["--iface", "lan0=10.77.1.1/24", "--iface", "wan0=10.77.2.1/24,198.51.100.1/24"]
        let (status, out, err) = run(["-L", "--pcap", pcap, "--ruleset", nft, "--route", "0.0.0.0/0=wan0@198.51.100.254"] + iface)
        XCTAssertEqual(status, 0, err)
        XCTAssertTrue(out.contains("src=203.0.113.9 dst=198.51.100.1 sport=53 dport=5000"), out)
        // Without the gateway the next hop is the destination: the first address.
        let (_, out2, _) = run(["-L", "--pcap", pcap, "--ruleset", nft, "--route", "0.0.0.0/0=wan0"] + iface)
        XCTAssertTrue(out2.contains("src=203.0.113.9 dst=10.77.2.1 sport=53 dport=5000"), out2)
        for bad in ["0.0.0.0/0=wan0@", "0.0.0.0/0=wan0@fd00::1", "0.0.0.0/0=@10.77.2.254", "0.0.0.0/0=wan0@x"] {
            let (s, _, e) = run(["-L", "--pcap", pcap, "--ruleset", nft, "--route", bad] + iface)
            XCTAssertEqual(s, 2, bad)
            XCTAssertTrue(e.contains("Bad parameter `\(bad)' for --route (PREFIX/LEN=INTERFACE[@GATEWAY])"), e)
        }
        let (s3, _, e3) = run(["-L", "--pcap", pcap, "--ruleset", nft, "--iface", "wan0=10.77.2.1/24,10.77.2.1/24"])
        XCTAssertEqual(s3, 2)
        XCTAssertTrue(e3.contains("10.77.2.1 is given twice"), e3)
    }
}
