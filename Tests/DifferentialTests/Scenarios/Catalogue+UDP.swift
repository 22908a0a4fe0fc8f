import PacketBuilder

/// UDP and UDPLite scenarios (reference section 5).
enum UDPScenarios {
    static let u = UDPTalk()
    static let u6 = UDPTalk(.v6())
    static let h = Hosts.v4()
    static let h6 = Hosts.v6()

    static func lite(_ h: Hosts, fromA: Bool, coverage: UInt16 = 0, checksum: ChecksumMode = .correct,
                     pseudo: UInt8 = IPProtocol.udp, after ms: Int = Step.defaultDelayMs) -> Step {
        let p = fromA
            ? PacketBuilder.udplite(from: h.a, 42000, to: h.b, 5000, payload: [UInt8](repeating: 1, count: 24),
                                    coverage: coverage, checksum: checksum, pseudoHeaderProtocol: pseudo)
            : PacketBuilder.udplite(from: h.b, 5000, to: h.a, 42000, payload: [UInt8](repeating: 2, count: 24),
                                    coverage: coverage, checksum: checksum, pseudoHeaderProtocol: pseudo)
        return fromA ? .a(p, after: ms) : .b(p, after: ms)
    }

    static let all: [Scenario] = [
        Scenario("udp.single", expect: ["udp unreplied"], [u.o()]),
        Scenario("udp.reply", expect: ["udp"], [u.o(), u.r()]),
        Scenario("udp.reply_v6", expect: ["udp"], [u6.o(), u6.r()]),
        Scenario("udp.within_two_seconds", expect: ["udp"], [u.o(), u.r(), u.o(), u.r()]),
        Scenario("udp.stream_after_two_seconds", expect: ["udp assured"], [u.o(), u.r(), u.o(after: 2100)]),
        Scenario("udp.unreplied_after_two_seconds", expect: ["udp unreplied"], [u.o(), u.o(after: 2100)]),
        Scenario("udp.stream_from_reply_side", expect: ["udp assured"], [u.o(), u.r(), u.r(after: 2100)]),
        Scenario("udp.stream_after_two_seconds_v6", expect: ["udp assured"], [u6.o(), u6.r(), u6.o(after: 2100)]),
        Scenario("udp.bad_length_long_v6", expect: [], [u6.o(length: 200)]),
        Scenario("udp.bad_length_long", expect: [], [u.o(length: 200)]),
        Scenario("udp.bad_length_short", expect: [], [u.o(length: 4)]),
        Scenario("udp.bad_checksum", expect: [], [u.o(checksum: .corrupt)]),
        Scenario("udp.bad_checksum_v6", expect: [], [u6.o(checksum: .corrupt)]),
        Scenario("udp.bad_checksum_not_checked", knobs: [KnobSetting("checksum", 0)], expect: ["udp unreplied"],
                 [u.o(checksum: .corrupt)]),
        Scenario("udp.zero_checksum", expect: ["udp"], [u.o(checksum: .zero), u.r(checksum: .zero)]),
        Scenario("udp.zero_checksum_v6", expect: ["udp unreplied"], [u6.o(checksum: .zero)]),
        Scenario("udp.short_timeout_knob", knobs: [KnobSetting("udp_timeout", 7), KnobSetting("udp_timeout_stream", 40)],
                 expect: ["udp assured", "udp unreplied"],
                 [u.o(), u.r(), u.o(after: 2100), UDPTalk(h, 41001, 53).o()]),
        Scenario("udp.many_flows", expect: ["udp", "udp unreplied", "udp unreplied", "udp"],
                 [UDPTalk(h, 41010, 53).o(), UDPTalk(h, 41011, 53).o(), UDPTalk(h, 41012, 53).o(),
                  UDPTalk(h6, 41013, 53).o(), UDPTalk(h, 41010, 53).r(), UDPTalk(h6, 41013, 53).r()]),

        // UDPLite: checksum mandatory, verified with protocol 17 in the pseudo-header (quirk).
        Scenario("udplite.kernel_checksum", expect: ["udplite unreplied"], [lite(h, fromA: true)]),
        Scenario("udplite.rfc_checksum_is_invalid", expect: [], [lite(h, fromA: true, pseudo: IPProtocol.udplite)]),
        Scenario("udplite.zero_checksum", expect: [], [lite(h, fromA: true, checksum: .zero)]),
        Scenario("udplite.bad_coverage", expect: [], [lite(h, fromA: true, coverage: 4)]),
        Scenario("udplite.partial_coverage", expect: ["udplite unreplied"], [lite(h, fromA: true, coverage: 12)]),
        Scenario("udplite.reply_assured_without_two_seconds", expect: ["udplite assured"],
                 [lite(h, fromA: true), lite(h, fromA: false), lite(h, fromA: true)]),
        Scenario("udplite.reply_v6", expect: ["udplite"], [lite(h6, fromA: true), lite(h6, fromA: false)]),
    ]
}
