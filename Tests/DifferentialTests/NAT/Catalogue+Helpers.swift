import PacketBuilder

/// FTP through NAT (reference 8.4 and 9): the helper (`ct helper set`) reads PORT / EPRT
/// commands and 227 / 229 replies; with NAT, nf_nat_ftp rewrites the address (and port)
/// in them, adjusts later sequence numbers, and the data connection that uses the
/// expectation is NATed to follow the control connection. Every answer is built from
/// what the router forwarded, so the data connection goes where each router said.
enum HelperScenarios {
    static let out = "oifname \"rb\""

    /// The helper table: an ftp helper object attached to connections to port 21.
    static func ftpTable(_ family: String = "ip") -> String {
        """
        table \(family) helpers {
            ct helper ftpstd { type "ftp" protocol tcp; }
            chain attach {
                type filter hook prerouting priority filter; policy accept;
                tcp dport 21 counter ct helper set "ftpstd"
            }
        }

        """
    }

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// The TCP payload of forwarded packet `i`.
    static func payload(_ v: RouterView, _ i: Int) throws -> [UInt8] {
        let b = try v.out(i)
        let p = try v.view(i)
        let hl = Int(b[p.l4 + 12] >> 4) * 4
        return Array(b[(p.l4 + hl)..<p.end])
    }

    struct BadCommand: Error, CustomStringConvertible {
        var text: String
        var description: String { "cannot read an address and port in \"\(text)\"" }
    }

    /// The address and port an FTP command or reply names: `PORT a,b,c,d,p1,p2`,
    /// `227 ... (a,b,c,d,p1,p2)`, `EPRT |2|addr|port|`, `229 ... (|||port|)` (the address
    /// then is `fallback`).
    static func endpoint(in payload: [UInt8], fallback: IPAddress) throws -> (IPAddress, UInt16) {
        let text = String(decoding: payload, as: UTF8.self)
        if let bar = text.firstIndex(of: "|") {
            let fields = text[bar...].split(separator: "|", omittingEmptySubsequences: false)
            // "|2|addr|port|" -> ["", "2", "addr", "port", ...]; "|||port|" -> ["", "", "", "port", ...]
            guard fields.count >= 4, let port = UInt16(fields[3]) else { throw BadCommand(text: text) }
            return (fields[2].isEmpty ? fallback : IPAddress(fields[2]) ?? fallback, port)
        }
        let digits = text.split(whereSeparator: { !$0.isNumber && $0 != "," }).last { $0.contains(",") }
        let n = (digits ?? "").split(separator: ",").compactMap { UInt8($0) }
        guard n.count == 6 else { throw BadCommand(text: text) }
        return (IPAddress("\(n[0]).\(n[1]).\(n[2]).\(n[3])")!, UInt16(n[4]) << 8 | UInt16(n[5]))
    }

    /// A TCP segment from A's client (10.88.1.5 / fd88:1::5, port 40000) to `server`:21.
    static func client(_ server: IPAddress, _ flags: TCPFlags, _ seq: UInt32, ack: UInt32 = 0, _ text: String = "") -> NATStep {
        let a = server.family == .ipv4 ? P.a : P.a6
        return .a(PacketBuilder.tcp(from: a, 40000, to: server, 21, seq: seq, ack: ack, flags: flags, payload: bytes(text)))
    }

    /// A segment from the server answering forwarded packet 0 (the SYN); `ack` may
    /// depend on what the router made of the client's command (`ackAfter`: the forwarded
    /// packet whose payload length is added to its sequence number).
    static func server(_ flags: TCPFlags, _ seq: UInt32, ack: UInt32, ackAfter: Int? = nil, _ text: String = "") -> NATStep {
        .b { v in
            let p = try v.view(0)
            var a = ack
            if let j = ackAfter {
                let b = try v.out(j)
                let q = try v.view(j)
                a = (UInt32(b[q.l4 + 4]) << 24 | UInt32(b[q.l4 + 5]) << 16 | UInt32(b[q.l4 + 6]) << 8 | UInt32(b[q.l4 + 7]))
                    &+ UInt32(try payload(v, j).count)
            }
            return PacketBuilder.tcp(from: p.destination, p.destinationPort, to: p.source, p.sourcePort, seq: seq, ack: a,
                                     flags: flags, payload: bytes(text))
        }
    }

    /// The start of every session: handshake, the server's greeting, the client's USER
    /// line and the server's answer (the helper only reads a command or reply that starts
    /// right after a line end it has seen in that direction: `find_nl_seq`). Packets 0-6;
    /// the client's next sequence number is 1009, the server's 5017.
    static func login(_ server: IPAddress) -> [NATStep] {
        [
            client(server, .syn, 1000),                                          // 0
            HelperScenarios.server(.synAck, 5000, ack: 1001),                    // 1
            client(server, .ack, 1001, ack: 5001),                               // 2
            HelperScenarios.server(.pshAck, 5001, ack: 1001, "220 hi\r\n"),      // 3
            client(server, .pshAck, 1001, ack: 5009, "USER a\r\n"),               // 4
            HelperScenarios.server(.pshAck, 5009, ack: 1009, "331 pw\r\n"),      // 5
            client(server, .ack, 1009, ack: 5017),                               // 6
        ]
    }

    /// Active mode: the client's PORT/EPRT (packet 7) names its own address and port 40001;
    /// the server then opens the data connection from port 20 to what the router
    /// forwarded, and the client (answering what reached it, packet 11) accepts it.
    static func active(_ serverAddress: IPAddress, command: String) -> [NATStep] {
        let next = 1009 + UInt32(command.utf8.count)
        return login(serverAddress) + [
            client(serverAddress, .pshAck, 1009, ack: 5017, command),            // 7
            server(.ack, 5017, ack: 0, ackAfter: 7),                             // 8
            server(.pshAck, 5017, ack: 0, ackAfter: 7, "200 ok\r\n"),            // 9
            client(serverAddress, .ack, next, ack: 5025),                        // 10
            .b { v in                                                            // 11
                let p = try v.view(7)
                let (addr, port) = try endpoint(in: try payload(v, 7), fallback: p.source)
                return PacketBuilder.tcp(from: p.destination, 20, to: addr, port, seq: 7000, flags: .syn)
            },
            .a(Reply.tcp(11, .synAck, 9000, ack: 7001)),                        // 12
            .b { v in                                                            // 13
                let p = try v.view(12)
                return PacketBuilder.tcp(from: p.destination, p.destinationPort, to: p.source, p.sourcePort, seq: 7001,
                                         ack: 9001, flags: .ack)
            },
            client(serverAddress, .pshAck, next, ack: 5025, "QUIT\r\n"),         // 14: seq adjusted
        ]
    }

    /// Passive mode: the client's PASV/EPSV, the server's 227/229 naming its data port
    /// 50000; the client then connects where the router's forwarded reply (packet 9) says.
    static func passive(_ dialed: IPAddress, command: String, reply: String) -> [NATStep] {
        let next = 1009 + UInt32(command.utf8.count)
        return login(dialed) + [
            client(dialed, .pshAck, 1009, ack: 5017, command),                   // 7
            server(.ack, 5017, ack: next),                                       // 8
            server(.pshAck, 5017, ack: next, reply),                             // 9
            .a { v in                                                            // 10: ack what reached the client
                let b = try v.out(9)
                let q = try v.view(9)
                let seq = UInt32(b[q.l4 + 4]) << 24 | UInt32(b[q.l4 + 5]) << 16 | UInt32(b[q.l4 + 6]) << 8 | UInt32(b[q.l4 + 7])
                return PacketBuilder.tcp(from: q.destination, 40000, to: dialed, 21, seq: next,
                                         ack: seq &+ UInt32(try payload(v, 9).count), flags: .ack)
            },
            .a { v in                                                            // 11: data connection
                let q = try v.view(9)
                let (addr, port) = try endpoint(in: try payload(v, 9), fallback: q.source)
                return PacketBuilder.tcp(from: q.destination, 40001, to: addr, port, seq: 3000, flags: .syn)
            },
            .b(Reply.tcp(11, .synAck, 8000, ack: 3001)),                         // 12
            // The server's next line: its sequence number is adjusted on the way out.
            server(.pshAck, 5017 + UInt32(reply.utf8.count), ack: next, "226 done\r\n"),   // 13
        ]
    }

    /// TFTP: the read request creates an expectation for the server's answer from any
    /// port; with SNAT the answer is NATed to follow the request (`nf_nat_tftp`).
    static func tftpTable(_ family: String = "ip") -> String {
        """
        table \(family) helpers {
            ct helper tftph { type "tftp" protocol udp; }
            chain attach {
                type filter hook prerouting priority filter; policy accept;
                udp dport 69 counter ct helper set "tftph"
            }
        }

        """
    }

    static func tftp(_ server: IPAddress) -> [NATStep] {
        let client = server.family == .ipv4 ? P.a : P.a6
        return [
            .a(PacketBuilder.udp(from: client, 41000, to: server, 69, payload: [0, 1] + bytes("file") + [0] + bytes("octet") + [0])),
            .b { v in
                let p = try v.view(0)
                return PacketBuilder.udp(from: p.destination, 50000, to: p.source, p.sourcePort, payload: [0, 3, 0, 1] + bytes("data"))
            },
            .a(Reply.udp(1)),
        ]
    }

    static let all: [NATScenario] = [
        NATScenario("tftp.snat", Rules.nat(post: ["\(out) snat to 10.88.2.200"]) + tftpTable(),
                    expect: ["udp unreplied snat helper", "udp expected dnat"], path: ">>>", tftp(P.b)),
        NATScenario("tftp.no_nat_v6", Rules.states + tftpTable("ip6"),
                    expect: ["udp unreplied helper", "udp expected"], path: ">>>", tftp(P.b6)),
        // PORT rewritten to the SNAT address (two characters longer: later sequence
        // numbers of the client are adjusted); the data connection is DNATed back.
        NATScenario("ftp.active_port_snat",
                    Rules.nat(post: ["\(out) snat to 10.88.2.200"]) + ftpTable(),
                    expect: ["tcp ESTABLISHED assured snat seqadj helper", "tcp ESTABLISHED assured expected dnat"], path: ">>>>>>>>>>>>>>>", active(P.b, command: "PORT 10,88,1,5,156,65\r\n")),
        NATScenario("ftp.active_port_masquerade",
                    Rules.nat(post: ["\(out) masquerade"]) + ftpTable(),
                    expect: ["tcp ESTABLISHED assured snat helper", "tcp ESTABLISHED assured expected dnat"], path: ">>>>>>>>>>>>>>>", active(P.b, command: "PORT 10,88,1,5,156,65\r\n")),
        // The same without NAT: the helper only creates the expectation.
        NATScenario("ftp.active_port_no_nat", Rules.states + ftpTable(),
                    expect: ["tcp ESTABLISHED assured helper", "tcp ESTABLISHED assured expected"], path: ">>>>>>>>>>>>>>>", active(P.b, command: "PORT 10,88,1,5,156,65\r\n")),
        // 227 from the server behind DNAT rewritten to the address the client dialed.
        NATScenario("ftp.passive_dnat",
                    Rules.nat(pre: ["ip daddr 10.88.2.100 tcp dport 21 dnat to 10.88.2.5"]) + ftpTable(),
                    expect: ["tcp ESTABLISHED assured dnat seqadj helper", "tcp SYN_RECV expected dnat"], path: ">>>>>>>>>>>>>>",
                    passive(P.b(100), command: "PASV\r\n", reply: "227 Entering Passive Mode (10,88,2,5,195,80).\r\n")),
        NATScenario("ftp.eprt_snat_v6",
                    Rules.nat("ip6", post: ["\(out) snat to fd88:2::200"]) + ftpTable("ip6"),
                    expect: ["tcp ESTABLISHED assured snat seqadj helper", "tcp ESTABLISHED assured expected dnat"], path: ">>>>>>>>>>>>>>>", active(P.b6, command: "EPRT |2|fd88:1::5|40001|\r\n")),
        NATScenario("ftp.epsv_dnat_v6",
                    Rules.nat("ip6", pre: ["ip6 daddr fd88:2::100 tcp dport 21 dnat to fd88:2::5"]) + ftpTable("ip6"),
                    expect: ["tcp ESTABLISHED assured dnat helper", "tcp SYN_RECV expected dnat"], path: ">>>>>>>>>>>>>>",
                    passive(IPAddress("fd88:2::100")!, command: "EPSV\r\n", reply: "229 Entering Extended Passive Mode (|||50000|)\r\n")),
    ]
}
