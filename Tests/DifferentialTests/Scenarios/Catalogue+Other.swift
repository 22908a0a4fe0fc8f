import PacketBuilder

/// SCTP, GRE, generic protocols and fragments (reference sections 7 and 13).
enum OtherScenarios {
    static let h = Hosts.v4()
    static let h6 = Hosts.v6()
    static let zoned = Hosts(a: IPAddress("10.88.5.5")!, b: IPAddress("10.88.2.5")!)
    static let zonedOrig = Hosts(a: IPAddress("10.88.7.5")!, b: IPAddress("10.88.2.5")!)
    static let marked = Hosts(a: IPAddress("10.88.6.5")!, b: IPAddress("10.88.2.5")!)

    static func sctpA(_ h: Hosts, vtag: UInt32, _ chunks: [SCTPChunk], checksum: ChecksumMode = .correct,
                      after ms: Int = Step.defaultDelayMs) -> Step {
        .a(PacketBuilder.sctp(from: h.a, 5001, to: h.b, 5002, vtag: vtag, chunks: chunks, checksum: checksum), after: ms)
    }
    static func sctpB(_ h: Hosts, vtag: UInt32, _ chunks: [SCTPChunk], after ms: Int = Step.defaultDelayMs) -> Step {
        .b(PacketBuilder.sctp(from: h.b, 5002, to: h.a, 5001, vtag: vtag, chunks: chunks), after: ms)
    }

    /// INIT (A's tag 0x1111) / INIT_ACK (B's tag 0x2222) / COOKIE_ECHO / COOKIE_ACK.
    static func sctpHandshake(_ h: Hosts) -> [Step] {
        [sctpA(h, vtag: 0, [.initChunk(initiateTag: 0x1111)]),
         sctpB(h, vtag: 0x1111, [.initAck(initiateTag: 0x2222)]),
         sctpA(h, vtag: 0x2222, [.cookieEcho()]),
         sctpB(h, vtag: 0x1111, [.cookieAck])]
    }

    static func greA(_ h: Hosts, version: UInt8 = 0, protocolType: UInt16? = nil, callID: UInt16 = 0) -> Step {
        .a(PacketBuilder.gre(from: h.a, to: h.b, version: version, protocolType: protocolType, callID: callID,
                             payload: [UInt8](repeating: 0x45, count: 20)))
    }
    static func greB(_ h: Hosts, version: UInt8 = 0, callID: UInt16 = 0) -> Step {
        .b(PacketBuilder.gre(from: h.b, to: h.a, version: version, callID: callID,
                             payload: [UInt8](repeating: 0x45, count: 20)))
    }

    static let bigUDP = PacketBuilder.udp(from: h.a, 44000, to: h.b, 9000, payload: [UInt8](repeating: 3, count: 3000),
                                          ip: { var o = IPOptions(); o.identification = 0x5151; return o }())
    static let bigUDP2 = PacketBuilder.udp(from: h.a, 44001, to: h.b, 9000, payload: [UInt8](repeating: 3, count: 3000),
                                           ip: { var o = IPOptions(); o.identification = 0x5152; return o }())
    static let bigUDP3 = PacketBuilder.udp(from: h.a, 44002, to: h.b, 9000, payload: [UInt8](repeating: 3, count: 3000),
                                           ip: { var o = IPOptions(); o.identification = 0x5153; return o }())
    static let bigUDP6 = PacketBuilder.udp(from: h6.a, 44000, to: h6.b, 9000, payload: [UInt8](repeating: 3, count: 3000))
    static let bigReply = PacketBuilder.udp(from: h.b, 9000, to: h.a, 44000, payload: [UInt8](repeating: 4, count: 2000),
                                            ip: { var o = IPOptions(); o.identification = 0x6161; return o }())

    static let all: [Scenario] = [
        // SCTP
        Scenario("sctp.init_only", expect: ["sctp CLOSED unreplied"], [sctpA(h, vtag: 0, [.initChunk(initiateTag: 0x1111)])]),
        Scenario("sctp.init_ack", expect: ["sctp COOKIE_WAIT"], Array(sctpHandshake(h).prefix(2))),
        Scenario("sctp.cookie_echo", expect: ["sctp COOKIE_ECHOED"], Array(sctpHandshake(h).prefix(3))),
        Scenario("sctp.handshake", expect: ["sctp ESTABLISHED assured"], sctpHandshake(h)),
        Scenario("sctp.handshake_v6", expect: ["sctp ESTABLISHED assured"], sctpHandshake(h6)),
        Scenario("sctp.data_and_sack", expect: ["sctp ESTABLISHED assured"],
                 sctpHandshake(h) + [sctpA(h, vtag: 0x2222, [.data(tsn: 1)]), sctpB(h, vtag: 0x1111, [.sack(cumulativeTSN: 1)])]),
        Scenario("sctp.shutdown_sent", expect: ["sctp SHUTDOWN_SENT assured"],
                 sctpHandshake(h) + [sctpA(h, vtag: 0x2222, [.shutdown(cumulativeTSN: 0)])]),
        Scenario("sctp.shutdown_complete", expect: ["sctp CLOSED assured"],
                 sctpHandshake(h) + [sctpA(h, vtag: 0x2222, [.shutdown(cumulativeTSN: 0)]),
                                     sctpB(h, vtag: 0x1111, [.shutdownAck]),
                                     sctpA(h, vtag: 0x2222, [.shutdownComplete()])]),
        Scenario("sctp.shutdown_from_reply", expect: ["sctp SHUTDOWN_RECD assured"],
                 sctpHandshake(h) + [sctpB(h, vtag: 0x1111, [.shutdown(cumulativeTSN: 0)])]),
        Scenario("sctp.abort_established", expect: ["sctp CLOSED assured"],
                 sctpHandshake(h) + [sctpB(h, vtag: 0x1111, [.abort()])]),
        Scenario("sctp.heartbeat_first", expect: ["sctp HEARTBEAT_SENT unreplied"],
                 [sctpA(h, vtag: 0x7777, [.heartbeat()])]),
        Scenario("sctp.heartbeat_acked", expect: ["sctp ESTABLISHED assured"],
                 [sctpA(h, vtag: 0x7777, [.heartbeat()]), sctpB(h, vtag: 0x8888, [.heartbeatAck()])]),
        Scenario("sctp.heartbeat_in_established", expect: ["sctp ESTABLISHED assured"],
                 sctpHandshake(h) + [sctpA(h, vtag: 0x2222, [.heartbeat()]), sctpB(h, vtag: 0x1111, [.heartbeatAck()])]),
        Scenario("sctp.wrong_vtag_data", expect: ["sctp ESTABLISHED assured"],
                 sctpHandshake(h) + [sctpA(h, vtag: 0x9999, [.data(tsn: 1)]), sctpA(h, vtag: 0x9999, [.shutdown(cumulativeTSN: 0)])]),
        Scenario("sctp.init_retransmit_no_refresh", expect: ["sctp CLOSED unreplied"],
                 [sctpA(h, vtag: 0, [.initChunk(initiateTag: 0x1111)]),
                  sctpA(h, vtag: 0, [.initChunk(initiateTag: 0x1111)], after: 2600)]),
        Scenario("sctp.abort_t_bit_from_initiator", expect: ["sctp CLOSED assured"],
                 sctpHandshake(h) + [sctpA(h, vtag: 0x1111, [.abort(tBit: true)])]),
        Scenario("sctp.abort_wrong_vtag", expect: ["sctp ESTABLISHED assured"],
                 sctpHandshake(h) + [sctpA(h, vtag: 0x4444, [.abort()])]),
        Scenario("sctp.shutdown_complete_t_bit", expect: ["sctp CLOSED assured"],
                 sctpHandshake(h) + [sctpA(h, vtag: 0x2222, [.shutdown(cumulativeTSN: 0)]),
                                     sctpB(h, vtag: 0x1111, [.shutdownAck]),
                                     sctpA(h, vtag: 0x1111, [.shutdownComplete(tBit: true)])]),
        Scenario("sctp.heartbeat_vtag_path_change", expect: ["sctp ESTABLISHED assured"],
                 sctpHandshake(h) + [sctpA(h, vtag: 0x5555, [.heartbeat()]), sctpB(h, vtag: 0x6666, [.heartbeatAck()]),
                                     sctpA(h, vtag: 0x5555, [.data(tsn: 1)])]),
        Scenario("sctp.cookie_echo_not_first", expect: ["sctp COOKIE_WAIT"],
                 Array(sctpHandshake(h).prefix(2)) + [sctpA(h, vtag: 0x2222, [.data(tsn: 1), .cookieEcho()])]),
        Scenario("sctp.shutdown_complete_v6", expect: ["sctp CLOSED assured"],
                 sctpHandshake(h6) + [sctpA(h6, vtag: 0x2222, [.shutdown(cumulativeTSN: 0)]),
                                      sctpB(h6, vtag: 0x1111, [.shutdownAck]),
                                      sctpA(h6, vtag: 0x2222, [.shutdownComplete()])]),
        Scenario("sctp.init_with_vtag", expect: [], [sctpA(h, vtag: 5, [.initChunk(initiateTag: 0x1111)])]),
        Scenario("sctp.out_of_the_blue", expect: [],
                 [sctpA(h, vtag: 1, [.abort()]), sctpA(h, vtag: 1, [.shutdownComplete()]), sctpA(h, vtag: 1, [.cookieAck])]),
        Scenario("sctp.bad_crc", expect: [], [sctpA(h, vtag: 0, [.initChunk(initiateTag: 0x1111)], checksum: .corrupt)]),
        Scenario("sctp.zero_length_chunk", expect: [],
                 [sctpA(h, vtag: 0, [SCTPChunk(type: 0, value: [0, 0, 0, 1], lengthOverride: 0)])]),
        Scenario("sctp.init_not_alone", expect: [],
                 [sctpA(h, vtag: 0, [.initChunk(initiateTag: 0x1111), .data(tsn: 1)])]),
        Scenario("sctp.data_first", expect: [], [sctpA(h, vtag: 0x3333, [.data(tsn: 1)])]),

        // GRE
        Scenario("gre.v0_unreplied", expect: ["gre unreplied"], [greA(h)]),
        Scenario("gre.v0_reply", expect: ["gre"], [greA(h), greB(h)]),
        Scenario("gre.v0_assured", expect: ["gre assured"], [greA(h), greB(h), greA(h)]),
        Scenario("gre.v1_pptp_call_id", expect: ["gre unreplied"], [greA(h, version: 1, callID: 0x1234)]),
        Scenario("gre.v1_two_directions", expect: ["gre unreplied", "gre unreplied"], [greA(h, version: 1, callID: 0x1234), greB(h, version: 1, callID: 0x5678)]),
        Scenario("gre.v1_not_ppp", expect: [], [greA(h, version: 1, protocolType: 0x0800, callID: 0x1234)]),
        Scenario("gre.v0_v6", expect: ["gre"], [greA(h6), greB(h6)]),

        // Generic protocols (DCCP is generic in 6.18)
        Scenario("generic.esp", expect: ["unknown"],
                 [.a(PacketBuilder.generic(from: h.a, to: h.b, protocol: 50)), .b(PacketBuilder.generic(from: h.b, to: h.a, protocol: 50))]),
        Scenario("generic.proto253_unreplied", expect: ["unknown unreplied"], [.a(PacketBuilder.generic(from: h.a, to: h.b, protocol: 253))]),
        Scenario("generic.proto253_v6", expect: ["unknown"],
                 [.a(PacketBuilder.generic(from: h6.a, to: h6.b, protocol: 253)), .b(PacketBuilder.generic(from: h6.b, to: h6.a, protocol: 253))]),
        Scenario("generic.dccp", expect: ["dccp"], [
            .a(PacketBuilder.generic(from: h.a, to: h.b, protocol: 33,
                                     payload: [0x9c, 0x40, 0x00, 0x50, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
                                               0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])),
            .b(PacketBuilder.generic(from: h.b, to: h.a, protocol: 33,
                                     payload: [0x00, 0x50, 0x9c, 0x40, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
                                               0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])),
        ]),

        // Zones and marks set by R's ruleset (diff-topology.sh): 10.88.5.0/24 in zone 5,
        // connections from 10.88.6.0/24 get mark 7.
        Scenario("zone.udp_reply", expect: ["udp"], [UDPTalk(zoned).o(), UDPTalk(zoned).r()]),
        Scenario("zone.tcp_handshake", expect: ["tcp ESTABLISHED assured"], TCPTalk(zoned).handshake),
        Scenario("zone.icmp_error_related", expect: ["udp unreplied"], [
            .a(PacketBuilder.udp(from: zoned.a, 43000, to: zoned.b, 33434)),
            .b(PacketBuilder.icmpError(from: zoned.b, to: zoned.a, type: 3, code: 3,
                                       quoting: PacketBuilder.udp(from: zoned.a, 43000, to: zoned.b, 33434))),
        ]),
        Scenario("zone.original_only_udp", expect: ["udp"], [UDPTalk(zonedOrig).o(), UDPTalk(zonedOrig).r()]),
        Scenario("zone.original_only_tcp", expect: ["tcp ESTABLISHED assured"], TCPTalk(zonedOrig).handshake),
        Scenario("mark.tcp_handshake", expect: ["tcp ESTABLISHED assured"], TCPTalk(marked).handshake),
        Scenario("mark.udp_unreplied", expect: ["udp unreplied"], [UDPTalk(marked).o()]),

        // Timeout knobs of the simple trackers
        Scenario("gre.timeout_knobs", knobs: [KnobSetting("gre_timeout", 11), KnobSetting("gre_timeout_stream", 44)],
                 expect: ["gre assured"], [greA(h), greB(h), greA(h)]),
        Scenario("generic.timeout_knob", knobs: [KnobSetting("generic_timeout", 77)], expect: ["unknown unreplied"],
                 [.a(PacketBuilder.generic(from: h.a, to: h.b, protocol: 253))]),
        Scenario("sctp.timeout_knobs", knobs: [KnobSetting("sctp_timeout_established", 99), KnobSetting("sctp_timeout_closed", 4)],
                 expect: ["sctp ESTABLISHED assured"], sctpHandshake(h)),

        // Malformed IP: dropped by IP input before conntrack sees them.
        Scenario("ip.bad_header_checksum", expect: [], [
            .a(PacketBuilder.udp(from: h.a, 45000, to: h.b, 53, ip: { var o = IPOptions(); o.headerChecksum = .corrupt; return o }())),
        ]),
        Scenario("ip.total_length_beyond_packet", expect: [], [
            .a(PacketBuilder.udp(from: h.a, 45001, to: h.b, 53, ip: { var o = IPOptions(); o.lengthOverride = 200; return o }())),
        ]),
        Scenario("ip.ipv6_payload_length_beyond_packet", expect: [], [
            .a(PacketBuilder.udp(from: h6.a, 45002, to: h6.b, 53, ip: { var o = IPOptions(); o.lengthOverride = 300; return o }())),
        ]),

        // Fragments: conntrack sees reassembled datagrams only.
        Scenario("frag.v4_udp", expect: ["udp unreplied"], [.a(fragments: PacketBuilder.fragment(bigUDP, payloadSize: 1200))]),
        Scenario("frag.v4_udp_reversed", expect: ["udp unreplied"],
                 [.a(fragments: PacketBuilder.fragment(bigUDP2, payloadSize: 1200).reversed())]),
        Scenario("frag.v4_first_only", expect: [], [.a(fragments: Array(PacketBuilder.fragment(bigUDP3, payloadSize: 1200).prefix(1)))]),
        Scenario("frag.v4_both_directions", expect: ["udp"],
                 [.a(fragments: PacketBuilder.fragment(bigUDP, payloadSize: 1200)),
                  .b(fragments: PacketBuilder.fragment(bigReply, payloadSize: 800))]),
        Scenario("frag.v6_udp", expect: ["udp unreplied"], [.a(fragments: PacketBuilder.fragment(bigUDP6, payloadSize: 1200))]),
    ]
}
