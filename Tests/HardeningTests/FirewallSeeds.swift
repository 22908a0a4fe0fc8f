import Conntrack
import PacketBuilder

/// Seeds of fuzz-firewall (Fuzz/Corpus/firewall/): rulesets with NAT and real TCP, UDP,
/// ICMP, FTP, fragment, SCTP and GRE traffic through the router of `FirewallFuzz`
/// (lan0 10.0.0.1/24 fd00::1/64, wan0 192.0.2.1/24 2001:db8::1/64 with the default routes,
/// dmz0 172.16.0.1/24 fd01::1/64). Names starting "rs-" carry a ruleset of their own, the
/// others use the fallback ruleset (`FirewallFuzz.fallbackText`).
enum FirewallSeeds {
    static func ip(_ s: String) -> IPAddress { IPAddress(s)! }
    static let lanHost = ip("10.0.0.2"), lanHost2 = ip("10.0.0.3"), router = ip("192.0.2.1")
    static let server = ip("198.51.100.7"), remote = ip("203.0.113.9")
    static let dmzWeb = ip("172.16.0.10"), dmzFTP = ip("172.16.0.21"), dmzHost = ip("172.16.0.5")
    static let lan6 = ip("fd00::2"), router6 = ip("2001:db8::1"), server6 = ip("2001:db8:ffff::7")

    /// Interfaces and time steps in the control byte (see FirewallFuzz.swift).
    static let lan: UInt8 = 0, wan: UInt8 = 1, dmz: UInt8 = 2, local: UInt8 = 3
    static let ms: UInt8 = 1 << 4, s100: UInt8 = 2 << 4, sec: UInt8 = 3 << 4, hour: UInt8 = 6 << 4, days: UInt8 = 7 << 4

    typealias Record = (control: UInt8, packet: [UInt8])

    static func input(ruleset: String? = nil, _ records: [Record]) -> [UInt8] {
        let text = Array((ruleset ?? "").utf8)
        var out: [UInt8] = [UInt8(text.count & 0xff), UInt8(text.count >> 8)] + text
        for r in records {
            out += [r.control, UInt8(r.packet.count & 0xff), UInt8(r.packet.count >> 8)] + r.packet
        }
        return out
    }

    /// A TCP handshake, one request and one answer, and a close, between a client (arriving
    /// on `cIf`) and a server (answering on `sIf`); `seen` is the server's view of the
    /// client's address and port (after SNAT), `dst` the address the client uses.
    static func tcpSession(client c: IPAddress, _ cp: UInt16, server s: IPAddress, _ sp: UInt16, via dst: IPAddress? = nil,
                           dport: UInt16? = nil, seen: IPAddress? = nil, cIf: UInt8, sIf: UInt8,
                           request: [UInt8] = Array("GET / HTTP/1.0\r\n\r\n".utf8)) -> [Record] {
        let d = dst ?? s, dp = dport ?? sp, v = seen ?? c
        let n = UInt32(request.count)
        return [
            (cIf | ms, PacketBuilder.tcp(from: c, cp, to: d, dp, seq: 1000, flags: .syn, options: [.mss(1460), .windowScale(7), .sackPermitted])),
            (sIf | ms, PacketBuilder.tcp(from: s, sp, to: v, cp, seq: 5000, ack: 1001, flags: .synAck, options: [.mss(1460), .windowScale(7)])),
            (cIf | ms, PacketBuilder.tcp(from: c, cp, to: d, dp, seq: 1001, ack: 5001, flags: .ack)),
            (cIf | ms, PacketBuilder.tcp(from: c, cp, to: d, dp, seq: 1001, ack: 5001, flags: .pshAck, payload: request)),
            (sIf | ms, PacketBuilder.tcp(from: s, sp, to: v, cp, seq: 5001, ack: 1001 + n, flags: .pshAck, payload: Array("HTTP/1.0 200 OK\r\n\r\n".utf8))),
            (cIf | ms, PacketBuilder.tcp(from: c, cp, to: d, dp, seq: 1001 + n, ack: 5020, flags: .finAck)),
            (sIf | ms, PacketBuilder.tcp(from: s, sp, to: v, cp, seq: 5020, ack: 1002 + n, flags: .finAck)),
            (cIf | ms, PacketBuilder.tcp(from: c, cp, to: d, dp, seq: 1002 + n, ack: 5021, flags: .ack)),
        ]
    }

    /// An FTP control connection from `c` to `s` (seen as `seen` by the server) that sends
    /// `command` after USER, then the answer `reply` from the server.
    static func ftp(client c: IPAddress, server s: IPAddress, via dst: IPAddress? = nil, dport: UInt16 = 21, seen: IPAddress,
                    cIf: UInt8, sIf: UInt8, command: String, reply: String, commandControl: UInt8 = 0) -> [Record] {
        let d = dst ?? s
        let user = Array("USER ftp\r\n".utf8), cmd = Array(command.utf8), hello = Array("220 ready\r\n".utf8)
        let rep = Array(reply.utf8)
        let cseq = 101 + UInt32(user.count)
        return [
            (cIf | ms, PacketBuilder.tcp(from: c, 40000, to: d, dport, seq: 100, flags: .syn)),
            (sIf | ms, PacketBuilder.tcp(from: s, 21, to: seen, 40000, seq: 500, ack: 101, flags: .synAck)),
            (cIf | ms, PacketBuilder.tcp(from: c, 40000, to: d, dport, seq: 101, ack: 501, flags: .ack)),
            (sIf | ms, PacketBuilder.tcp(from: s, 21, to: seen, 40000, seq: 501, ack: 101, flags: .pshAck, payload: hello)),
            (cIf | ms, PacketBuilder.tcp(from: c, 40000, to: d, dport, seq: 101, ack: 512, flags: .pshAck, payload: user)),
            (cIf | ms | commandControl, PacketBuilder.tcp(from: c, 40000, to: d, dport, seq: cseq, ack: 512, flags: .pshAck, payload: cmd)),
            (sIf | ms, PacketBuilder.tcp(from: s, 21, to: seen, 40000, seq: 512, ack: cseq + UInt32(cmd.count), flags: .pshAck, payload: rep)),
        ]
    }

    static let inetNAT = """
        table inet nat {
        	chain pre {
        		type nat hook prerouting priority dstnat;
        		iifname "wan0" tcp dport 8443 dnat ip to 172.16.0.10:443
        		iifname "wan0" tcp dport 8443 dnat ip6 to [fd01::10]:443
        		iifname "lan0" udp dport 53 redirect to :5353
        	}
        	chain post {
        		type nat hook postrouting priority srcnat;
        		oifname "wan0" meta nfproto ipv4 masquerade random,persistent
        		oifname "wan0" meta nfproto ipv6 snat ip6 to 2001:db8::100
        	}
        }
        """

    static let portRanges = """
        table ip nat {
        	chain post {
        		type nat hook postrouting priority srcnat; policy accept;
        		oifname "wan0" meta l4proto tcp masquerade to :10000-10009 fully-random
        		oifname "wan0" meta l4proto udp snat to 192.0.2.20-192.0.2.21:2000-2001
        		oifname "wan0" masquerade
        	}
        }
        table inet filter {
        	chain forward {
        		type filter hook forward priority 0; policy accept;
        		ct state invalid counter drop
        		ct state new ct mark set 0x2a counter
        	}
        }
        """

    static let chains = """
        define TRUSTED = { 10.0.0.2, 10.0.0.3 }
        table inet filter {
        	chain forward {
        		type filter hook forward priority filter; policy drop;
        		ct state { established, related } accept
        		ct state invalid drop
        		ip saddr $TRUSTED jump trusted
        		tcp dport { 22, 80, 443 } counter goto web
        		counter drop
        	}
        	chain trusted {
        		ct mark set 0x7 meta mark set 0x1 counter accept
        	}
        	chain web {
        		ct state new counter accept
        		return
        	}
        }
        table ip nat {
        	chain post {
        		type nat hook postrouting priority 100;
        		oifname "wan0" snat to 192.0.2.1
        	}
        }
        """

    static let tftpHelper = """
        table ip raw {
        	ct helper tftp-std {
        		type "tftp" protocol udp
        	}
        	ct helper ftp-std {
        		type "ftp" protocol tcp
        	}
        	chain pre {
        		type filter hook prerouting priority raw;
        		ip saddr 10.0.0.3 notrack
        	}
        	chain helpers {
        		type filter hook forward priority filter;
        		udp dport 69 ct helper set "tftp-std"
        		tcp dport 21 ct helper set "ftp-std"
        	}
        }
        table ip nat {
        	chain post {
        		type nat hook postrouting priority srcnat;
        		oifname "wan0" masquerade
        	}
        }
        """

    static func seeds() -> [(String, [UInt8])] {
        let dns = PacketBuilder.udp(from: lanHost, 5353, to: server, 53, payload: [0x12, 0x34, 1, 0, 0, 1])
        let dnsSeen = PacketBuilder.udp(from: router, 5353, to: server, 53, payload: [0x12, 0x34, 1, 0, 0, 1], ip: ttl63)
        let big = PacketBuilder.udp(from: lanHost, 7000, to: server, 7001, payload: (0..<1200).map { UInt8(truncatingIfNeeded: $0) })
        var out: [(String, [UInt8])] = [
            ("tcp-masquerade.bin", input(tcpSession(client: lanHost, 40001, server: server, 80, seen: router, cIf: lan, sIf: wan))),
            ("tcp-rst.bin", input(Array(tcpSession(client: lanHost, 40002, server: server, 80, seen: router, cIf: lan, sIf: wan).prefix(3))
                + [(wan | ms, PacketBuilder.tcp(from: server, 80, to: router, 40002, seq: 5001, flags: .rst))])),
            ("udp-masquerade.bin", input([
                (lan | ms, dns),
                (wan | ms, PacketBuilder.udp(from: server, 53, to: router, 5353, payload: [0x12, 0x34, 0x81, 0x80])),
                (lan | sec, dns),
            ])),
            ("icmp-echo.bin", input([
                (lan | ms, PacketBuilder.icmp(from: lanHost, to: server, type: 8, id: 77, sequence: 1, payload: [1, 2, 3, 4])),
                (wan | ms, PacketBuilder.icmp(from: server, to: router, type: 0, id: 77, sequence: 1, payload: [1, 2, 3, 4])),
            ])),
            ("icmp-error-related.bin", input([
                (lan | ms, dns),
                (wan | ms, PacketBuilder.icmpError(from: server, to: router, type: 3, code: 3, quoting: dnsSeen)),
            ])),
            ("dnat-port-forward.bin", input(tcpSession(client: remote, 50000, server: dmzWeb, 80, via: router, dport: 8080,
                                                       cIf: wan, sIf: dmz))),
            ("dnat-udp.bin", input([
                (wan | ms, PacketBuilder.udp(from: remote, 4444, to: router, 5353, payload: [9, 9])),
                (dmz | ms, PacketBuilder.udp(from: dmzWeb, 53, to: remote, 4444, payload: [8, 8])),
            ])),
            ("dnat-range.bin", input((0..<4).map { i in
                (wan | ms, PacketBuilder.tcp(from: remote, 51000 + UInt16(i), to: router, 3000 + UInt16(i), seq: 1, flags: .syn))
            })),
            ("redirect.bin", input([
                (lan | ms, PacketBuilder.tcp(from: lanHost, 40100, to: server, 3128, seq: 9, flags: .syn)),
                (local | ms, PacketBuilder.tcp(from: ip("10.0.0.1"), 8080, to: lanHost, 40100, seq: 70, ack: 10, flags: .synAck)),
            ])),
            ("ftp-active-masquerade.bin", input(ftp(client: lanHost, server: server, seen: router, cIf: lan, sIf: wan,
                                                   command: "PORT 10,0,0,2,156,74\r\n", reply: "200 PORT ok\r\n")
                + [(wan | ms, PacketBuilder.tcp(from: server, 20, to: router, 40010, seq: 9000, flags: .syn))])),
            ("ftp-eprt-masquerade.bin", input(ftp(client: lanHost, server: server, seen: router, cIf: lan, sIf: wan,
                                                 command: "EPRT |1|10.0.0.2|40010|\r\n", reply: "200 EPRT ok\r\n"))),
            ("ftp-passive-masquerade.bin", input(ftp(client: lanHost, server: server, seen: router, cIf: lan, sIf: wan,
                                                    command: "PASV\r\n", reply: "227 Entering Passive Mode (198,51,100,7,195,80).\r\n")
                + [(lan | ms, PacketBuilder.tcp(from: lanHost, 40001, to: server, 50000, seq: 7, flags: .syn))])),
            ("ftp-epsv.bin", input(ftp(client: lanHost, server: server, seen: router, cIf: lan, sIf: wan,
                                      command: "EPSV\r\n", reply: "229 Entering Extended Passive Mode (|||50001|)\r\n"))),
            ("ftp-dnat-227.bin", input(ftp(client: remote, server: dmzFTP, via: router, dport: 2121, seen: remote, cIf: wan, sIf: dmz,
                                          command: "PASV\r\n", reply: "227 Entering Passive Mode (172,16,0,21,195,81).\r\n")
                + [(wan | ms, PacketBuilder.tcp(from: remote, 40002, to: router, 50001, seq: 7, flags: .syn))])),
            ("ftp-port-no-room.bin", input(ftp(client: lanHost, server: server, seen: router, cIf: lan, sIf: wan,
                                              command: "PORT 10,0,0,2,156,74\r\n", reply: "200 PORT ok\r\n", commandControl: 0x80))),
            ("ftp-local-client.bin", input(ftp(client: router, server: server, seen: router, cIf: local, sIf: wan,
                                              command: "PORT 192,0,2,1,156,74\r\n", reply: "200 PORT ok\r\n"))),
            ("snat-range-dmz.bin", input(tcpSession(client: dmzHost, 33000, server: server, 443, seen: ip("192.0.2.10"),
                                                    cIf: dmz, sIf: wan))),
            ("snat-lan-to-dmz.bin", input(tcpSession(client: lanHost2, 33001, server: dmzWeb, 80, seen: ip("172.16.0.1"),
                                                     cIf: lan, sIf: dmz))),
            ("notrack.bin", input([
                (lan | ms, PacketBuilder.udp(from: lanHost, 9, to: server, 9, payload: [1])),
                (dmz | ms, PacketBuilder.udp(from: ip("172.16.0.99"), 1, to: server, 2, payload: [1])),
            ])),
            ("ipv6-masquerade.bin", input(tcpSession(client: lan6, 40003, server: server6, 80, seen: router6, cIf: lan, sIf: wan))),
            ("icmpv6-echo.bin", input([
                (lan | ms, PacketBuilder.icmp(from: lan6, to: server6, type: 128, id: 5, sequence: 1, payload: [1, 2])),
                (wan | ms, PacketBuilder.icmp(from: server6, to: router6, type: 129, id: 5, sequence: 1, payload: [1, 2])),
            ])),
            ("local-output-dnat.bin", input([
                (local | ms, PacketBuilder.tcp(from: router, 41000, to: ip("192.0.2.80"), 80, seq: 1, flags: .syn)),
                (dmz | ms, PacketBuilder.tcp(from: dmzWeb, 80, to: router, 41000, seq: 2, ack: 2, flags: .synAck)),
            ])),
            ("invalid.bin", input([
                (wan | ms, PacketBuilder.tcp(from: remote, 1, to: lanHost, 2, seq: 1, ack: 1, flags: .ack)),
                (lan | ms, PacketBuilder.tcp(from: lanHost, 3, to: server, 4, seq: 1, flags: .syn, checksum: .corrupt)),
                (lan | ms, PacketBuilder.udp(from: lanHost, 5, to: server, 6, payload: [1], ip: badHeader)),
            ])),
            ("fragments.bin", input(PacketBuilder.fragment(big, payloadSize: 400).map { (lan | ms, $0) }
                + [(wan | ms, PacketBuilder.udp(from: server, 7001, to: router, 7000, payload: [1]))])),
            ("fragments-v6.bin", input(PacketBuilder.fragment(
                PacketBuilder.udp(from: lan6, 7000, to: server6, 7001, payload: [UInt8](repeating: 3, count: 900)),
                payloadSize: 400).map { (lan | ms, $0) })),
            ("table-full.bin", input((0..<40).map { i in
                (lan | ms, PacketBuilder.tcp(from: lanHost, 20000 + UInt16(i), to: server, 80, seq: 1, flags: .syn))
            })),
            ("interface-down.bin", input(Array(tcpSession(client: lanHost, 40004, server: server, 80, seen: router, cIf: lan, sIf: wan).prefix(3))
                + [(wan | ms, []), (lan | ms, PacketBuilder.tcp(from: lanHost, 40004, to: server, 80, seq: 1001, ack: 5001, flags: .ack))])),
            ("expiry.bin", input([
                (lan | ms, dns),
                (wan | hour, PacketBuilder.udp(from: server, 53, to: router, 5353, payload: [1])),
                (lan | days, dns),
            ])),
            ("checksum-fix.bin", input([
                (lan | ms | 8, PacketBuilder.tcp(from: lanHost, 40005, to: server, 80, seq: 1, flags: .syn, checksum: .zero)),
                (wan | ms | 8 | 4, PacketBuilder.tcp(from: server, 80, to: router, 40005, seq: 9, ack: 2, flags: .synAck, checksum: .zero)),
            ])),
            ("sctp-gre.bin", input([
                (lan | ms, PacketBuilder.sctp(from: lanHost, 9, to: server, 9, vtag: 0, chunks: [.initChunk(initiateTag: 0x1234)])),
                (wan | ms, PacketBuilder.sctp(from: server, 9, to: router, 9, vtag: 0x1234, chunks: [.initAck(initiateTag: 0x5678)])),
                (lan | ms, PacketBuilder.gre(from: lanHost, to: server)),
                (wan | ms, PacketBuilder.gre(from: server, to: router)),
            ])),
            // Rulesets of their own.
            ("rs-fallback-text.bin", input(ruleset: FirewallFuzz.fallbackText,
                                          tcpSession(client: lanHost, 40006, server: server, 80, seen: router, cIf: lan, sIf: wan))),
            ("rs-inet-nat.bin", input(ruleset: inetNAT, [
                (wan | ms, PacketBuilder.tcp(from: remote, 50001, to: router, 8443, seq: 1, flags: .syn)),
                (dmz | ms, PacketBuilder.tcp(from: dmzWeb, 443, to: remote, 50001, seq: 5, ack: 2, flags: .synAck)),
                (lan | ms, dns),
                (lan | ms, PacketBuilder.udp(from: lan6, 1000, to: server6, 53, payload: [1])),
                (wan | ms, PacketBuilder.udp(from: server6, 53, to: ip("2001:db8::100"), 1000, payload: [2])),
            ])),
            ("rs-port-ranges.bin", input(ruleset: portRanges, (0..<12).map { i in
                (lan | ms, PacketBuilder.tcp(from: lanHost, 30000, to: ip("198.51.100.\(i + 1)"), 80, seq: 1, flags: .syn))
            } + (0..<5).map { i in
                (lan | ms, PacketBuilder.udp(from: lanHost, 30000 + UInt16(i), to: server, 53, payload: [1]))
            })),
            ("rs-chains.bin", input(ruleset: chains, tcpSession(client: lanHost, 40007, server: server, 22, seen: router,
                                                                 cIf: lan, sIf: wan)
                + [(lan | ms, PacketBuilder.tcp(from: ip("10.0.0.9"), 1, to: server, 25, seq: 1, flags: .syn))])),
            ("rs-tftp-ftp.bin", input(ruleset: tftpHelper, [
                (lan | ms, PacketBuilder.udp(from: lanHost, 3000, to: server, 69, payload: [0, 1] + Array("file\0octet\0".utf8))),
                (wan | ms, PacketBuilder.udp(from: server, 4000, to: router, 3000, payload: [0, 3, 0, 1])),
                (lan | ms, PacketBuilder.udp(from: lanHost2, 1, to: server, 2, payload: [1])),
            ] + ftp(client: lanHost, server: server, seen: router, cIf: lan, sIf: wan,
                    command: "PORT 10,0,0,2,156,74\r\n", reply: "200 ok\r\n"))),
            ("rs-refused.bin", input(ruleset: "table ip nat { chain c { type nat hook postrouting priority 0; log } }",
                                    [(lan | ms, dns)])),
        ]
        out.sort { $0.0 < $1.0 }
        return out
    }

    static var ttl63: IPOptions { var o = IPOptions(); o.ttl = 63; return o }
    static var badHeader: IPOptions { var o = IPOptions(); o.headerChecksum = .corrupt; return o }
}
