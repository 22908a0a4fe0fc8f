import PacketBuilder

/// What one router (the kernel in R, or the engine's firewall) has forwarded so far in
/// a run: the bytes of each packet as it left, by packet index. Steps that answer a
/// NATed packet are built from it, so each router is answered at the address and port
/// it chose itself.
struct RouterView {
    var forwarded: [Int: [UInt8]] = [:]

    struct Missing: Error, CustomStringConvertible {
        var index: Int
        var description: String { "packet #\(index + 1) was not forwarded, but a later step answers it" }
    }

    /// Packet `i` as it left the router.
    func out(_ i: Int) throws -> [UInt8] {
        guard let b = forwarded[i] else { throw Missing(index: i) }
        return b
    }

    /// Packet `i` as it left, parsed.
    func view(_ i: Int) throws -> PacketView {
        guard let v = PacketView(try out(i)) else { throw Missing(index: i) }
        return v
    }
}

/// One send of a NAT scenario: side, pause before it, and the packet, either fixed or
/// built from what the router forwarded before (`dynamic`). `fromRouter`: R itself sends
/// the packet (a raw socket in R: it enters at the output hook; the engine gets it with
/// no input interface); `side` is then meaningless.
struct NATStep: @unchecked Sendable {
    var side: Side
    var delayMs: Int
    var dynamic: Bool
    var build: (RouterView) throws -> [UInt8]
    var fromRouter = false

    static func a(_ p: [UInt8], after ms: Int = Step.defaultDelayMs) -> NATStep {
        NATStep(side: .a, delayMs: ms, dynamic: false) { _ in p }
    }
    static func b(_ p: [UInt8], after ms: Int = Step.defaultDelayMs) -> NATStep {
        NATStep(side: .b, delayMs: ms, dynamic: false) { _ in p }
    }
    static func a(after ms: Int = Step.defaultDelayMs, _ f: @escaping (RouterView) throws -> [UInt8]) -> NATStep {
        NATStep(side: .a, delayMs: ms, dynamic: true, build: f)
    }
    static func b(after ms: Int = Step.defaultDelayMs, _ f: @escaping (RouterView) throws -> [UInt8]) -> NATStep {
        NATStep(side: .b, delayMs: ms, dynamic: true, build: f)
    }
    /// R sends `p` itself (a locally generated packet).
    static func r(_ p: [UInt8], after ms: Int = Step.defaultDelayMs) -> NATStep {
        NATStep(side: .a, delayMs: ms, dynamic: false, build: { _ in p }, fromRouter: true)
    }
    static func r(after ms: Int = Step.defaultDelayMs, _ f: @escaping (RouterView) throws -> [UInt8]) -> NATStep {
        NATStep(side: .a, delayMs: ms, dynamic: true, build: f, fromRouter: true)
    }
}

/// A NAT / stateful-filtering scenario: the ruleset R loads (`nft -f`) and the engine
/// parses (`Ruleset.parse`), sysctls, the packets, and what the reference predicts.
struct NATScenario: @unchecked Sendable {
    var name: String
    /// The whole ruleset of R for this scenario (nothing else is loaded).
    var ruleset: String
    var knobs: [KnobSetting] = []
    var steps: [NATStep]
    /// The kernel's entries as `NATSummary` strings (`udp snat`, `tcp TIME_WAIT assured dnat`).
    var expect: [String]?
    /// Per packet, what the kernel does: `>` forwarded, `x` not forwarded (dropped or
    /// delivered locally).
    var path: String?
    /// Where NAT may pick a random port (or ICMP id) in this scenario: the kernel's
    /// choice and the engine's must both lie here, and may differ.
    var randomPorts: ClosedRange<UInt16>?
    /// UDP ports R listens on (redirect targets: delivered datagrams raise no ICMP error).
    var listenUDP: [UInt16] = []
    /// Commands run in R before the scenario (extra addresses...) and after it; `{A}`,
    /// `{R}` and `{B}` in an argument stand for the namespaces' names.
    var setup: [[String]] = []
    var teardown: [[String]] = []

    init(_ name: String, _ ruleset: String, knobs: [KnobSetting] = [], expect: [String]? = nil, path: String? = nil,
         random: ClosedRange<UInt16>? = nil, listenUDP: [UInt16] = [], setup: [[String]] = [], teardown: [[String]] = [],
         _ steps: [NATStep]) {
        self.name = name; self.ruleset = ruleset; self.knobs = knobs; self.steps = steps
        self.expect = expect; self.path = path; self.randomPorts = random; self.listenUDP = listenUDP
        self.setup = setup; self.teardown = teardown
    }
}

/// `proto [STATE] [unreplied] [assured] [expected] [snat] [dnat] [seqadj] [helper]` of
/// a flow (kernel or engine): the status bits IPS_EXPECTED, IPS_SRC_NAT, IPS_DST_NAT,
/// IPS_SEQ_ADJUST and IPS_HELPER by name.
func natSummary(_ f: Flow) -> String {
    var parts = [IPProtocol.name(f.proto)]
    if let s = Comparison.stateName(f) { parts.append(s) }
    let st = f.status ?? []
    if !st.contains(.seenReply) { parts.append("unreplied") }
    if st.contains(.assured) { parts.append("assured") }
    if st.contains(.expected) { parts.append("expected") }
    if st.contains(.srcNAT) { parts.append("snat") }
    if st.contains(.dstNAT) { parts.append("dnat") }
    if st.contains(.seqAdjust) { parts.append("seqadj") }
    if st.contains(.helper) { parts.append("helper") }
    return parts.joined(separator: " ")
}

// MARK: - Builders for answers to forwarded packets

enum Reply {
    /// A UDP datagram answering forwarded packet `i` (addresses and ports swapped).
    static func udp(_ i: Int, data: Int = 20) -> (RouterView) throws -> [UInt8] {
        { v in
            let p = try v.view(i)
            return PacketBuilder.udp(from: p.destination, p.destinationPort, to: p.source, p.sourcePort,
                                     payload: [UInt8](repeating: 0x63, count: data))
        }
    }

    /// A TCP segment answering forwarded packet `i`.
    static func tcp(_ i: Int, _ flags: TCPFlags, _ seq: UInt32, ack: UInt32 = 0, data: Int = 0) -> (RouterView) throws -> [UInt8] {
        { v in
            let p = try v.view(i)
            return PacketBuilder.tcp(from: p.destination, p.destinationPort, to: p.source, p.sourcePort, seq: seq, ack: ack,
                                     flags: flags, payload: [UInt8](repeating: 0x62, count: data))
        }
    }

    /// An ICMP echo reply (ICMPv6 129) answering forwarded echo request `i`.
    static func echo(_ i: Int, seq: UInt16 = 1) -> (RouterView) throws -> [UInt8] {
        { v in
            let p = try v.view(i)
            return PacketBuilder.icmp(from: p.destination, to: p.source, type: p.family == .ipv4 ? 0 : 129,
                                      id: p.sourcePort, sequence: seq, payload: [UInt8](repeating: 7, count: 32))
        }
    }

    /// An SCTP packet answering forwarded packet `i`.
    static func sctp(_ i: Int, vtag: UInt32, _ chunks: [SCTPChunk]) -> (RouterView) throws -> [UInt8] {
        { v in
            let p = try v.view(i)
            return PacketBuilder.sctp(from: p.destination, p.destinationPort, to: p.source, p.sourcePort, vtag: vtag,
                                      chunks: chunks)
        }
    }

    /// A UDPLite datagram answering forwarded packet `i`.
    static func udplite(_ i: Int) -> (RouterView) throws -> [UInt8] {
        { v in
            let p = try v.view(i)
            return PacketBuilder.udplite(from: p.destination, p.destinationPort, to: p.source, p.sourcePort,
                                         payload: [UInt8](repeating: 2, count: 24))
        }
    }

    /// An ICMP error about forwarded packet `i`, quoting it as it left the router, sent
    /// by `from` (default: the packet's destination) to the packet's source
    /// (IPv4 quotes the header and 8 bytes, or the whole packet with `whole`; IPv6 always
    /// the whole packet.)
    static func error(_ i: Int, from: IPAddress? = nil, type: UInt8? = nil, code: UInt8? = nil,
                      whole: Bool = false) -> (RouterView) throws -> [UInt8] {
        { v in
            let p = try v.view(i)
            let v4 = p.family == .ipv4
            let quoted = try v.out(i)
            return PacketBuilder.icmpError(from: from ?? p.destination, to: p.source, type: type ?? (v4 ? 3 : 1),
                                           code: code ?? (v4 ? 3 : 4), quoting: quoted,
                                           quoteLength: whole && v4 ? quoted.count - Int(quoted[0] & 0xf) * 4 : nil)
        }
    }
}
