/// Scenarios where the engine is known to disagree with the kernel, with the reason.
///
/// Linux XCTest has no `XCTExpectFailure`, so the suite asserts that each of these
/// still diverges: when the engine gets fixed the test fails until the entry is
/// removed here, so none can be forgotten.
enum KnownDivergences {
    static let reasons: [String: String] = [
        "ip.bad_header_checksum":
            "the kernel drops an IPv4 packet with a bad header checksum in ip_rcv, before conntrack; the engine tracks it",
        "ip.total_length_beyond_packet":
            "the kernel's IP input drops a packet whose total length exceeds the frame before conntrack (no ct state, no `invalid` count); the engine counts it invalid",
        "ip.ipv6_payload_length_beyond_packet":
            "the kernel's IPv6 input drops a packet whose payload length exceeds the frame before conntrack; the engine counts it invalid",
        "frag.v6_udp":
            "the engine queues all three IPv6 fragments (fragment header, 1200-byte pieces) but never completes the datagram; the kernel reassembles it (bytes=3048)",
    ]
}
