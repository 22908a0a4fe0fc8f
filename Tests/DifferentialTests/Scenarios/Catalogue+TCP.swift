import PacketBuilder

/// TCP scenarios (reference sections 4.3-4.8). A's ISN is 1000, B's 5000 unless noted:
/// after `handshake` the next sequence numbers are 1001 (A) and 5001 (B).
enum TCPScenarios {
    static let c = TCPTalk()
    static let c6 = TCPTalk(.v6())

    /// FIN/ACK exchange from an established connection down to TIME_WAIT.
    static func close(_ c: TCPTalk) -> [Step] {
        [c.o(.finAck, 1001, ack: 5001), c.r(.ack, 5001, ack: 1002),
         c.r(.finAck, 5001, ack: 1002), c.o(.ack, 1002, ack: 5002)]
    }

    /// 12 data segments each way with acks and window changes, then a close.
    static func bulk(_ c: TCPTalk) -> [Step] {
        var steps = c.handshake
        var a: UInt32 = 1001, b: UInt32 = 5001
        for i in 0..<12 {
            steps.append(c.o(.pshAck, a, ack: b, win: UInt16(64240 - i * 1000), data: 1000))
            a += 1000
            steps.append(c.r(.pshAck, b, ack: a, win: UInt16(60000 + i * 100), data: 700))
            b += 700
            if i % 3 == 2 { steps.append(c.o(.ack, a, ack: b, win: 64240)) }
        }
        return steps + [c.o(.finAck, a, ack: b), c.r(.finAck, b, ack: a + 1), c.o(.ack, a + 1, ack: b + 1)]
    }

    static let all: [Scenario] = [
        // 4.8 reference sequences
        Scenario("tcp.syn_only", expect: ["tcp SYN_SENT unreplied"], [c.o(.syn, 1000, options: [.mss(1460)])]),
        Scenario("tcp.syn_synack", expect: ["tcp SYN_RECV"], [c.o(.syn, 1000), c.r(.synAck, 5000, ack: 1001)]),
        Scenario("tcp.handshake", expect: ["tcp ESTABLISHED assured"], c.handshake),
        Scenario("tcp.handshake_v6", expect: ["tcp ESTABLISHED assured"], c6.handshake),
        Scenario("tcp.data_unacked", expect: ["tcp ESTABLISHED assured"],
                 c.handshake + [c.o(.pshAck, 1001, ack: 5001, data: 100)]),
        Scenario("tcp.data_acked", expect: ["tcp ESTABLISHED assured"],
                 c.handshake + [c.o(.pshAck, 1001, ack: 5001, data: 100), c.r(.pshAck, 5001, ack: 1101, data: 50),
                                c.o(.ack, 1101, ack: 5051)]),
        Scenario("tcp.close_fin_wait", expect: ["tcp FIN_WAIT assured"], c.handshake + [c.o(.finAck, 1001, ack: 5001)]),
        Scenario("tcp.close_close_wait", expect: ["tcp CLOSE_WAIT assured"],
                 c.handshake + Array(close(c).prefix(2))),
        Scenario("tcp.close_last_ack", expect: ["tcp LAST_ACK assured"], c.handshake + Array(close(c).prefix(3))),
        Scenario("tcp.close_time_wait", expect: ["tcp TIME_WAIT assured"], c.handshake + close(c)),
        Scenario("tcp.close_time_wait_v6", expect: ["tcp TIME_WAIT assured"], c6.handshake + close(c6)),
        Scenario("tcp.close_fins_crossing", expect: ["tcp LAST_ACK assured"],
                 c.handshake + [c.o(.finAck, 1001, ack: 5001), c.r(.finAck, 5001, ack: 1002)]),
        Scenario("tcp.close_fins_crossing_acked", expect: ["tcp TIME_WAIT assured"],
                 c.handshake + [c.o(.finAck, 1001, ack: 5001), c.r(.finAck, 5001, ack: 1001),
                                c.o(.ack, 1002, ack: 5002), c.r(.ack, 5002, ack: 1002)]),

        // 4.3 flag validity: none of these may create an entry
        Scenario("tcp.invalid_flags_first", expect: [], [
            TCPTalk(.v4(), 40001, 80).o([.syn, .fin], 1000),
            TCPTalk(.v4(), 40002, 80).o([.syn, .rst], 1000),
            TCPTalk(.v4(), 40003, 80).o([], 1000),
            TCPTalk(.v4(), 40004, 80).o(.fin, 1000),
            TCPTalk(.v4(), 40005, 80).o([.fin, .psh, .urg], 1000),
            TCPTalk(.v4(), 40006, 80).o([.syn, .fin, .rst, .ack, .urg, .psh], 1000),
        ]),
        Scenario("tcp.invalid_first_class", expect: [], [
            TCPTalk(.v4(), 40011, 80).o(.synAck, 1000, ack: 1),
            TCPTalk(.v4(), 40012, 80).o(.finAck, 1000, ack: 1),
            TCPTalk(.v4(), 40013, 80).o(.rst, 1000),
            TCPTalk(.v4(), 40014, 80).o(.rstAck, 1000, ack: 1),
        ]),
        Scenario("tcp.syn_urg_ece_cwr_valid", expect: ["tcp SYN_SENT unreplied", "tcp SYN_SENT unreplied"], [
            TCPTalk(.v4(), 40021, 80).o([.syn, .urg], 1000),
            TCPTalk(.v4(), 40022, 80).o([.syn, .ece, .cwr], 1000),
        ]),
        Scenario("tcp.invalid_flags_in_established", expect: ["tcp ESTABLISHED assured"],
                 c.handshake + [c.o([.syn, .fin], 1001, ack: 5001), c.r([], 5001), c.o([.fin, .psh], 1001)]),
        Scenario("tcp.bad_checksum", expect: [], [c.o(.syn, 1000, checksum: .corrupt)]),
        Scenario("tcp.bad_checksum_not_checked", knobs: [KnobSetting("checksum", 0)],
                 expect: ["tcp SYN_SENT unreplied"], [c.o(.syn, 1000, checksum: .corrupt)]),
        Scenario("tcp.short_data_offset", expect: [], [
            .a(PacketBuilder.tcp(from: c.hosts.a, 40031, to: c.hosts.b, 80, seq: 1, flags: .syn, dataOffsetOverride: 4)),
            .a(PacketBuilder.tcp(from: c.hosts.a, 40032, to: c.hosts.b, 80, seq: 1, flags: .syn, dataOffsetOverride: 15)),
        ]),

        // Pickup of mid-stream connections
        Scenario("tcp.pickup_loose", expect: ["tcp ESTABLISHED assured"],
                 [c.o(.ack, 1001, ack: 5001), c.r(.ack, 5001, ack: 1001), c.o(.pshAck, 1001, ack: 5001, data: 10)]),
        Scenario("tcp.pickup_unreplied", expect: ["tcp ESTABLISHED unreplied"], [c.o(.pshAck, 1001, ack: 5001, data: 10)]),
        Scenario("tcp.pickup_strict", knobs: [KnobSetting("tcp_loose", 0)], expect: [],
                 [c.o(.ack, 1001, ack: 5001), c.r(.ack, 5001, ack: 1001)]),
        Scenario("tcp.pickup_far_ahead_liberal", expect: ["tcp ESTABLISHED assured"],
                 [c.o(.ack, 1001, ack: 5001), c.r(.ack, 5001, ack: 1001),
                  c.o(.pshAck, 1001 &+ 3_000_000, ack: 5001, data: 10), c.r(.ack, 5001, ack: 1011 &+ 3_000_000)]),

        // Longer exchanges and segment shapes
        Scenario("tcp.bulk_exchange_and_close", expect: ["tcp TIME_WAIT assured"], bulk(c)),
        Scenario("tcp.bulk_exchange_and_close_v6", expect: ["tcp TIME_WAIT assured"], bulk(c6)),
        Scenario("tcp.fin_with_data", expect: ["tcp CLOSE_WAIT assured"],
                 c.handshake + [c.o(.finAck, 1001, ack: 5001, data: 50), c.r(.ack, 5001, ack: 1052)]),
        Scenario("tcp.keepalive_probe", expect: ["tcp ESTABLISHED assured"],
                 c.handshake + [c.o(.ack, 1000, ack: 5001), c.r(.ack, 5001, ack: 1001)]),
        Scenario("tcp.out_of_order_segments", expect: ["tcp ESTABLISHED assured"],
                 c.handshake + [c.o(.pshAck, 1501, ack: 5001, data: 500), c.o(.pshAck, 1001, ack: 5001, data: 500),
                                c.r(.ack, 5001, ack: 2001)]),
        Scenario("tcp.partial_retransmission", expect: ["tcp ESTABLISHED assured"],
                 c.handshake + [c.o(.pshAck, 1001, ack: 5001, data: 1000), c.r(.ack, 5001, ack: 1501),
                                c.o(.pshAck, 1501, ack: 5001, data: 500), c.r(.ack, 5001, ack: 2001)]),
        Scenario("tcp.rst_ack_from_responder", expect: ["tcp CLOSE assured"], c.handshake + [c.r(.rstAck, 5001, ack: 1001)]),

        // Window tracking
        Scenario("tcp.window_seq_over_upper_bound", expect: ["tcp ESTABLISHED assured"],
                 c.handshake + [c.o(.pshAck, 1001 &+ 2_000_000, ack: 5001, data: 100),
                                c.o(.finAck, 1001 &+ 2_000_000, ack: 5001)]),
        Scenario("tcp.window_be_liberal", knobs: [KnobSetting("tcp_be_liberal", 1)], expect: ["tcp FIN_WAIT assured"],
                 c.handshake + [c.o(.pshAck, 1001 &+ 2_000_000, ack: 5001, data: 100),
                                c.o(.finAck, 1001 &+ 2_000_000, ack: 5001)]),
        Scenario("tcp.window_ack_over_upper_bound", expect: ["tcp ESTABLISHED assured"],
                 c.handshake + [c.o(.ack, 1001, ack: 5001 &+ 500_000), c.o(.finAck, 1001, ack: 5001 &+ 500_000)]),
        Scenario("tcp.window_seq_under_lower_bound", expect: ["tcp ESTABLISHED assured"],
                 c.handshake + [c.o(.pshAck, 1001, ack: 5001, data: 100), c.r(.ack, 5001, ack: 1101),
                                c.o(.finAck, 1001 &- 200_000, ack: 5001)]),
        Scenario("tcp.window_ack_under_lower_bound", expect: ["tcp ESTABLISHED assured"],
                 c.handshake + [c.o(.finAck, 1001, ack: 5001 &- 200_000)]),
        Scenario("tcp.window_small_overshoot", expect: ["tcp ESTABLISHED assured"],
                 c.handshake + [c.o(.pshAck, 1001 &+ 64240, ack: 5001, data: 100)]),
        Scenario("tcp.window_scale", expect: ["tcp ESTABLISHED assured"], [
            c.o(.syn, 1000, win: 65535, options: [.mss(1460), .sackPermitted, .windowScale(7)]),
            c.r(.synAck, 5000, ack: 1001, win: 65535, options: [.mss(1460), .sackPermitted, .windowScale(2)]),
            c.o(.ack, 1001, ack: 5001, win: 502),
            c.o(.pshAck, 1001, ack: 5001, win: 502, data: 1000),
            c.r(.pshAck, 5001, ack: 2001, win: 2000, data: 200_000 / 256),
            c.o(.ack, 2001, ack: 5001 + 200_000 / 256, win: 502),
        ]),
        Scenario("tcp.sack_blocks", expect: ["tcp ESTABLISHED assured"], [
            c.o(.syn, 1000, options: [.mss(1460), .sackPermitted]),
            c.r(.synAck, 5000, ack: 1001, options: [.mss(1460), .sackPermitted]),
            c.o(.ack, 1001, ack: 5001),
            c.r(.pshAck, 5001, ack: 1001, data: 100),
            c.r(.pshAck, 5201, ack: 1001, data: 100),
            c.o(.ack, 1001, ack: 5101, options: [.nop, .nop, .sack([(5201, 5301)])]),
        ]),
        Scenario("tcp.zero_window", expect: ["tcp ESTABLISHED assured"],
                 c.handshake + [c.o(.pshAck, 1001, ack: 5001, data: 100), c.r(.ack, 5001, ack: 1101, win: 0)]),
        Scenario("tcp.retransmissions", expect: ["tcp ESTABLISHED assured"],
                 c.handshake + [c.o(.ack, 1001, ack: 5001), c.o(.ack, 1001, ack: 5001), c.o(.ack, 1001, ack: 5001),
                                c.o(.ack, 1001, ack: 5001)]),
        Scenario("tcp.retransmissions_max_retrans_1", knobs: [KnobSetting("tcp_max_retrans", 1)],
                 expect: ["tcp ESTABLISHED assured"],
                 c.handshake + [c.o(.pshAck, 1001, ack: 5001, data: 10), c.r(.ack, 5001, ack: 1011),
                                c.o(.ack, 1011, ack: 5001), c.o(.ack, 1011, ack: 5001)]),
        Scenario("tcp.retransmitted_data", expect: ["tcp ESTABLISHED assured"],
                 c.handshake + [c.o(.pshAck, 1001, ack: 5001, data: 100), c.o(.pshAck, 1001, ack: 5001, data: 100),
                                c.o(.pshAck, 1001, ack: 5001, data: 100), c.o(.pshAck, 1001, ack: 5001, data: 100)]),

        // RST handling (4.5)
        Scenario("tcp.rst_exact", expect: ["tcp CLOSE assured"], c.handshake + [c.r(.rst, 5001)]),
        Scenario("tcp.rst_ack_exact_from_initiator", expect: ["tcp CLOSE assured"],
                 c.handshake + [c.o(.rstAck, 1001, ack: 5001)]),
        Scenario("tcp.rst_inexact_in_window", expect: ["tcp ESTABLISHED assured"], c.handshake + [c.r(.rst, 5001 + 1000)]),
        Scenario("tcp.rst_below_maxack", expect: ["tcp ESTABLISHED assured"],
                 c.handshake + [c.r(.pshAck, 5001, ack: 1001, data: 100), c.o(.ack, 1001, ack: 5101), c.r(.rst, 5050)]),
        Scenario("tcp.rst_below_maxack_ignore_invalid_rst", knobs: [KnobSetting("tcp_ignore_invalid_rst", 1)],
                 expect: ["tcp ESTABLISHED assured"],
                 c.handshake + [c.r(.pshAck, 5001, ack: 1001, data: 100), c.o(.ack, 1001, ack: 5101), c.r(.rst, 5050)]),
        Scenario("tcp.rst_refused_syn", expect: [], [c.o(.syn, 1000), c.r(.rstAck, 0, ack: 1001)]),
        Scenario("tcp.rst_in_syn_recv_from_client", expect: ["tcp CLOSE"],
                 [c.o(.syn, 1000), c.r(.synAck, 5000, ack: 1001), c.o(.rst, 1001)]),
        Scenario("tcp.rst_after_fin", expect: ["tcp CLOSE assured"],
                 c.handshake + [c.o(.finAck, 1001, ack: 5001), c.r(.rst, 5001 + 30_000)]),

        Scenario("tcp.rst_train", expect: ["tcp CLOSE assured"],
                 c.handshake + [c.r(.pshAck, 5001, ack: 1001, data: 100), c.r(.rst, 5101)]),
        Scenario("tcp.invalid_rst_then_invalid_fin_lowers_timeout", expect: ["tcp ESTABLISHED assured"],
                 c.handshake + [c.r(.rst, 5001 &+ 3_000_000), c.o(.finAck, 1001 &+ 3_000_000, ack: 5001)]),
        Scenario("tcp.rst_ack_zero_ack_established", expect: ["tcp CLOSE assured"],
                 c.handshake + [c.r(.rstAck, 5001, ack: 0)]),

        // Knobs: per-netns timeouts
        Scenario("tcp.timeout_knobs", knobs: [KnobSetting("tcp_timeout_established", 900),
                                              KnobSetting("tcp_timeout_syn_sent", 33),
                                              KnobSetting("tcp_timeout_unacknowledged", 77)],
                 expect: ["tcp ESTABLISHED assured", "tcp ESTABLISHED assured", "tcp SYN_SENT unreplied"],
                 c.handshake + TCPTalk(.v4(), 40100, 80).handshake
                    + [TCPTalk(.v4(), 40100, 80).o(.pshAck, 1001, ack: 5001, data: 10), TCPTalk(.v4(), 40101, 80).o(.syn, 7)]),
        Scenario("tcp.timeout_knobs_close", knobs: [KnobSetting("tcp_timeout_time_wait", 5), KnobSetting("tcp_timeout_close", 3)],
                 expect: ["tcp TIME_WAIT assured", "tcp CLOSE assured"],
                 c.handshake + close(c) + TCPTalk(.v4(), 40102, 80).handshake + [TCPTalk(.v4(), 40102, 80).r(.rst, 5001)]),

        // Options and pickup details
        Scenario("tcp.wscale_one_side_only", expect: ["tcp ESTABLISHED assured"], [
            c.o(.syn, 1000, win: 65535, options: [.mss(1460), .windowScale(7)]),
            c.r(.synAck, 5000, ack: 1001, win: 65535, options: [.mss(1460)]),
            // Scales are forced to 0: A's window is 502 bytes, not 502 << 7.
            c.o(.ack, 1001, ack: 5001, win: 502),
            c.r(.pshAck, 5001, ack: 1001, win: 65535, data: 1400),
            c.o(.ack, 1001, ack: 6401, win: 502),
        ]),
        Scenario("tcp.pickup_keepalive", expect: ["tcp ESTABLISHED assured"],
                 [c.o(.ack, 1000, ack: 5001), c.r(.ack, 5001, ack: 1001), c.o(.ack, 1001, ack: 5001)]),
        Scenario("tcp.pickup_from_reply_side_data", expect: ["tcp ESTABLISHED assured"],
                 [c.r(.pshAck, 5001, ack: 1001, data: 100), c.o(.ack, 1001, ack: 5101), c.r(.ack, 5101, ack: 1001)]),
        Scenario("tcp.syn_retransmit_reply_side_syn_sent2", expect: ["tcp SYN_SENT2"],
                 [c.o(.syn, 1000), c.r(.syn, 5000), c.r(.syn, 5000)]),
        Scenario("tcp.ipv6_extension_headers", expect: ["tcp ESTABLISHED assured"], {
            var ip = IPOptions()
            ip.ipv6ExtensionHeaders = [(type: 0, body: [1, 4, 0, 0, 0, 0]), (type: 60, body: [1, 4, 0, 0, 0, 0])]
            let h = Hosts.v6()
            return [
                .a(PacketBuilder.tcp(from: h.a, 40000, to: h.b, 80, seq: 1000, flags: .syn, ip: ip)),
                .b(PacketBuilder.tcp(from: h.b, 80, to: h.a, 40000, seq: 5000, ack: 1001, flags: .synAck, ip: ip)),
                .a(PacketBuilder.tcp(from: h.a, 40000, to: h.b, 80, seq: 1001, ack: 5001, flags: .ack)),
            ]
        }()),

        // SYN in established, resynchronisation, simultaneous open, reopen
        Scenario("tcp.syn_in_established_ignored", expect: ["tcp ESTABLISHED assured"],
                 c.handshake + [c.o(.syn, 90_000)]),
        Scenario("tcp.syn_in_established_synack_resync", expect: ["tcp ESTABLISHED assured"],
                 c.handshake + [c.o(.syn, 90_000), c.r(.synAck, 70_000, ack: 90_001), c.o(.ack, 90_001, ack: 70_001)]),
        Scenario("tcp.syn_in_established_synack_resync_half", expect: ["tcp SYN_RECV assured"],
                 c.handshake + [c.o(.syn, 90_000), c.r(.synAck, 70_000, ack: 90_001)]),
        Scenario("tcp.simultaneous_open", expect: ["tcp ESTABLISHED assured"], [
            c.o(.syn, 1000), c.r(.syn, 5000), c.o(.synAck, 1000, ack: 5001), c.r(.synAck, 5000, ack: 1001),
            c.r(.ack, 5001, ack: 1001),
        ]),
        Scenario("tcp.simultaneous_open_half", expect: ["tcp SYN_SENT2"], [c.o(.syn, 1000), c.r(.syn, 5000)]),
        Scenario("tcp.time_wait_reopen", expect: ["tcp SYN_SENT unreplied"],
                 c.handshake + close(c) + [c.o(.syn, 300_000)]),
        Scenario("tcp.time_wait_reopen_answered", expect: ["tcp ESTABLISHED assured"],
                 c.handshake + close(c) + [c.o(.syn, 300_000), c.r(.synAck, 800_000, ack: 300_001),
                                           c.o(.ack, 300_001, ack: 800_001)]),
        Scenario("tcp.close_reopen_after_rst", expect: ["tcp SYN_SENT unreplied"],
                 c.handshake + [c.o(.rst, 1001), c.o(.syn, 300_000)]),
        Scenario("tcp.syn_retransmit_no_refresh", expect: ["tcp SYN_SENT unreplied"],
                 [c.o(.syn, 1000), c.o(.syn, 1000, after: 2600)]),
        // IPv6 variants of the special cases
        Scenario("tcp.rst_exact_v6", expect: ["tcp CLOSE assured"], c6.handshake + [c6.r(.rst, 5001)]),
        Scenario("tcp.rst_below_maxack_v6", expect: ["tcp ESTABLISHED assured"],
                 c6.handshake + [c6.r(.pshAck, 5001, ack: 1001, data: 100), c6.o(.ack, 1001, ack: 5101), c6.r(.rst, 5050)]),
        Scenario("tcp.time_wait_reopen_v6", expect: ["tcp SYN_SENT unreplied"],
                 c6.handshake + close(c6) + [c6.o(.syn, 300_000)]),
        Scenario("tcp.syn_in_established_synack_resync_v6", expect: ["tcp ESTABLISHED assured"],
                 c6.handshake + [c6.o(.syn, 90_000), c6.r(.synAck, 70_000, ack: 90_001), c6.o(.ack, 90_001, ack: 70_001)]),
        Scenario("tcp.pickup_strict_v6", knobs: [KnobSetting("tcp_loose", 0)], expect: [], [c6.o(.ack, 1001, ack: 5001)]),
        Scenario("tcp.challenge_ack_last_ack", expect: ["tcp LAST_ACK assured"],
                 c.handshake + Array(close(c).prefix(3)) + [c.o(.syn, 300_000), c.r(.ack, 5002, ack: 1002)]),
    ]
}
