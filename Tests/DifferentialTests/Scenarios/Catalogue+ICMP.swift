import PacketBuilder

/// ICMP and ICMPv6 scenarios (reference sections 1.2 and 6).
enum ICMPScenarios {
    static let h = Hosts.v4()
    static let h6 = Hosts.v6()

    static func icmpA(_ h: Hosts, type: UInt8, code: UInt8 = 0, id: UInt16 = 0x4242, seq: UInt16 = 1,
                      checksum: ChecksumMode = .correct, payload: [UInt8] = [UInt8](repeating: 7, count: 32)) -> Step {
        .a(PacketBuilder.icmp(from: h.a, to: h.b, type: type, code: code, id: id, sequence: seq, payload: payload,
                              checksum: checksum))
    }
    static func icmpB(_ h: Hosts, type: UInt8, code: UInt8 = 0, id: UInt16 = 0x4242, seq: UInt16 = 1,
                      payload: [UInt8] = [UInt8](repeating: 7, count: 32)) -> Step {
        .b(PacketBuilder.icmp(from: h.b, to: h.a, type: type, code: code, id: id, sequence: seq, payload: payload))
    }

    static let udpAB = PacketBuilder.udp(from: h.a, 43000, to: h.b, 33434, payload: [UInt8](repeating: 9, count: 16))
    static let udpBA = PacketBuilder.udp(from: h.b, 33434, to: h.a, 43000, payload: [UInt8](repeating: 8, count: 16))
    static let udpAB6 = PacketBuilder.udp(from: h6.a, 43000, to: h6.b, 33434, payload: [UInt8](repeating: 9, count: 16))
    static func udp(_ sport: UInt16) -> [UInt8] {
        PacketBuilder.udp(from: h.a, sport, to: h.b, 33434, payload: [UInt8](repeating: 9, count: 16))
    }
    static let synAB = PacketBuilder.tcp(from: h.a, 43001, to: h.b, 25, seq: 1000, flags: .syn)

    static func error(from: IPAddress, to: IPAddress, type: UInt8 = 3, code: UInt8 = 3, quoting p: [UInt8]) -> [UInt8] {
        PacketBuilder.icmpError(from: from, to: to, type: type, code: code, quoting: p)
    }

    /// Neighbor Discovery / MLD message of `type` from A's host (hop limit 255).
    static func nd(_ type: UInt8) -> Step {
        var ip = IPOptions(); ip.ttl = 255
        return .a(PacketBuilder.icmpRaw(from: h6.a, to: h6.b, type: type, code: 0, rest: [0, 0, 0, 0],
                                        payload: h6.b.bytes, ip: ip))
    }

    static let all: [Scenario] = [
        Scenario("icmp.echo", expect: ["icmp"], [icmpA(h, type: 8), icmpB(h, type: 0)]),
        Scenario("icmp.echo_unreplied", expect: ["icmp unreplied"], [icmpA(h, type: 8)]),
        Scenario("icmp.echo_repeated", expect: ["icmp"],
                 [icmpA(h, type: 8), icmpB(h, type: 0), icmpA(h, type: 8, seq: 2), icmpB(h, type: 0, seq: 2),
                  icmpB(h, type: 0, seq: 2)]),
        Scenario("icmp.reply_from_other_address", expect: ["icmp unreplied"],
                 [icmpA(h, type: 8), .b(PacketBuilder.icmp(from: IPAddress("10.88.2.9")!, to: h.a, type: 0, id: 0x4242,
                                                           sequence: 1, payload: [UInt8](repeating: 7, count: 32)))]),
        Scenario("icmp.reply_with_other_id", expect: ["icmp unreplied"], [icmpA(h, type: 8), icmpB(h, type: 0, id: 0x4343)]),
        Scenario("icmp.timestamp", expect: ["icmp"],
                 [icmpA(h, type: 13, payload: [UInt8](repeating: 0, count: 12)), icmpB(h, type: 14, payload: [UInt8](repeating: 0, count: 12))]),
        Scenario("icmp.info", expect: ["icmp"], [icmpA(h, type: 15, payload: []), icmpB(h, type: 16, payload: [])]),
        Scenario("icmp.address_mask", expect: ["icmp"],
                 [icmpA(h, type: 17, payload: [0, 0, 0, 0]), icmpB(h, type: 18, payload: [255, 255, 255, 0])]),
        Scenario("icmp.lone_replies", expect: [],
                 [icmpA(h, type: 0), icmpA(h, type: 14, id: 2), icmpA(h, type: 16, id: 3), icmpA(h, type: 18, id: 4)]),
        Scenario("icmp.uninvertible_types", expect: [],
                 [icmpA(h, type: 9, id: 1), icmpA(h, type: 10, id: 2), icmpA(h, type: 42, id: 3)]),
        Scenario("icmp.bad_checksum", expect: [], [icmpA(h, type: 8, checksum: .corrupt)]),
        Scenario("icmp.timeout_knob", knobs: [KnobSetting("icmp_timeout", 9), KnobSetting("icmpv6_timeout", 13)],
                 expect: ["icmp", "icmpv6 unreplied"], [icmpA(h, type: 8), icmpB(h, type: 0), icmpA(h6, type: 128)]),
        Scenario("icmp.two_ids", expect: ["icmp", "icmp unreplied"],
                 [icmpA(h, type: 8, id: 1), icmpA(h, type: 8, id: 2), icmpB(h, type: 0, id: 1)]),

        // Errors: RELATED to the embedded connection, no refresh, no counters.
        Scenario("icmp.error_port_unreachable_related", expect: ["udp unreplied"],
                 [.a(udpAB), .b(error(from: h.b, to: h.a, quoting: udpAB))]),
        Scenario("icmp.error_from_intermediate_router", expect: ["udp unreplied"],
                 [.a(udpAB), .b(error(from: IPAddress("10.88.2.77")!, to: h.a, type: 11, code: 0, quoting: udpAB))]),
        Scenario("icmp.error_outer_destination_mismatch", expect: ["udp unreplied"],
                 [.a(udpAB), .b(error(from: h.b, to: IPAddress("10.88.1.99")!, quoting: udpAB))]),
        Scenario("icmp.error_no_connection", expect: [], [.b(error(from: h.b, to: h.a, quoting: udpAB))]),
        Scenario("icmp.error_for_tcp_syn", expect: ["tcp SYN_SENT unreplied"],
                 [.a(synAB), .b(error(from: h.b, to: h.a, type: 3, code: 1, quoting: synAB))]),
        Scenario("icmp.error_about_reply_direction", expect: ["udp"],
                 [.a(udpAB), .b(udpBA), .a(error(from: h.a, to: h.b, quoting: udpBA))]),
        Scenario("icmp.error_bad_checksum", expect: ["udp unreplied"],
                 [.a(udpAB), .b(PacketBuilder.icmpError(from: h.b, to: h.a, type: 3, code: 3, quoting: udpAB,
                                                        checksum: .corrupt))]),
        Scenario("icmp.error_quoting_echo", expect: ["icmp unreplied"],
                 [icmpA(h, type: 8), .b(error(from: h.b, to: h.a, type: 3, code: 1,
                                               quoting: PacketBuilder.icmp(from: h.a, to: h.b, type: 8, id: 0x4242, sequence: 1,
                                                                           payload: [UInt8](repeating: 7, count: 32))))]),

        Scenario("icmp.error_types_related", expect: ["udp unreplied", "udp unreplied", "udp unreplied", "udp unreplied"], [
            .a(udp(43010)), .b(error(from: h.b, to: h.a, type: 4, code: 0, quoting: udp(43010))),
            .a(udp(43011)), .b(error(from: IPAddress("10.88.2.1")!, to: h.a, type: 5, code: 1, quoting: udp(43011))),
            .a(udp(43012)), .b(error(from: h.b, to: h.a, type: 12, code: 0, quoting: udp(43012))),
            .a(udp(43013)), .b(error(from: h.b, to: h.a, type: 11, code: 1, quoting: udp(43013))),
        ]),
        Scenario("icmp.error_truncated_quote", expect: ["udp unreplied"],
                 [.a(udpAB), .b(PacketBuilder.icmpError(from: h.b, to: h.a, type: 3, code: 3, quoting: udpAB, quoteLength: 2))]),
        Scenario("icmp.error_quoting_unknown_icmp_type", expect: [],
                 [.b(error(from: h.b, to: h.a, quoting: PacketBuilder.icmp(from: h.a, to: h.b, type: 9, id: 1)))]),

        // ICMPv6
        Scenario("icmpv6.echo", expect: ["icmpv6"], [icmpA(h6, type: 128), icmpB(h6, type: 129)]),
        Scenario("icmpv6.echo_unreplied", expect: ["icmpv6 unreplied"], [icmpA(h6, type: 128)]),
        Scenario("icmpv6.lone_reply", expect: [], [icmpA(h6, type: 129)]),
        Scenario("icmpv6.node_information", expect: ["icmpv6"],
                 [icmpA(h6, type: 139, payload: [UInt8](repeating: 0, count: 16)),
                  icmpB(h6, type: 140, payload: [UInt8](repeating: 0, count: 16))]),
        Scenario("icmpv6.unknown_info_type", expect: [], [icmpA(h6, type: 200)]),
        Scenario("icmpv6.nd_mld_untracked", expect: [], [nd(133), nd(134), nd(135), nd(136), nd(130), nd(143)]),
        Scenario("icmpv6.bad_checksum", expect: [], [icmpA(h6, type: 128, checksum: .corrupt)]),
        Scenario("icmpv6.error_related", expect: ["udp unreplied"],
                 [.a(udpAB6), .b(error(from: h6.b, to: h6.a, type: 1, code: 4, quoting: udpAB6))]),
        Scenario("icmpv6.error_outer_destination_mismatch", expect: ["udp unreplied"],
                 [.a(udpAB6), .b(error(from: h6.b, to: IPAddress("fd88:1::99")!, type: 1, code: 4, quoting: udpAB6))]),
        Scenario("icmpv6.error_no_connection", expect: [],
                 [.b(error(from: h6.b, to: h6.a, type: 1, code: 4, quoting: udpAB6))]),
        Scenario("icmpv6.time_exceeded_from_router_related", expect: ["udp unreplied"],
                 [.a(udpAB6), .b(error(from: IPAddress("fd88:2::77")!, to: h6.a, type: 3, code: 0, quoting: udpAB6))]),
        Scenario("icmpv6.redirect_not_tracked_as_error", expect: ["udp unreplied"], [
            .a(udpAB6),
            .b({ var ip = IPOptions(); ip.ttl = 255
                 return PacketBuilder.icmpRaw(from: h6.b, to: h6.a, type: 137, code: 0, rest: [0, 0, 0, 0],
                                              payload: h6.b.bytes + h6.b.bytes, ip: ip) }()),
        ]),
        Scenario("icmpv6.packet_too_big_related", expect: ["udp unreplied"],
                 [.a(udpAB6), .b(PacketBuilder.icmpError(from: h6.b, to: h6.a, type: 2, code: 0, quoting: udpAB6,
                                                         rest: [0, 0, 5, 0]))]),
    ]
}
