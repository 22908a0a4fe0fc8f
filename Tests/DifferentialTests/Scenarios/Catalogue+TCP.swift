import PacketBuilder

/// TCP scenarios (reference sections 4.3-4.8).
enum TCPScenarios {
    static let all: [Scenario] = [
        Scenario("tcp.syn_only", expect: ["tcp SYN_SENT unreplied"], [TCPTalk().o(.syn, 1000)]),
        Scenario("tcp.handshake", expect: ["tcp ESTABLISHED assured"], TCPTalk().handshake),
    ]
}
