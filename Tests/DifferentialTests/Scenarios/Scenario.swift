import PacketBuilder

/// One send in a scenario: which end sends, how long to wait before it, and the IP
/// packet(s) to send back to back (several for fragments).
struct Step: Sendable {
    var side: Side
    var delayMs: Int
    var packets: [[UInt8]]

    /// The default pause before each packet: long enough that the router processes
    /// packets in sending order whichever CPU picks them up.
    static let defaultDelayMs = 4

    static func a(_ packet: [UInt8], after ms: Int = defaultDelayMs) -> Step { Step(side: .a, delayMs: ms, packets: [packet]) }
    static func b(_ packet: [UInt8], after ms: Int = defaultDelayMs) -> Step { Step(side: .b, delayMs: ms, packets: [packet]) }
    static func a(fragments: [[UInt8]], after ms: Int = defaultDelayMs) -> Step { Step(side: .a, delayMs: ms, packets: fragments) }
    static func b(fragments: [[UInt8]], after ms: Int = defaultDelayMs) -> Step { Step(side: .b, delayMs: ms, packets: fragments) }
}

/// A differential scenario: knobs (per-netns sysctls of the router, names without the
/// `nf_conntrack_` prefix) and the packets to send. The kernel's resulting table and
/// events are the expected values; `expect` additionally states, from the reference,
/// what the kernel should end with (one summary per entry, see `KernelEntry.summary`),
/// so a scenario that stops exercising its case is noticed.
struct Scenario: Sendable {
    var name: String
    var knobs: [KnobSetting] = []
    var steps: [Step]
    var expect: [String]?

    init(_ name: String, knobs: [KnobSetting] = [], expect: [String]? = nil, _ steps: [Step]) {
        self.name = name
        self.knobs = knobs
        self.steps = steps
        self.expect = expect
    }
}

/// A per-netns conntrack sysctl setting (`tcp_loose` = `net.netfilter.nf_conntrack_tcp_loose`).
struct KnobSetting: Sendable {
    var name: String
    var value: Int
    init(_ name: String, _ value: Int) { self.name = name; self.value = value }
}

/// The two crafted hosts of a scenario: `a` behind injector A, `b` behind B.
struct Hosts: Sendable {
    var a: IPAddress
    var b: IPAddress
    static func v4(_ n: UInt8 = 5) -> Hosts { Hosts(a: IPAddress("10.88.1.\(n)")!, b: IPAddress("10.88.2.\(n)")!) }
    static func v6(_ n: UInt8 = 5) -> Hosts { Hosts(a: IPAddress("fd88:1::\(n)")!, b: IPAddress("fd88:2::\(n)")!) }
}

/// A TCP conversation between the two hosts: `o(...)` builds a segment from the
/// initiator (A side, ORIGINAL direction), `r(...)` one from the responder (B side).
struct TCPTalk: Sendable {
    var hosts: Hosts
    var aPort: UInt16
    var bPort: UInt16

    init(_ hosts: Hosts = .v4(), _ aPort: UInt16 = 40000, _ bPort: UInt16 = 80) {
        self.hosts = hosts; self.aPort = aPort; self.bPort = bPort
    }

    func segment(fromA: Bool, _ flags: TCPFlags, _ seq: UInt32, ack: UInt32, win: UInt16,
                 data: Int, options: [TCPOption], checksum: ChecksumMode) -> [UInt8] {
        let payload = [UInt8](repeating: 0x61, count: data)
        return fromA
            ? PacketBuilder.tcp(from: hosts.a, aPort, to: hosts.b, bPort, seq: seq, ack: ack, flags: flags,
                                window: win, options: options, payload: payload, checksum: checksum)
            : PacketBuilder.tcp(from: hosts.b, bPort, to: hosts.a, aPort, seq: seq, ack: ack, flags: flags,
                                window: win, options: options, payload: payload, checksum: checksum)
    }

    /// A segment from A (original direction).
    func o(_ flags: TCPFlags, _ seq: UInt32, ack: UInt32 = 0, win: UInt16 = 64240, data: Int = 0,
           options: [TCPOption] = [], checksum: ChecksumMode = .correct, after ms: Int = Step.defaultDelayMs) -> Step {
        .a(segment(fromA: true, flags, seq, ack: ack, win: win, data: data, options: options, checksum: checksum), after: ms)
    }

    /// A segment from B (reply direction).
    func r(_ flags: TCPFlags, _ seq: UInt32, ack: UInt32 = 0, win: UInt16 = 64240, data: Int = 0,
           options: [TCPOption] = [], checksum: ChecksumMode = .correct, after ms: Int = Step.defaultDelayMs) -> Step {
        .b(segment(fromA: false, flags, seq, ack: ack, win: win, data: data, options: options, checksum: checksum), after: ms)
    }

    /// SYN (seq 1000), SYN/ACK (seq 5000), ACK: an established connection whose next
    /// sequence numbers are 1001 (A) and 5001 (B).
    var handshake: [Step] {
        [o(.syn, 1000), r(.synAck, 5000, ack: 1001), o(.ack, 1001, ack: 5001)]
    }
}

/// A UDP conversation: `o` from A's port to B's, `r` back.
struct UDPTalk: Sendable {
    var hosts: Hosts
    var aPort: UInt16
    var bPort: UInt16
    init(_ hosts: Hosts = .v4(), _ aPort: UInt16 = 41000, _ bPort: UInt16 = 53) {
        self.hosts = hosts; self.aPort = aPort; self.bPort = bPort
    }
    func o(data: Int = 20, checksum: ChecksumMode = .correct, length: UInt16? = nil, after ms: Int = Step.defaultDelayMs) -> Step {
        .a(PacketBuilder.udp(from: hosts.a, aPort, to: hosts.b, bPort, payload: [UInt8](repeating: 0x62, count: data),
                             checksum: checksum, lengthOverride: length), after: ms)
    }
    func r(data: Int = 20, checksum: ChecksumMode = .correct, length: UInt16? = nil, after ms: Int = Step.defaultDelayMs) -> Step {
        .b(PacketBuilder.udp(from: hosts.b, bPort, to: hosts.a, aPort, payload: [UInt8](repeating: 0x63, count: data),
                             checksum: checksum, lengthOverride: length), after: ms)
    }
}
