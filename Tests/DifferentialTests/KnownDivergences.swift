/// Scenarios where the engine is known to disagree with the kernel, with the reason.
///
/// Linux XCTest has no `XCTExpectFailure`, so the suite asserts that each of these
/// still diverges: when the engine gets fixed the test fails until the entry is
/// removed here, so none can be forgotten.
enum KnownDivergences {
    static let reasons: [String: String] = [
        "ip.total_length_beyond_packet":
            "the kernel's IP input drops a packet whose total length exceeds the frame before conntrack (no ct state, no `invalid` count); the engine counts it invalid (a packet with a bad IPv4 header checksum, dropped the same way, agrees: verdict dropped, no stat)",
        "ip.ipv6_payload_length_beyond_packet":
            "the kernel's IPv6 input drops a packet whose payload length exceeds the frame before conntrack; the engine counts it invalid",
        "frag.v6_udp":
            "the engine queues all three IPv6 fragments (fragment header, 1200-byte pieces) but never completes the datagram; the kernel reassembles it (bytes=3048)",
    ]
}
