import Conntrack
import ConntrackEngine
import ConntrackFirewall
import ConntrackRuleset

/// What the engine's firewall did with one packet.
struct EnginePacket {
    var input: [UInt8]
    var verdict: FirewallVerdict
    /// What left the router: the packet (NATed, TTL decremented by the firewall), or the
    /// fragments of the datagram it completed; empty when not forwarded.
    var outputs: [[UInt8]] = []
    var outputInterface: String?
}

/// What the engine did with a NAT scenario.
struct NATEngineObservation {
    var packets: [EnginePacket]
    var flows: [Flow]
    var events: [Event]
    var firewall: Firewall
    var ruleset: Ruleset
    /// The kernel's random endpoints and the engine's, paired.
    var endpoints: EndpointMap
    var statistics: CPUStatistics
    /// Random choices outside the scenario's range (kernel or engine).
    var rangeViolations: [String]
}

struct EngineSetupError: Error, CustomStringConvertible {
    var description: String
}

/// Runs the scenario's packets through a `Firewall` built from the same ruleset file R
/// loaded and a model of R's interfaces: packet `i` is the one R received (or, for a
/// step built from earlier forwarded packets, built from the engine's own output), fed
/// with R's receive timestamp and input interface.
func runNATEngine(_ s: NATScenario, rulesetText: String, rulesetPath: String,
                  kernel: NATKernelObservation) throws -> NATEngineObservation {
    let ruleset: Ruleset
    do { ruleset = try Ruleset.parse(rulesetText, file: rulesetPath) } catch {
        throw EngineSetupError(description: "Ruleset.parse: \(error)")
    }
    var config = TrackerConfiguration()
    config.accounting = true   // nf_conntrack_acct=1 in R
    let tracker = Tracker(configuration: config, seed: 0x5eed)
    for k in s.knobs { try tracker.setSysctl("net.netfilter.nf_conntrack_\(k.name)", k.value) }
    let fw: Firewall
    do { fw = try Firewall(ruleset: ruleset, router: kernel.router, tracker: tracker) } catch {
        throw EngineSetupError(description: "Firewall: \(error)")
    }
    var view = RouterView()
    var map = EndpointMap()
    var out: [EnginePacket] = []
    var events: [Event] = []
    var violations: [String] = []
    for (i, k) in kernel.packets.enumerated() {
        let input = s.steps[i].dynamic ? try s.steps[i].build(view) : k.input
        // Room behind the packet: the FTP helper's NAT may lengthen it.
        var buffer = input + [UInt8](repeating: 0, count: 256)
        var length = input.count
        // A packet R sent itself has no input interface (the output hook's packets).
        let iface = k.fromRouter ? nil : kernel.router.index(of: k.side == .a ? "ra" : "rb")
        let v = buffer.withUnsafeMutableBytes { fw.process($0, length: &length, now: k.time, input: iface) }
        let bytes = Array(buffer[0..<length])
        tracker.drainEvents { events.append($0) }
        var p = EnginePacket(input: input, verdict: v)
        if v.disposition == .forwarded {
            p.outputs = v.fragments.isEmpty ? [bytes] : v.fragments
            p.outputInterface = v.outputInterface.map { kernel.router.interfaces[$0].name }
            view.forwarded[i] = p.outputs[0]
            if let ko = k.outputs.first?.bytes {
                violations += learnEndpoints(kernel: ko, engine: p.outputs[0], kernelInput: k.input, engineInput: input,
                                             range: s.randomPorts, into: &map, packet: i)
            }
        }
        out.append(p)
    }
    tracker.advance(to: kernel.listedAt)
    tracker.drainEvents { _ in }
    var flows: [Flow] = []
    tracker.forEachFlow(now: kernel.listedAt) { flows.append($0) }
    return NATEngineObservation(packets: out, flows: flows, events: events, firewall: fw, ruleset: ruleset,
                                endpoints: map, statistics: tracker.statistics, rangeViolations: violations)
}

/// Pairs the endpoint the kernel translated packet `i` to with the engine's, when they
/// differ only in a port (or ICMP id) that NAT chose, both inside `range`.
func learnEndpoints(kernel ko: [UInt8], engine eo: [UInt8], kernelInput: [UInt8], engineInput: [UInt8],
                    range: ClosedRange<UInt16>?, into map: inout EndpointMap, packet i: Int) -> [String] {
    guard let kv = PacketView(ko), let ev = PacketView(eo), let ki = PacketView(kernelInput),
          let ei = PacketView(engineInput), kv.hasIDs, ev.hasIDs, kv.proto == ev.proto else { return [] }
    var problems: [String] = []
    func consider(kernelAddress: IPAddress, engineAddress: IPAddress, kernelPort: UInt16, enginePort: UInt16,
                  kernelBefore: UInt16, engineBefore: UInt16) {
        guard kernelAddress == engineAddress, kernelPort != enginePort else { return }
        // Only a port that NAT changed (in both runs) is a choice; anything else is a plain difference.
        guard kernelPort != kernelBefore || enginePort != engineBefore else { return }
        guard let range else { return }
        if !range.contains(kernelPort) { problems.append("#\(i + 1): the kernel chose \(kernelPort), outside \(range)") }
        if !range.contains(enginePort) { problems.append("#\(i + 1): the engine chose \(enginePort), outside \(range)") }
        map.add(kernel: Endpoint(proto: kv.proto, address: kernelAddress, port: kernelPort),
                engine: Endpoint(proto: ev.proto, address: engineAddress, port: enginePort))
    }
    consider(kernelAddress: kv.source, engineAddress: ev.source, kernelPort: kv.sourcePort, enginePort: ev.sourcePort,
             kernelBefore: ki.sourcePort, engineBefore: ei.sourcePort)
    if !kv.isICMPQuery {
        consider(kernelAddress: kv.destination, engineAddress: ev.destination, kernelPort: kv.destinationPort,
                 enginePort: ev.destinationPort, kernelBefore: ki.destinationPort, engineBefore: ei.destinationPort)
    }
    return problems
}

extension PacketView {
    var isICMPQuery: Bool { icmpType != nil && hasIDs }
}
