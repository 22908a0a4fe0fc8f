import PacketBuilder

/// Packets R sends itself (`NATStep.r`: a raw socket in R; they start at the output hook
/// and go through OUTPUT and POSTROUTING, the engine gets them with no input interface).
/// Answers to R are delivered locally: UDP ones to a socket R holds open (no port
/// unreachable), TCP ones dropped in R's input chain after conntrack saw them (else R's TCP
/// stack, which knows nothing of the raw socket's connection, would answer with a reset).
enum LocalScenarios {
    static let out = "oifname \"rb\""
    /// R's own addresses on ra and rb.
    static let ra = IPAddress("10.77.1.1")!
    static let rb = IPAddress("10.77.2.1")!
    static let ra6 = IPAddress("fd77:1::1")!
    static let rb6 = IPAddress("fd77:2::1")!

    /// A TCP segment from R (`src`:40000) to B's 10.88.2.5:80.
    static func tcp(_ src: IPAddress, _ flags: TCPFlags, _ seq: UInt32, ack: UInt32 = 0, data: Int = 0) -> NATStep {
        .r(P.tcp(src, 40000, P.b, 80, flags, seq, ack: ack, data: data))
    }

    /// A TCP connection R opens to B (from ra's address, so masquerade has something to
    /// change): handshake, 100 bytes each way, FIN from R, FIN/ACK from B, last ACK.
    static func tcpConversation(_ src: IPAddress) -> [NATStep] {
        [
            tcp(src, .syn, 1000),
            .b(Reply.tcp(0, .synAck, 5000, ack: 1001)),
            tcp(src, .ack, 1001, ack: 5001),
            tcp(src, .pshAck, 1001, ack: 5001, data: 100),
            .b(Reply.tcp(0, .pshAck, 5001, ack: 1101, data: 100)),
            tcp(src, .ack, 1101, ack: 5101),
            tcp(src, .finAck, 1101, ack: 5101),
            .b(Reply.tcp(0, .finAck, 5101, ack: 1102)),
            tcp(src, .ack, 1102, ack: 5102),
        ]
    }

    /// Output-hook chains: a NAT chain (DNAT) and filter chains before and after it, so the
    /// counters show which output interface each saw.
    static func outputNAT(_ family: String = "ip", dnat: [String], raw: [String], filter: [String],
                          post: [String] = []) -> String {
        var s = Rules.states + "table \(family) nat {\n"
        s += Rules.chain("out", "type nat hook output priority -100; policy accept;", dnat)
        s += Rules.chain("post", "type nat hook postrouting priority srcnat; policy accept;", post)
        s += "}\ntable inet filter {\n"
        s += Rules.chain("early", "type filter hook output priority raw; policy accept;", raw)
        s += Rules.chain("late", "type filter hook output priority filter; policy accept;", filter)
        s += "}\n"
        return s
    }

    static let all: [NATScenario] = [
        // Tracking only: the output hook creates the entry, B's answer is delivered to R.
        NATScenario("local.udp_tracked", Rules.states + """
            table inet filter {
                chain sending {
                    type filter hook output priority filter; policy accept;
                    ip daddr 10.88.0.0/16 ct state new \(out) counter
                    ip daddr 10.88.0.0/16 counter
                }
                chain incoming {
                    type filter hook input priority filter; policy accept;
                    ip saddr 10.88.0.0/16 ct state established counter
                }
            }
            """, expect: ["udp"], path: ">x>", listenUDP: [41000],
                    [.r(P.udp(rb, 41000, P.b)), .b(Reply.udp(0)), .r(P.udp(rb, 41000, P.b))]),
        // Masquerade of R's own datagram sent from ra's address out of rb: rb's address.
        NATScenario("local.udp_masquerade", Rules.nat(post: ["\(out) counter masquerade"]),
                    expect: ["udp snat"], path: ">x>", listenUDP: [41000],
                    [.r(P.udp(ra, 41000, P.b)), .b(Reply.udp(0)), .r(P.udp(ra, 41000, P.b))]),
        NATScenario("local.tcp_masquerade", Rules.nat(post: ["\(out) masquerade"], input: ["tcp sport 80 counter drop"]),
                    expect: ["tcp TIME_WAIT assured snat"], path: ">x>>x>>x>", tcpConversation(ra)),
        NATScenario("local.echo_masquerade", Rules.nat(post: ["\(out) masquerade"]),
                    expect: ["icmp snat"], path: ">x", [.r(P.echo(ra, P.b)), .b(Reply.echo(0))]),
        NATScenario("local.ipv6_udp_masquerade", Rules.nat("ip6", post: ["\(out) masquerade"]),
                    expect: ["udp snat"], path: ">x", listenUDP: [41000],
                    [.r(P.udp(ra6, 41000, P.b6)), .b(Reply.udp(0))]),
        // DNAT in the output hook: the datagram for 10.88.2.100 (routed out of rb) goes to
        // A's 10.88.1.7:5353 instead, so R routes it again (ip_route_me_harder) and it leaves
        // through ra. Every output chain, before and after NAT, still sees rb (the hook's
        // output device is the first route's); postrouting sees ra.
        NATScenario("local.output_dnat_reroutes",
                    outputNAT(dnat: ["ip daddr 10.88.2.100 udp dport 53 counter dnat to 10.88.1.7:5353"],
                              raw: ["meta l4proto udp \(out) counter", "meta l4proto udp oifname \"ra\" counter"],
                              filter: ["meta l4proto udp \(out) counter", "meta l4proto udp oifname \"ra\" counter"],
                              post: ["meta l4proto udp oifname \"ra\" counter"]),
                    expect: ["udp dnat"], path: ">x>", listenUDP: [41000],
                    [.r(P.udp(rb, 41000, P.b(100))), .a(Reply.udp(0)), .r(P.udp(rb, 41000, P.b(100)))]),
        // Output DNAT and masquerade on the new output interface: both manips on R's packet.
        NATScenario("local.output_dnat_and_masquerade",
                    outputNAT(dnat: ["ip daddr 10.88.2.100 dnat to 10.88.1.7"], raw: [], filter: [],
                              post: ["oifname \"ra\" counter masquerade"]),
                    expect: ["udp snat dnat"], path: ">x", listenUDP: [41000],
                    [.r(P.udp(rb, 41000, P.b(100))), .a(Reply.udp(0))]),
        NATScenario("local.ipv6_output_dnat",
                    outputNAT("ip6", dnat: ["ip6 daddr fd88:2::100 udp dport 53 counter dnat to [fd88:1::7]:5353"],
                              raw: ["meta l4proto udp \(out) counter"], filter: ["meta l4proto udp oifname \"ra\" counter"],
                              post: ["meta l4proto udp oifname \"ra\" counter"]),
                    expect: ["udp dnat"], path: ">x", listenUDP: [41000],
                    [.r(P.udp(rb6, 41000, IPAddress("fd88:2::100")!)), .a(Reply.udp(0))]),
        // Output redirect: R's datagram for B's port 53 goes to 127.0.0.1:5353 instead, out
        // of and back in through lo (nothing leaves R). Postrouting binds the source manip
        // (lo), so the input hook's NAT chain is never asked; the reception runs the
        // prerouting and input filter chains on the entry the packet already has.
        NATScenario("local.output_redirect", Rules.states + """
            table ip nat {
                chain out {
                    type nat hook output priority -100; policy accept;
                    udp dport 53 counter redirect to :5353
                }
                chain post {
                    type nat hook postrouting priority srcnat; policy accept;
                    oifname "lo" udp dport 5353 counter
                }
                chain localin {
                    type nat hook input priority 100; policy accept;
                    udp dport 5353 counter
                }
            }
            table inet filter {
                chain sending {
                    type filter hook output priority filter; policy accept;
                    meta l4proto udp \(out) counter
                    meta l4proto udp oifname "lo" counter
                }
                chain receiving {
                    type filter hook prerouting priority filter; policy accept;
                    iifname "lo" udp dport 5353 ct state new counter
                    iifname "lo" udp dport 5353 ct state established counter
                }
                chain incoming {
                    type filter hook input priority filter; policy accept;
                    iifname "lo" udp dport 5353 counter
                }
            }
            """, expect: ["udp unreplied dnat"], path: "xx", listenUDP: [5353],
                    [.r(P.udp(rb, 41000, P.b)), .r(P.udp(rb, 41000, P.b))]),
        // The same to ::1, dropped by the input chain after the way out confirmed the entry.
        NATScenario("local.ipv6_output_redirect_input_drop", Rules.states + """
            table ip6 nat {
                chain out {
                    type nat hook output priority -100; policy accept;
                    udp dport 53 counter redirect to :5353
                }
                chain post {
                    type nat hook postrouting priority srcnat; policy accept;
                }
            }
            table inet filter {
                chain incoming {
                    type filter hook input priority filter; policy accept;
                    iifname "lo" udp dport 5353 counter drop
                }
            }
            """, expect: ["udp unreplied dnat"], path: "x", listenUDP: [5353], [.r(P.udp(rb6, 41000, P.b6))]),
        // A filter on the output hook drops some of R's packets (sendto fails with EPERM):
        // their entries are never confirmed.
        NATScenario("local.output_filter_drop", Rules.states + """
            table inet filter {
                chain sending {
                    type filter hook output priority filter; policy accept;
                    ip daddr 10.88.0.0/16 udp dport 54 counter drop
                    ip daddr 10.88.0.0/16 tcp dport 80 counter drop
                    ip daddr 10.88.0.0/16 ct state new counter
                    ip daddr 10.88.0.0/16 counter
                }
            }
            """, expect: ["udp"], path: ">xxx", listenUDP: [41000],
                    [.r(P.udp(rb, 41000, P.b)), .r(P.udp(rb, 41000, P.b, 54)), .r(P.tcp(rb, 40000, P.b, 80, .syn, 1000)),
                     .b(Reply.udp(0))]),
        // A drop by the output hook's policy with a NAT table loaded.
        NATScenario("local.output_policy_drop_with_nat", Rules.nat(post: ["\(out) masquerade"]) + """
            table inet filter {
                chain sending {
                    type filter hook output priority filter; policy drop;
                    ip daddr 10.88.0.0/16 udp dport 53 counter accept
                }
            }
            """, expect: ["udp snat"], path: "x>x", listenUDP: [41000],
                    [.r(P.echo(ra, P.b)), .r(P.udp(ra, 41000, P.b)), .b(Reply.udp(1))]),
    ]
}
