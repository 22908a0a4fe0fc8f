import PacketBuilder

/// NAT scenarios (reference section 9). Each: a ruleset (see `Rules`), packets, and what
/// the reference predicts: the kernel's entries (`natSummary`), which packets it
/// forwards (`path`), and where it may pick random ports (`random`).
enum NATScenarios {
    static let out = "oifname \"rb\""

    static let snat: [NATScenario] = [
        NATScenario("snat.single_address", Rules.nat(post: ["\(out) counter snat to 10.88.2.200"]),
                    expect: ["udp snat"], path: ">>>>",
                    [.a(P.udp()), .b(Reply.udp(0)), .a(P.udp()), .b(Reply.udp(0))]),
        // The address is jhash(source, seeded with the destination) spread over the range.
        NATScenario("snat.address_range", Rules.nat(post: ["\(out) snat to 10.88.2.200-10.88.2.231"]),
                    expect: ["udp snat", "udp unreplied snat", "udp unreplied snat", "udp unreplied snat"], path: ">>>>>",
                    [.a(P.udp(P.a(5))), .a(P.udp(P.a(6))), .a(P.udp(P.a(7))), .a(P.udp(P.a(8))), .b(Reply.udp(2))]),
        // persistent: the hash ignores the destination: one client, one address.
        NATScenario("snat.address_range_persistent",
                    Rules.nat(post: ["\(out) snat to 10.88.2.200-10.88.2.231 persistent"]),
                    expect: ["udp unreplied snat", "udp unreplied snat", "udp unreplied snat"], path: ">>>",
                    [.a(P.udp(P.a, 41000, P.b(5))), .a(P.udp(P.a, 41000, P.b(6))), .a(P.udp(P.a, 41000, P.b(7)))]),
        NATScenario("snat.address_range_not_persistent",
                    Rules.nat(post: ["\(out) snat to 10.88.2.200-10.88.2.231"]),
                    expect: ["udp unreplied snat", "udp unreplied snat", "udp unreplied snat"], path: ">>>",
                    [.a(P.udp(P.a, 41000, P.b(5))), .a(P.udp(P.a, 41000, P.b(6))), .a(P.udp(P.a, 41000, P.b(7)))]),
        // A source port inside the range is kept; one outside gets a random one in it.
        NATScenario("snat.port_in_range_kept", Rules.nat(post: ["\(out) meta l4proto udp snat to 10.88.2.200:40000-42000"]),
                    expect: ["udp snat"], path: ">>", [.a(P.udp()), .b(Reply.udp(0))]),
        NATScenario("snat.port_range", Rules.nat(post: ["\(out) meta l4proto udp snat to 10.88.2.200:20000-20099"]),
                    expect: ["udp snat", "udp unreplied snat"], path: ">>>>", random: 20000...20099,
                    [.a(P.udp()), .b(Reply.udp(0)), .a(P.udp()), .a(P.udp(P.a, 41001))]),
        NATScenario("snat.random", Rules.nat(post: ["\(out) snat to 10.88.2.200 random"]),
                    expect: ["udp snat"], path: ">>>", random: 1024...65535,
                    [.a(P.udp()), .b(Reply.udp(0)), .a(P.udp())]),
        NATScenario("snat.fully_random", Rules.nat(post: ["\(out) snat to 10.88.2.200 fully-random"]),
                    expect: ["udp snat"], path: ">>>", random: 1024...65535,
                    [.a(P.udp()), .b(Reply.udp(0)), .a(P.udp())]),
        NATScenario("snat.tcp_conversation", Rules.nat(post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["tcp TIME_WAIT assured snat"], path: ">>>>>>>>>", P.tcpConversation()),
        // find_appropriate_src: a second flow from the same source reuses the mapping
        // the first one got (here a random port, forced by a clash).
        NATScenario("snat.consistent_source_mapping", Rules.nat(post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["udp unreplied snat", "udp unreplied snat", "udp unreplied snat"], path: ">>>",
                    random: 1024...65535,
                    [.a(P.udp(P.a(6))), .a(P.udp(P.a(5))), .a(P.udp(P.a(5), 41000, P.b, 54))]),
        NATScenario("snat.address_and_port_range",
                    Rules.nat(post: ["\(out) meta l4proto udp snat to 10.88.2.200-10.88.2.203:20000-20099"]),
                    expect: ["udp snat", "udp unreplied snat"], path: ">>>", random: 20000...20099,
                    [.a(P.udp(P.a(5))), .a(P.udp(P.a(6))), .b(Reply.udp(0))]),
        NATScenario("snat.random_persistent", Rules.nat(post: ["\(out) snat to 10.88.2.200-10.88.2.231 random,persistent"]),
                    expect: ["udp snat", "udp unreplied snat"], path: ">>>", random: 1024...65535,
                    [.a(P.udp(P.a, 41000, P.b(5))), .a(P.udp(P.a, 41000, P.b(6))), .b(Reply.udp(0))]),
        NATScenario("snat.tcp_reset", Rules.nat(post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["tcp CLOSE assured snat"], path: ">>>>",
                    [.a(P.tcp(.syn, 1000)), .b(Reply.tcp(0, .synAck, 5000, ack: 1001)), .a(P.tcp(.ack, 1001, ack: 5001)),
                     .b(Reply.tcp(0, .rst, 5001))]),
        // The zone seeds the address hash (reference 9.3: initval = dst ^ zone id).
        NATScenario("snat.address_range_in_zone", """
            \(Rules.states)table ip raw {
                chain pre {
                    type filter hook prerouting priority raw; policy accept;
                    ip saddr 10.88.1.0/24 ct zone set 9
                    ip daddr 10.88.2.192/26 ct zone set 9
                }
            }
            table ip nat {
                chain post {
                    type nat hook postrouting priority srcnat; policy accept;
                    \(out) snat to 10.88.2.200-10.88.2.231
                }
            }
            """, expect: ["udp snat", "udp unreplied snat", "udp unreplied snat"], path: ">>>>",
                    [.a(P.udp(P.a(5))), .a(P.udp(P.a(6))), .a(P.udp(P.a(7))), .b(Reply.udp(0))]),
        // An INVALID packet has no connection: it leaves untranslated.
        NATScenario("snat.invalid_packet_not_translated", Rules.nat(post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["tcp ESTABLISHED assured snat"], path: ">>>>",
                    [.a(P.tcp(.syn, 1000)), .b(Reply.tcp(0, .synAck, 5000, ack: 1001)), .a(P.tcp(.ack, 1001, ack: 5001)),
                     .a(P.tcp(.pshAck, 900_000_000, ack: 5001, data: 10))]),
        // Two NAT chains on one hook: the first that binds wins; a drop in a NAT chain drops.
        NATScenario("snat.two_chains_first_binds", """
            \(Rules.states)table ip nat {
                chain first {
                    type nat hook postrouting priority srcnat; policy accept;
                    udp dport 54 counter drop
                    udp dport 53 counter snat to 10.88.2.200
                    counter
                }
                chain second {
                    type nat hook postrouting priority 110; policy accept;
                    counter snat to 10.88.2.201
                }
            }
            """, expect: ["udp snat", "tcp SYN_SENT unreplied snat"], path: ">x>>",
                    [.a(P.udp()), .a(P.udp(P.a, 41000, P.b, 54)), .a(P.tcp(.syn, 1000)), .b(Reply.udp(0))]),
        // A rule that does not match: the null binding keeps the tuple.
        NATScenario("snat.rule_not_matching", Rules.nat(post: ["ip saddr 10.88.1.99 \(out) snat to 10.88.2.200"]),
                    expect: ["udp"], path: ">>", [.a(P.udp()), .b(Reply.udp(0))]),
        NATScenario("snat.generic_protocol", Rules.nat(post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["unknown snat"], path: ">>",
                    [.a(PacketBuilder.generic(from: P.a, to: P.b, protocol: 253)),
                     .b({ v in let p = try v.view(0)
                          return PacketBuilder.generic(from: p.destination, to: p.source, protocol: 253) })]),
    ]

    static let dnat: [NATScenario] = [
        NATScenario("dnat.address", Rules.nat(pre: ["ip daddr 10.88.2.100 counter dnat to 10.88.2.5"]),
                    expect: ["udp dnat"], path: ">>>",
                    [.a(P.udp(P.a, 41000, P.b(100))), .b(Reply.udp(0)), .a(P.udp(P.a, 41000, P.b(100)))]),
        NATScenario("dnat.address_port", Rules.nat(pre: ["ip daddr 10.88.2.100 udp dport 53 dnat to 10.88.2.5:5353"]),
                    expect: ["udp dnat"], path: ">>", [.a(P.udp(P.a, 41000, P.b(100))), .b(Reply.udp(0))]),
        // DST manip starts the port search at the range's minimum: three flows, one port.
        NATScenario("dnat.port_range_first_port", Rules.nat(pre: ["ip daddr 10.88.2.100 meta l4proto udp dnat to 10.88.2.5:6300-6301"]),
                    expect: ["udp unreplied dnat", "udp unreplied dnat", "udp unreplied dnat"], path: ">>>",
                    [.a(P.udp(P.a, 41000, P.b(100), 6200)), .a(P.udp(P.a, 41001, P.b(100), 6200)),
                     .a(P.udp(P.a, 41002, P.b(100), 6200))]),
        NATScenario("dnat.tcp_conversation", Rules.nat(pre: ["ip daddr 10.88.2.100 tcp dport 80 dnat to 10.88.2.5:8080"]),
                    expect: ["tcp TIME_WAIT assured dnat"], path: ">>>>>>>>>",
                    P.tcpConversation(P.a, 40000, P.b(100), 80)),
        NATScenario("dnat.and_snat", Rules.nat(pre: ["ip daddr 10.88.2.100 dnat to 10.88.2.5"],
                                               post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["udp snat dnat"], path: ">>>",
                    [.a(P.udp(P.a, 41000, P.b(100))), .b(Reply.udp(0)), .a(P.udp(P.a, 41000, P.b(100)))]),
        // Hairpin: DNAT back to a host behind the input interface, masqueraded so that it
        // answers through R.
        NATScenario("dnat.hairpin", Rules.nat(pre: ["ip daddr 10.88.2.100 dnat to 10.88.1.6"],
                                              post: ["ip saddr 10.88.1.0/24 ip daddr 10.88.1.0/24 oifname \"ra\" masquerade"]),
                    expect: ["udp snat dnat"], path: ">>>",
                    [.a(P.udp(P.a, 41000, P.b(100))), .a(Reply.udp(0)), .a(P.udp(P.a, 41000, P.b(100)))]),
        // Only new connections are NATed: an entry made before the rule applies keeps its tuple.
        NATScenario("dnat.only_matching_port", Rules.nat(pre: ["ip daddr 10.88.2.100 udp dport 53 dnat to 10.88.2.5"]),
                    expect: ["udp dnat", "udp unreplied"], path: ">>>",
                    [.a(P.udp(P.a, 41000, P.b(100))), .b(Reply.udp(0)), .a(P.udp(P.a, 41000, P.b(100), 54))]),
    ]

    static let masquerade: [NATScenario] = [
        NATScenario("masq.udp", Rules.nat(post: ["\(out) counter masquerade"]),
                    expect: ["udp snat"], path: ">>>", [.a(P.udp()), .b(Reply.udp(0)), .a(P.udp())]),
        NATScenario("masq.tcp_conversation", Rules.nat(post: ["\(out) masquerade"]),
                    expect: ["tcp TIME_WAIT assured snat"], path: ">>>>>>>>>", P.tcpConversation()),
        NATScenario("masq.to_ports", Rules.nat(post: ["\(out) meta l4proto udp masquerade to :30000-30099"]),
                    expect: ["udp snat"], path: ">>", random: 30000...30099, [.a(P.udp()), .b(Reply.udp(0))]),
        NATScenario("masq.random", Rules.nat(post: ["\(out) masquerade random"]),
                    expect: ["udp snat"], path: ">>", random: 1024...65535, [.a(P.udp()), .b(Reply.udp(0))]),
        NATScenario("masq.fully_random", Rules.nat(post: ["\(out) masquerade fully-random"]),
                    expect: ["udp snat"], path: ">>", random: 1024...65535, [.a(P.udp()), .b(Reply.udp(0))]),
        // Not masqueraded: leaving through ra (B -> A).
        NATScenario("masq.other_interface", Rules.nat(post: ["\(out) masquerade"]),
                    expect: ["udp"], path: ">>", [.b(P.udp(P.b, 41000, P.a, 53)), .a(Reply.udp(0))]),
    ]

    static let redirect: [NATScenario] = [
        // Redirect: DNAT to the input interface's primary address; R delivers the
        // datagram to its own socket (nothing leaves).
        NATScenario("redirect.udp", Rules.nat(pre: ["udp dport 53 counter redirect to :5353"]),
                    expect: ["udp unreplied dnat"], path: "xx", listenUDP: [5353],
                    [.a(P.udp(P.a, 41000, P.b(100))), .a(P.udp(P.a, 41000, P.b(100)))]),
        // SNAT at LOCAL_IN for a delivered packet: both manips on one entry.
        NATScenario("redirect.with_input_snat", """
            \(Rules.states)table ip nat {
                chain pre {
                    type nat hook prerouting priority dstnat; policy accept;
                    udp dport 53 redirect to :5353
                }
                chain localin {
                    type nat hook input priority 100; policy accept;
                    counter snat to 10.77.1.99
                }
            }
            """, expect: ["udp unreplied snat dnat"], path: "x", listenUDP: [5353], [.a(P.udp(P.a, 41000, P.b(100)))]),
        NATScenario("redirect.without_port", Rules.nat(pre: ["udp dport 5353 redirect"]),
                    expect: ["udp unreplied dnat"], path: "x", listenUDP: [5353],
                    [.a(P.udp(P.a, 41000, P.b(100), 5353))]),
    ]

    static let clashes: [NATScenario] = [
        // Two clients with the same source port behind one address: the second one's
        // port is searched within its class (reference 9.3: <512, 512-1023, >=1024).
        NATScenario("clash.port_class_below_512", Rules.nat(post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["udp snat", "udp snat"], path: ">>>>", random: 1...511,
                    [.a(P.udp(P.a(5), 80)), .a(P.udp(P.a(6), 80)), .b(Reply.udp(0)), .b(Reply.udp(1))]),
        NATScenario("clash.port_class_512_1023", Rules.nat(post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["udp snat", "udp snat"], path: ">>>>", random: 600...1023,
                    [.a(P.udp(P.a(5), 700)), .a(P.udp(P.a(6), 700)), .b(Reply.udp(0)), .b(Reply.udp(1))]),
        NATScenario("clash.port_class_above_1023", Rules.nat(post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["udp snat", "udp snat"], path: ">>>>", random: 1024...65535,
                    [.a(P.udp(P.a(5), 44002)), .a(P.udp(P.a(6), 44002)), .b(Reply.udp(0)), .b(Reply.udp(1))]),
        NATScenario("clash.tcp_port", Rules.nat(post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["tcp SYN_RECV snat", "tcp SYN_RECV snat"], path: ">>>>", random: 1024...65535,
                    [.a(P.tcp(P.a(5), 40000, P.b, 80, .syn, 1000)), .a(P.tcp(P.a(6), 40000, P.b, 80, .syn, 1000)),
                     .b(Reply.tcp(0, .synAck, 5000, ack: 1001)), .b(Reply.tcp(1, .synAck, 7000, ack: 1001))]),
        // Reference 9.1 (live): a B->A flow whose reply tuple would be an existing
        // SNATed A->B flow's original tuple gets its source port moved by the null binding.
        NATScenario("clash.null_binding", Rules.nat(post: ["ip saddr 10.88.1.0/24 \(out) snat to 10.88.2.200"]),
                    expect: ["udp unreplied snat", "udp snat"], path: ">>>", random: 1...511,
                    [.a(P.udp(P.a, 41000, P.b, 53)), .b(P.udp(P.b, 53, P.a, 41000)), .a(Reply.udp(1))]),
        // A single port: no search, both get it; the second entry clashes at confirmation.
        NATScenario("clash.single_port", Rules.nat(post: ["\(out) meta l4proto udp snat to 10.88.2.200:20000"]),
                    expect: ["udp unreplied snat"], path: ">x", [.a(P.udp(P.a(5), 41000)), .a(P.udp(P.a(6), 41000))]),
        // Every port of the range taken: the search gives up and the entry clashes at confirmation.
        NATScenario("clash.port_range_exhausted", Rules.nat(post: ["\(out) meta l4proto udp snat to 10.88.2.200:20000-20001"]),
                    expect: ["udp unreplied snat", "udp unreplied snat"], path: ">>x", random: 20000...20001,
                    [.a(P.udp(P.a(5))), .a(P.udp(P.a(6))), .a(P.udp(P.a(7)))]),
        NATScenario("clash.icmp_id", Rules.nat(post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["icmp snat", "icmp snat"], path: ">>>>", random: 0...65535,
                    [.a(P.echo(P.a(5))), .a(P.echo(P.a(6))), .b(Reply.echo(0)), .b(Reply.echo(1))]),
    ]

    static let icmp: [NATScenario] = [
        NATScenario("icmp.echo_snat", Rules.nat(post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["icmp snat"], path: ">>>>",
                    [.a(P.echo()), .b(Reply.echo(0)), .a(P.echo(seq: 2)), .b(Reply.echo(2, seq: 2))]),
        NATScenario("icmp.port_unreachable_snat", Rules.nat(post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["udp unreplied snat"], path: ">>", [.a(P.udp()), .b(Reply.error(0))]),
        NATScenario("icmp.time_exceeded_snat", Rules.nat(post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["udp unreplied snat"], path: ">>",
                    [.a(P.udp()), .b(Reply.error(0, from: P.b(77), type: 11, code: 0))]),
        NATScenario("icmp.host_unreachable_tcp_snat", Rules.nat(post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["tcp SYN_SENT unreplied snat"], path: ">>",
                    [.a(P.tcp(.syn, 1000)), .b(Reply.error(0, type: 3, code: 1))]),
        NATScenario("icmp.port_unreachable_dnat", Rules.nat(pre: ["ip daddr 10.88.2.100 meta l4proto udp dnat to 10.88.2.5:5353"]),
                    expect: ["udp unreplied dnat"], path: ">>", [.a(P.udp(P.a, 41000, P.b(100))), .b(Reply.error(0))]),
        NATScenario("icmp.time_exceeded_dnat", Rules.nat(pre: ["ip daddr 10.88.2.100 dnat to 10.88.2.5"]),
                    expect: ["udp unreplied dnat"], path: ">>",
                    [.a(P.udp(P.a, 41000, P.b(100))), .b(Reply.error(0, from: P.b(77), type: 11, code: 0))]),
        // Reference 9.4 (live): B's port unreachable for a masqueraded flow.
        NATScenario("icmp.port_unreachable_masquerade", Rules.nat(post: ["\(out) masquerade"]),
                    expect: ["udp unreplied snat"], path: ">>", [.a(P.udp()), .b(Reply.error(0))]),
        // An error from A about B's answer (original direction) through DNAT + SNAT.
        NATScenario("icmp.error_original_direction", Rules.nat(pre: ["ip daddr 10.88.2.100 meta l4proto udp dnat to 10.88.2.5:5353"],
                                                               post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["udp snat dnat"], path: ">>>", [.a(P.udp(P.a, 41000, P.b(100))), .b(Reply.udp(0)), .a(Reply.error(1))]),
        NATScenario("icmp.full_quote_udp_snat", Rules.nat(post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["udp unreplied snat"], path: ">>", [.a(P.udp()), .b(Reply.error(0, whole: true))]),
        NATScenario("icmp.echo_dnat", Rules.nat(pre: ["ip daddr 10.88.2.100 dnat to 10.88.2.5"]),
                    expect: ["icmp dnat"], path: ">>", [.a(P.echo(P.a, P.b(100))), .b(Reply.echo(0))]),
        // B's error about its own answer (reply direction) through DNAT + SNAT.
        NATScenario("icmp.error_reply_direction_dnat_snat",
                    Rules.nat(pre: ["ip daddr 10.88.2.100 meta l4proto udp dnat to 10.88.2.5:5353"],
                              post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["udp snat dnat"], path: ">>>>",
                    [.a(P.udp(P.a, 41000, P.b(100))), .b(Reply.udp(0)), .a(P.udp(P.a, 41000, P.b(100))),
                     .b(Reply.error(2, whole: true))]),
        NATScenario("icmp.echo_random_id", Rules.nat(post: ["\(out) snat to 10.88.2.200 random"]),
                    expect: ["icmp snat"], path: ">>", random: 0...65535, [.a(P.echo()), .b(Reply.echo(0))]),
    ]

    static let protocols: [NATScenario] = [
        NATScenario("proto.sctp_snat", Rules.nat(post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["sctp ESTABLISHED assured snat"], path: ">>>>>>", P.sctpAssociation()),
        NATScenario("proto.sctp_dnat_port", Rules.nat(pre: ["ip daddr 10.88.2.100 sctp dport 5002 dnat to 10.88.2.5:6002"]),
                    expect: ["sctp ESTABLISHED assured dnat"], path: ">>>>>>", P.sctpAssociation(P.a, P.b(100))),
        NATScenario("proto.sctp_port_range", Rules.nat(post: ["\(out) meta l4proto sctp snat to 10.88.2.200:30000-30099"]),
                    expect: ["sctp ESTABLISHED assured snat"], path: ">>>>>>", random: 30000...30099, P.sctpAssociation()),
        NATScenario("proto.udplite_snat", Rules.nat(post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["udplite snat"], path: ">>",
                    [.a(PacketBuilder.udplite(from: P.a, 42000, to: P.b, 5000, payload: [UInt8](repeating: 1, count: 24))),
                     .b(Reply.udplite(0))]),
        NATScenario("proto.udp_zero_checksum_snat", Rules.nat(post: ["\(out) meta l4proto udp snat to 10.88.2.200:20000-20099"]),
                    expect: ["udp snat"], path: ">>", random: 20000...20099,
                    [.a(P.udp(checksum: .zero)), .b(Reply.udp(0))]),
    ]

    static let ipv6: [NATScenario] = [
        NATScenario("ipv6.snat_udp", Rules.nat("inet", post: ["\(out) snat ip6 to fd88:2::200"]),
                    expect: ["udp snat"], path: ">>>", [.a(P.udp(P.a6, 41000, P.b6)), .b(Reply.udp(0)), .a(P.udp(P.a6, 41000, P.b6))]),
        NATScenario("ipv6.snat_address_range", Rules.nat("ip6", post: ["\(out) snat to fd88:2::200-fd88:2::2ff"]),
                    expect: ["udp unreplied snat", "udp unreplied snat", "udp unreplied snat"], path: ">>>",
                    [.a(P.udp(IPAddress("fd88:1::5")!, 41000, P.b6)), .a(P.udp(IPAddress("fd88:1::6")!, 41000, P.b6)),
                     .a(P.udp(IPAddress("fd88:1::7")!, 41000, P.b6))]),
        NATScenario("ipv6.dnat_tcp", Rules.nat("ip6", pre: ["ip6 daddr fd88:2::100 tcp dport 80 dnat to [fd88:2::5]:8080"]),
                    expect: ["tcp TIME_WAIT assured dnat"], path: ">>>>>>>>>",
                    P.tcpConversation(P.a6, 40000, IPAddress("fd88:2::100")!, 80)),
        NATScenario("ipv6.masquerade", Rules.nat("inet", post: ["\(out) masquerade"]),
                    expect: ["udp snat"], path: ">>", [.a(P.udp(P.a6, 41000, P.b6)), .b(Reply.udp(0))]),
        // Masquerade takes the source address the kernel would pick for the destination
        // (ipv6_dev_get_saddr: longest matching prefix), not the interface's first one.
        NATScenario("ipv6.masquerade_source_selection", Rules.nat("inet", post: ["\(out) masquerade"]),
                    expect: ["udp snat"], path: ">>",
                    setup: [["ip", "-6", "addr", "add", "fc00::1/64", "dev", "rb", "nodad"]],
                    teardown: [["ip", "-6", "addr", "del", "fc00::1/64", "dev", "rb"]],
                    [.a(P.udp(P.a6, 41000, P.b6)), .b(Reply.udp(0))]),
        NATScenario("ipv6.redirect_source_selection", Rules.nat("ip6", pre: ["udp dport 53 redirect to :5353"]),
                    expect: ["udp unreplied dnat"], path: "x", listenUDP: [5353],
                    setup: [["ip", "-6", "addr", "add", "fc00:1::1/64", "dev", "ra", "nodad"]],
                    teardown: [["ip", "-6", "addr", "del", "fc00:1::1/64", "dev", "ra"]],
                    [.a(P.udp(P.a6, 41000, IPAddress("fd88:2::100")!))]),
        NATScenario("ipv6.echo_snat", Rules.nat("ip6", post: ["\(out) snat to fd88:2::200"]),
                    expect: ["icmpv6 snat"], path: ">>", [.a(P.echo(P.a6, P.b6)), .b(Reply.echo(0))]),
        NATScenario("ipv6.port_unreachable_snat", Rules.nat("ip6", post: ["\(out) snat to fd88:2::200"]),
                    expect: ["udp unreplied snat"], path: ">>", [.a(P.udp(P.a6, 41000, P.b6)), .b(Reply.error(0))]),
        NATScenario("ipv6.redirect_udp", Rules.nat("ip6", pre: ["udp dport 53 redirect to :5353"]),
                    expect: ["udp unreplied dnat"], path: "x", listenUDP: [5353],
                    [.a(P.udp(P.a6, 41000, IPAddress("fd88:2::100")!))]),
        NATScenario("ipv6.tcp_error_full_quote_snat", Rules.nat("ip6", post: ["\(out) snat to fd88:2::200"]),
                    expect: ["tcp SYN_SENT unreplied snat"], path: ">>",
                    [.a(P.tcp(P.a6, 40000, P.b6, 80, .syn, 1000)), .b(Reply.error(0, type: 1, code: 1))]),
        NATScenario("ipv6.port_unreachable_dnat", Rules.nat("ip6", pre: ["ip6 daddr fd88:2::100 dnat to fd88:2::5"]),
                    expect: ["udp unreplied dnat"], path: ">>",
                    [.a(P.udp(P.a6, 41000, IPAddress("fd88:2::100")!)), .b(Reply.error(0))]),
        NATScenario("ipv6.clash_port_class", Rules.nat("ip6", post: ["\(out) snat to fd88:2::200"]),
                    expect: ["udp snat", "udp snat"], path: ">>>>", random: 1024...65535,
                    [.a(P.udp(IPAddress("fd88:1::5")!, 44002, P.b6)), .a(P.udp(IPAddress("fd88:1::6")!, 44002, P.b6)),
                     .b(Reply.udp(0)), .b(Reply.udp(1))]),
    ]

    static let bigUDP = PacketBuilder.udp(from: P.a, 41000, to: P.b, 53, payload: [UInt8](repeating: 3, count: 2000),
                                          ip: { var o = IPOptions(); o.identification = 0x5151; return o }())
    static let bigUDPToVIP = PacketBuilder.udp(from: P.a, 41000, to: P.b(100), 53, payload: [UInt8](repeating: 3, count: 2000),
                                               ip: { var o = IPOptions(); o.identification = 0x5152; return o }())
    static let bigUDP6 = PacketBuilder.udp(from: P.a6, 41000, to: P.b6, 53, payload: [UInt8](repeating: 3, count: 2000))

    /// Fragmented datagrams: R reassembles before anything else, NATs the datagram and
    /// sends it on split along the original fragments (`ip_do_fragment`'s fast path).
    static let fragments: [NATScenario] = [
        NATScenario("frag.snat_udp", Rules.nat(post: ["\(out) snat to 10.88.2.200"]),
                    expect: ["udp snat"], path: "xx>>", P.fragmentsFromA(bigUDP) + [.b(Reply.udp(2))]),
        NATScenario("frag.dnat_port_rule", Rules.nat(pre: ["ip daddr 10.88.2.100 udp dport 53 dnat to 10.88.2.5:5353"]),
                    expect: ["udp dnat"], path: "xx>>", P.fragmentsFromA(bigUDPToVIP) + [.b(Reply.udp(2))]),
        NATScenario("frag.filter_port_accept",
                    Rules.filter(forward: ["udp dport 53 counter accept", "counter"], policy: "drop"),
                    expect: ["udp unreplied"], path: "xx>", P.fragmentsFromA(bigUDP)),
        NATScenario("frag.snat_udp_v6", Rules.nat("ip6", post: ["\(out) snat to fd88:2::200"]),
                    expect: ["udp snat"], path: "xx>>", P.fragmentsFromA(bigUDP6) + [.b(Reply.udp(2))]),
    ]

    static let all = fragments + snat + dnat + masquerade + redirect + clashes + icmp + protocols + ipv6
}
