import Conntrack
import ConntrackEngine
import ConntrackFirewall
import ConntrackRuleset

/// Comparison of a NAT scenario's kernel run with the engine's: forwarded packets,
/// drop decisions, table (reply tuples, status bits), events, rule counters and
/// statistics. Returns human-readable differences (empty = agreement).
enum NATComparison {
    static func all(_ s: NATScenario, kernel k: NATKernelObservation, engine e: NATEngineObservation) -> [String] {
        var d = e.rangeViolations
        d += packets(kernel: k, engine: e)
        d += tables(kernel: k.flows, engine: e.flows, map: e.endpoints)
        d += Comparison.events(kernel: k.events, engine: e.events.map { mapped($0, e.endpoints) })
        d += counters(kernel: k.counters, engine: e.firewall, ruleset: e.ruleset)
        var st: [String] = []
        for name in Comparison.comparedStatistics {
            let kv = k.statistics[name] ?? 0, ev = Int(e.statistics[name] ?? 0)
            if kv != ev { st.append("\(name): kernel \(kv), engine \(ev)") }
        }
        if !st.isEmpty { d.append("statistics: " + st.joined(separator: "; ")) }
        return d
    }

    static func mapped(_ ev: Event, _ map: EndpointMap) -> Event {
        var ev = ev
        ev.flow.original = map.toKernel(ev.flow.original)
        ev.flow.reply = map.toKernel(ev.flow.reply)
        return ev
    }

    static func hex(_ b: [UInt8]) -> String {
        b.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    static func describe(_ b: [UInt8]) -> String {
        guard let v = PacketView(b) else { return hex(b) }
        var s = v.description
        if let i = v.inner(b) { s += " quoting [\(i)]" }
        return s
    }

    /// Per packet: forwarded by both (same interface, same bytes once the random
    /// endpoints are paired) or by neither.
    static func packets(kernel k: NATKernelObservation, engine e: NATEngineObservation) -> [String] {
        var d: [String] = []
        for (i, kp) in k.packets.enumerated() {
            if i < k.built.count, k.built[i] != kp.input {
                d.append("#\(i + 1): R received \(describe(kp.input)), the step built \(describe(k.built[i]))")
            }
            guard i < e.packets.count else { break }
            let ep = e.packets[i]
            let why = { () -> String in
                var s = "\(ep.verdict.disposition) ct=\(ep.verdict.conntrack.state)"
                if ep.verdict.conntrack.reason != .none { s += "(\(ep.verdict.conntrack.reason))" }
                if let r = ep.verdict.decidedBy {
                    s += r.rule < 0 ? " by policy of chain \(r.table)/\(r.chain)"
                        : " by " + (e.firewall.rule(r)?.text ?? "rule \(r)")
                }
                if ep.verdict.natDrop != .none { s += " nat: \(ep.verdict.natDrop)" }
                if let n = ep.verdict.dropNote { s += " (\(n))" }
                return s
            }
            switch (kp.outputs.isEmpty, ep.outputs.isEmpty) {
            case (true, true):
                continue
            case (false, true):
                d.append("#\(i + 1) \(describe(kp.input)): the kernel forwarded it out of \(kp.outputs[0].interface) as "
                         + kp.outputs.map { describe($0.bytes) }.joined(separator: ", ") + "; the engine: \(why())")
                continue
            case (true, false):
                d.append("#\(i + 1) \(describe(kp.input)): the kernel did not forward it; the engine forwarded it out of "
                         + "\(ep.outputInterface ?? "?") as " + ep.outputs.map(describe).joined(separator: ", "))
                continue
            case (false, false):
                break
            }
            if kp.outputs.count != ep.outputs.count {
                d.append("#\(i + 1): the kernel sent \(kp.outputs.count) frames, the engine \(ep.outputs.count):\n"
                         + kp.outputs.map { "      kernel: \($0.interface) \(describe($0.bytes)) \(hex($0.bytes))\n" }.joined()
                         + ep.outputs.map { "      engine: \(describe($0)) \(hex($0))\n" }.joined())
                continue
            }
            for (j, (ko, eo)) in zip(kp.outputs, ep.outputs).enumerated() {
                let which = kp.outputs.count > 1 ? "#\(i + 1) frame \(j + 1)" : "#\(i + 1)"
                if ko.interface != ep.outputInterface {
                    d.append("\(which): output interface: kernel \(ko.interface), engine \(ep.outputInterface ?? "?")")
                }
                var norm = PacketEdit.substitute(eo, e.endpoints.engineToKernel)
                PacketEdit.copyIPv6FragmentID(from: ko.bytes, to: &norm)
                if norm != ko.bytes {
                    let diff = zip(norm, ko.bytes).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
                    let lengths = norm.count != ko.bytes.count ? ", lengths \(ko.bytes.count)/\(norm.count)" : ""
                    d.append("\(which) forwarded bytes differ (offsets \(diff.prefix(12))\(lengths)):\n"
                             + "      kernel: \(describe(ko.bytes)) \(hex(ko.bytes))\n"
                             + "      engine: \(describe(eo)) \(hex(norm))")
                }
            }
        }
        if k.packets.count != e.packets.count {
            d.append("packet counts: kernel \(k.packets.count), engine \(e.packets.count)")
        }
        return d
    }

    static func key(_ t: Tuple, _ zone: UInt16?) -> String {
        Comparison.key(t) + Comparison.zoneKey(t.zone ?? zone)
    }

    static func describe(_ f: Flow) -> String {
        "\(Comparison.key(f.original)) reply \(Comparison.key(f.reply)) status=0x\(String(f.status?.rawValue ?? 0, radix: 16)) "
            + "state=\(Comparison.stateName(f) ?? "-") timeout=\(f.timeout.map(String.init) ?? "-") mark=\(f.mark ?? 0) zone=\(f.zone ?? 0)"
    }

    /// Status bits compared: everything the kernel keeps in `ct->status` for these flows.
    static let comparedStatus: UInt32 = 0xffff

    /// Entry by entry: reply tuple (NAT), status bits (SRC_NAT, DST_NAT, *_NAT_DONE,
    /// SEEN_REPLY, ASSURED, CONFIRMED...), protocol state, timeout within 2 s, mark,
    /// zone, counters.
    static func tables(kernel: [Flow], engine: [Flow], map: EndpointMap) -> [String] {
        var d: [String] = []
        var byKey: [String: Flow] = [:]
        for var f in engine {
            f.original = map.toKernel(f.original)
            f.reply = map.toKernel(f.reply)
            byKey[key(f.original, f.zone)] = f
        }
        var seen: Set<String> = []
        for k in kernel {
            let kk = key(k.original, k.zone)
            seen.insert(kk)
            guard let f = byKey[kk] else { d.append("missing in engine: \(describe(k))"); continue }
            var x: [String] = []
            func check<T: Equatable>(_ what: String, _ a: T, _ b: T) { if a != b { x.append("\(what): kernel \(a), engine \(b)") } }
            check("reply tuple", Comparison.key(k.reply), Comparison.key(f.reply))
            let ks = (k.status?.rawValue ?? 0) & comparedStatus, es = (f.status?.rawValue ?? 0) & comparedStatus
            check("status", "0x" + String(ks, radix: 16), "0x" + String(es, radix: 16))
            check("state", Comparison.stateName(k) ?? "-", Comparison.stateName(f) ?? "-")
            check("mark", k.mark ?? 0, f.mark ?? 0)
            check("zone", k.zone ?? 0, f.zone ?? 0)
            check("orig counters", k.countersOriginal.map { "\($0.packets)/\($0.bytes)" } ?? "-",
                  f.countersOriginal.map { "\($0.packets)/\($0.bytes)" } ?? "-")
            check("reply counters", k.countersReply.map { "\($0.packets)/\($0.bytes)" } ?? "-",
                  f.countersReply.map { "\($0.packets)/\($0.bytes)" } ?? "-")
            if let kt = k.timeout, let et = f.timeout {
                if abs(Int64(kt) - Int64(et)) > Comparison.timeoutSlack { x.append("timeout: kernel \(kt), engine \(et)") }
            } else if (k.timeout == nil) != (f.timeout == nil) {
                x.append("timeout: kernel \(k.timeout.map(String.init) ?? "none"), engine \(f.timeout.map(String.init) ?? "none")")
            }
            if !x.isEmpty {
                d.append("\(Comparison.key(k.original)): " + x.joined(separator: "; ")
                         + "\n      kernel: \(describe(k))\n      engine: \(describe(f))")
            }
        }
        for (kk, f) in byKey where !seen.contains(kk) { d.append("extra in engine: \(describe(f))") }
        return d
    }

    /// Every rule with a `counter`: the kernel's packets and bytes against `Firewall.counter`.
    static func counters(kernel: [RuleKey: (packets: UInt64, bytes: UInt64)], engine fw: Firewall,
                         ruleset: Ruleset) -> [String] {
        var d: [String] = []
        var expected = Set(kernel.keys)
        for (ti, t) in ruleset.tables.enumerated() {
            for (ci, c) in t.chains.enumerated() {
                for (ri, r) in c.rules.enumerated() {
                    let key = RuleKey(family: t.family.rawValue, table: t.name, chain: c.name, index: ri)
                    let e = fw.counter(RuleReference(table: ti, chain: ci, rule: ri))
                    let k = kernel[key]
                    expected.remove(key)
                    switch (k, e) {
                    case (nil, nil): continue
                    case (let k?, let e?):
                        if k.packets != e.packets || k.bytes != e.bytes {
                            d.append("counter of `\(r.text)` (\(key)): kernel \(k.packets) packets \(k.bytes) bytes, "
                                     + "engine \(e.packets) packets \(e.bytes) bytes")
                        }
                    default:
                        d.append("counter of `\(r.text)` (\(key)): kernel \(k.map { "\($0.packets)" } ?? "none"), "
                                 + "engine \(e.map { "\($0.packets)" } ?? "none")")
                    }
                }
            }
        }
        for k in expected { d.append("kernel counter \(k) has no rule in the parsed ruleset") }
        return d
    }
}
