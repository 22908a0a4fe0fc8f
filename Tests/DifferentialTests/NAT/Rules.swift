import PacketBuilder

/// Ruleset texts for the NAT scenarios: every one also has the `states` chain that
/// counts each scenario packet's `ct state` right after conntrack (so per-state packet
/// counts are compared through rule counters; R's own IPv6 housekeeping is left out).
enum Rules {
    static let states = """
        table inet count {
            chain states {
                type filter hook prerouting priority mangle; policy accept;
                ip saddr 10.88.0.0/16 jump count
                ip6 saddr fd88::/16 jump count
            }
            chain count {
                ct state new counter
                ct state established counter
                ct state related counter
                ct state invalid counter
                ct state untracked counter
            }
        }

        """

    static func chain(_ name: String, _ head: String, _ rules: [String]) -> String {
        "    chain \(name) {\n        \(head)\n" + rules.map { "        \($0)\n" }.joined() + "    }\n"
    }

    /// A NAT table (`family` ip, ip6 or inet) with prerouting and postrouting NAT chains
    /// (both always present: the kernel makes null bindings once NAT is loaded), plus
    /// optional forward/input filter chains in a second table.
    static func nat(_ family: String = "ip", pre: [String] = [], post: [String] = [], forward: [String]? = nil,
                    forwardPolicy: String = "accept", input: [String]? = nil) -> String {
        var s = states
        s += "table \(family) nat {\n"
        s += chain("pre", "type nat hook prerouting priority dstnat; policy accept;", pre)
        s += chain("post", "type nat hook postrouting priority srcnat; policy accept;", post)
        s += "}\n"
        if forward != nil || input != nil {
            s += "table inet filter {\n"
            if let forward {
                s += chain("forwarding", "type filter hook forward priority filter; policy \(forwardPolicy);", forward)
            }
            if let input { s += chain("incoming", "type filter hook input priority filter; policy accept;", input) }
            s += "}\n"
        }
        return s
    }

    /// A filter-only ruleset: optional raw prerouting rules, prerouting (mangle) rules and
    /// forward rules with a policy.
    static func filter(raw: [String]? = nil, mangle: [String]? = nil, forward: [String], policy: String = "accept",
                       extraChains: String = "") -> String {
        var s = states + "table inet filter {\n"
        if let raw { s += chain("raw", "type filter hook prerouting priority raw; policy accept;", raw) }
        if let mangle { s += chain("marking", "type filter hook prerouting priority mangle; policy accept;", mangle) }
        s += chain("forwarding", "type filter hook forward priority filter; policy \(policy);", forward)
        s += extraChains
        s += "}\n"
        return s
    }
}

/// Packets of the NAT scenarios: A's hosts are 10.88.1.x / fd88:1::x, B's 10.88.2.x /
/// fd88:2::x (see diff-topology.sh); answers from B are built from what the router
/// forwarded (`Reply`).
enum P {
    static let a = IPAddress("10.88.1.5")!
    static let b = IPAddress("10.88.2.5")!
    static let a6 = IPAddress("fd88:1::5")!
    static let b6 = IPAddress("fd88:2::5")!
    static func a(_ n: UInt8) -> IPAddress { IPAddress("10.88.1.\(n)")! }
    static func b(_ n: UInt8) -> IPAddress { IPAddress("10.88.2.\(n)")! }

    static func udp(_ src: IPAddress = a, _ sport: UInt16 = 41000, _ dst: IPAddress = b, _ dport: UInt16 = 53,
                    data: Int = 20, checksum: ChecksumMode = .correct) -> [UInt8] {
        PacketBuilder.udp(from: src, sport, to: dst, dport, payload: [UInt8](repeating: 0x62, count: data), checksum: checksum)
    }

    static func tcp(_ src: IPAddress, _ sport: UInt16, _ dst: IPAddress, _ dport: UInt16,
                    _ flags: TCPFlags, _ seq: UInt32, ack: UInt32 = 0, data: Int = 0) -> [UInt8] {
        PacketBuilder.tcp(from: src, sport, to: dst, dport, seq: seq, ack: ack, flags: flags,
                          payload: [UInt8](repeating: 0x61, count: data))
    }

    /// A segment from 10.88.1.5:40000 to 10.88.2.5:80.
    static func tcp(_ flags: TCPFlags, _ seq: UInt32, ack: UInt32 = 0, data: Int = 0) -> [UInt8] {
        tcp(a, 40000, b, 80, flags, seq, ack: ack, data: data)
    }

    static func echo(_ src: IPAddress = a, _ dst: IPAddress = b, id: UInt16 = 0x4242, seq: UInt16 = 1) -> [UInt8] {
        PacketBuilder.icmp(from: src, to: dst, type: src.family == .ipv4 ? 8 : 128, id: id, sequence: seq,
                           payload: [UInt8](repeating: 7, count: 32))
    }

    /// `packet` sent from A as fragments of at most `size` payload bytes.
    static func fragmentsFromA(_ packet: [UInt8], size: Int = 800) -> [NATStep] {
        PacketBuilder.fragment(packet, payloadSize: size).map { .a($0) }
    }

    /// A whole TCP connection from A (`src:sport` -> `dst:dport`) through the router,
    /// B answering wherever the router sent the SYN: handshake, 100 bytes each way,
    /// FIN from A, FIN/ACK from B, last ACK (TIME_WAIT). `first` is the index of the SYN
    /// in the scenario.
    static func tcpConversation(_ src: IPAddress = a, _ sport: UInt16 = 40000, _ dst: IPAddress = b,
                                _ dport: UInt16 = 80, first: Int = 0) -> [NATStep] {
        let syn = first
        return [
            .a(tcp(src, sport, dst, dport, .syn, 1000)),
            .b(Reply.tcp(syn, .synAck, 5000, ack: 1001)),
            .a(tcp(src, sport, dst, dport, .ack, 1001, ack: 5001)),
            .a(tcp(src, sport, dst, dport, .pshAck, 1001, ack: 5001, data: 100)),
            .b(Reply.tcp(syn, .pshAck, 5001, ack: 1101, data: 100)),
            .a(tcp(src, sport, dst, dport, .ack, 1101, ack: 5101)),
            .a(tcp(src, sport, dst, dport, .finAck, 1101, ack: 5101)),
            .b(Reply.tcp(syn, .finAck, 5101, ack: 1102)),
            .a(tcp(src, sport, dst, dport, .ack, 1102, ack: 5102)),
        ]
    }

    /// SCTP association from A through the router: INIT, INIT_ACK, COOKIE_ECHO,
    /// COOKIE_ACK, DATA, SACK.
    static func sctpAssociation(_ src: IPAddress = a, _ dst: IPAddress = b, dport: UInt16 = 5002) -> [NATStep] {
        func fromA(_ vtag: UInt32, _ c: [SCTPChunk]) -> [UInt8] {
            PacketBuilder.sctp(from: src, 5001, to: dst, dport, vtag: vtag, chunks: c)
        }
        return [
            .a(fromA(0, [.initChunk(initiateTag: 0x1111)])),
            .b(Reply.sctp(0, vtag: 0x1111, [.initAck(initiateTag: 0x2222)])),
            .a(fromA(0x2222, [.cookieEcho()])),
            .b(Reply.sctp(0, vtag: 0x1111, [.cookieAck])),
            .a(fromA(0x2222, [.data(tsn: 1)])),
            .b(Reply.sctp(0, vtag: 0x1111, [.sack(cumulativeTSN: 1)])),
        ]
    }
}
