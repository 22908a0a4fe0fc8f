import XCTest
import Conntrack
import PacketBuilder
@testable import ConntrackEngine

final class SysctlTests: XCTestCase {
    func testEveryNameIsSettableAndReadable() throws {
        var c = TrackerConfiguration()
        XCTAssertGreaterThanOrEqual(TrackerConfiguration.sysctlNames.count, 40)
        for (i, name) in TrackerConfiguration.sysctlNames.enumerated() {
            let value = i % 2   // 0 and 1 are valid for every knob
            try c.setSysctl(name, value)
            XCTAssertEqual(c.sysctl(name), value, name)
            let short = name.replacingOccurrences(of: "net.netfilter.", with: "")
            try c.setSysctl(short, value)
        }
    }

    func testDefaultsMatchKernel() {
        let c = TrackerConfiguration()
        let expected: [String: Int] = [
            "nf_conntrack_max": 262_144, "nf_conntrack_checksum": 1, "nf_conntrack_acct": 0,
            "nf_conntrack_timestamp": 0, "nf_conntrack_events": 2, "nf_conntrack_generic_timeout": 600,
            "nf_conntrack_icmp_timeout": 30, "nf_conntrack_icmpv6_timeout": 30, "nf_conntrack_udp_timeout": 30,
            "nf_conntrack_udp_timeout_stream": 120, "nf_conntrack_gre_timeout": 30,
            "nf_conntrack_gre_timeout_stream": 180, "nf_conntrack_tcp_timeout_syn_sent": 120,
            "nf_conntrack_tcp_timeout_syn_recv": 60, "nf_conntrack_tcp_timeout_established": 432_000,
            "nf_conntrack_tcp_timeout_fin_wait": 120, "nf_conntrack_tcp_timeout_close_wait": 60,
            "nf_conntrack_tcp_timeout_last_ack": 30, "nf_conntrack_tcp_timeout_time_wait": 120,
            "nf_conntrack_tcp_timeout_close": 10, "nf_conntrack_tcp_timeout_max_retrans": 300,
            "nf_conntrack_tcp_timeout_unacknowledged": 300, "nf_conntrack_tcp_loose": 1,
            "nf_conntrack_tcp_be_liberal": 0, "nf_conntrack_tcp_ignore_invalid_rst": 0,
            "nf_conntrack_tcp_max_retrans": 3, "nf_conntrack_sctp_timeout_closed": 10,
            "nf_conntrack_sctp_timeout_cookie_wait": 3, "nf_conntrack_sctp_timeout_cookie_echoed": 3,
            "nf_conntrack_sctp_timeout_established": 210, "nf_conntrack_sctp_timeout_shutdown_sent": 3,
            "nf_conntrack_sctp_timeout_shutdown_recd": 3, "nf_conntrack_sctp_timeout_shutdown_ack_sent": 3,
            "nf_conntrack_sctp_timeout_heartbeat_sent": 30, "nf_conntrack_frag6_timeout": 60,
            "nf_conntrack_frag6_high_thresh": 4_194_304, "nf_conntrack_frag6_low_thresh": 3_145_728,
        ]
        for (k, v) in expected {
            XCTAssertEqual(c.sysctl("net.netfilter." + k), v, k)
            XCTAssertEqual(c.sysctl(k), v, k)
        }
    }

    func testUnknownNameIsAClearError() {
        var c = TrackerConfiguration()
        XCTAssertThrowsError(try c.setSysctl("net.netfilter.nf_conntrack_bogus", 1)) { e in
            XCTAssertEqual("\(e)", "sysctl net.netfilter.nf_conntrack_bogus: unknown name")
        }
        XCTAssertThrowsError(try c.setSysctl("nf_conntrack_checksum", 7)) { e in
            XCTAssertEqual("\(e)", "sysctl nf_conntrack_checksum: invalid value 7")
        }
        XCTAssertNil(c.sysctl("nf_conntrack_bogus"))
    }

    func testProcPathForm() throws {
        var c = TrackerConfiguration()
        try c.setSysctl("/proc/sys/net/netfilter/nf_conntrack_udp_timeout", 45)
        XCTAssertEqual(c.timeouts.udp, 45)
    }

    func testTimeoutSysctlChangesBehaviour() throws {
        let h = Harness()
        try h.tracker.setSysctl("nf_conntrack_udp_timeout", 45)
        h.send(PacketBuilder.udp(from: Harness.a4, 1, to: Harness.b4, 2))
        XCTAssertEqual(h.only()?.timeout, 44)
        try h.tracker.setSysctl("net.netfilter.nf_conntrack_tcp_timeout_syn_sent", 7)
        TCPDriver(h).a(.syn)
        XCTAssertEqual(h.flows.first { $0.proto == 6 }?.timeout, 6)
    }
}
