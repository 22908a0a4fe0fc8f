import Conntrack
import ConntrackEngine

/// What the userspace engine did with the packets the router received.
struct EngineObservation {
    var flows: [Flow]
    /// Events produced while processing packets (not by `advance`), in order.
    var events: [Event]
    /// Verdict of each packet (same order as the input).
    var verdicts: [Verdict]
    /// The engine's statistics after the run (`conntrack -S` names).
    var statistics: CPUStatistics

    /// How many packets got each `ct state`, as a rule after conntrack counts them: queued
    /// fragments are not counted (conntrack only sees the reassembled datagram), nor are
    /// dropped packets (they never reach the rule).
    var states: [String: Int] {
        var out: [String: Int] = [:]
        for v in verdicts where v.state != .fragmentQueued && !v.dropped { out[v.state.description, default: 0] += 1 }
        return out
    }
}

/// Per-packet context the router's ruleset gives packets (see diff-topology.sh): zone 5
/// for 10.88.5.0/24, original-direction zone 7 for 10.88.7.0/24, `ct mark set 7` for
/// packets from 10.88.6.0/24.
func routerMetadata(for ip: [UInt8]) -> PacketMetadata {
    var m = PacketMetadata()
    guard ip.count >= 20, ip[0] >> 4 == 4 else { return m }
    let src = (ip[12], ip[13], ip[14]), dst = (ip[16], ip[17], ip[18])
    if src == (10, 88, 5) || dst == (10, 88, 5) { m.zone = Zone(id: 5) }
    if src == (10, 88, 7) || dst == (10, 88, 7) { m.zone = Zone(id: 7, directions: .original) }
    if src == (10, 88, 6) { m.setMark = 7 }
    return m
}

/// Feeds `packets` (with their capture timestamps) to a fresh engine configured like the
/// router (accounting on, the scenario's knobs), then lists it at `listedAt`.
///
/// `checksumsVerified`: real traffic leaves the end hosts' stacks with checksums the
/// router's kernel does not re-verify (offloaded ones stay CHECKSUM_PARTIAL), so the
/// engine is told so too; crafted frames arrive unverified and are checked by both.
func runEngine(knobs: [KnobSetting], packets: [ReceivedPacket], listedAt: UInt64,
               checksumsVerified: Bool = false) throws -> EngineObservation {
    var config = TrackerConfiguration()
    config.accounting = true   // nf_conntrack_acct=1 in R
    let tracker = Tracker(configuration: config, seed: 0x5eed)
    for k in knobs { try tracker.setSysctl("net.netfilter.nf_conntrack_\(k.name)", k.value) }
    var events: [Event] = []
    var verdicts: [Verdict] = []
    for p in packets {
        var metadata = routerMetadata(for: p.ip)
        metadata.checksumVerified = checksumsVerified
        let v = p.ip.withUnsafeBytes { tracker.process($0, now: p.time, metadata: metadata) }
        verdicts.append(v)
        tracker.drainEvents { events.append($0) }
    }
    tracker.advance(to: listedAt)
    tracker.drainEvents { _ in }   // expiry DESTROYs: the kernel reaps lazily, not compared
    var flows: [Flow] = []
    tracker.forEachFlow(now: listedAt) { flows.append($0) }
    return EngineObservation(flows: flows, events: events, verdicts: verdicts, statistics: tracker.statistics)
}
