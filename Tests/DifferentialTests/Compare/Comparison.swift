import Conntrack

/// Field-by-field comparison of the kernel's table and events with the engine's.
/// Returns human-readable differences (empty = agreement).
enum Comparison {
    /// Allowed difference between the kernel's and the engine's remaining seconds
    /// (the kernel floors jiffies; the listing happens a few ms after `listedAt`).
    static let timeoutSlack: Int64 = 2

    static func key(_ t: Tuple) -> String {
        let ports: String
        if t.isICMP {
            ports = "type=\(t.icmpType) code=\(t.icmpCode) id=\(t.icmpID)"
        } else if t.proto == IPProtocol.gre {
            ports = "keys=\(t.sourcePort)/\(t.destinationPort)"
        } else if t.hasPorts {
            ports = "\(t.sourcePort)->\(t.destinationPort)"
        } else {
            ports = ""
        }
        return "\(IPProtocol.name(t.proto))(\(t.proto)) \(t.source)->\(t.destination) \(ports)"
    }

    /// Protocol state name of an engine flow (TCP/SCTP/DCCP), as conntrack prints it.
    static func stateName(_ f: Flow) -> String? {
        switch f.protoInfo {
        case .tcp(let t)?: TCPState(rawValue: t.state)?.name ?? "TCP(\(t.state))"
        case .sctp(let s)?: SCTPState(rawValue: s.state)?.name ?? "SCTP(\(s.state))"
        case .dccp(let d)?: DCCPState(rawValue: d.state)?.name ?? "DCCP(\(d.state))"
        case nil: nil
        }
    }

    /// The engine flow in the kernel's words, for messages.
    static func describe(_ f: Flow) -> String {
        var s = "\(key(f.original)) state=\(stateName(f) ?? "-") timeout=\(f.timeout.map(String.init) ?? "-")"
        let st = f.status ?? []
        if !st.contains(.seenReply) { s += " [UNREPLIED]" }
        if st.contains(.assured) { s += " [ASSURED]" }
        if let c = f.countersOriginal { s += " orig=\(c.packets)/\(c.bytes)" }
        if let c = f.countersReply { s += " reply=\(c.packets)/\(c.bytes)" }
        if let m = f.mark, m != 0 { s += " mark=\(m)" }
        if let z = f.zone, z != 0 { s += " zone=\(z)" }
        if let z = f.original.zone, z != 0 { s += " zone-orig=\(z)" }
        if let z = f.reply.zone, z != 0 { s += " zone-reply=\(z)" }
        return s
    }

    /// Differences between the kernel's listing and the engine's flows.
    static func tables(kernel: [KernelEntry], engine: [Flow]) -> [String] {
        var diffs: [String] = []
        var engineByKey: [String: Flow] = [:]
        for f in engine { engineByKey[key(f.original) + zoneKey(f.original.zone ?? f.zone)] = f }
        var seen: Set<String> = []
        for k in kernel {
            let kk = key(k.original) + zoneKey(k.original.zone ?? k.zone)
            seen.insert(kk)
            guard let f = engineByKey[kk] else {
                diffs.append("missing in engine: \(k.line)")
                continue
            }
            var d: [String] = []
            func check<T: Equatable>(_ what: String, _ kv: T, _ ev: T) {
                if kv != ev { d.append("\(what): kernel \(kv), engine \(ev)") }
            }
            check("reply tuple", key(k.reply), key(f.reply))
            check("state", k.state ?? "-", stateName(f) ?? "-")
            let st = f.status ?? []
            check("[UNREPLIED]", k.unreplied, !st.contains(.seenReply))
            check("[ASSURED]", k.assured, st.contains(.assured))
            check("orig counters", k.countersOriginal.map { "\($0.packets)/\($0.bytes)" } ?? "-",
                  f.countersOriginal.map { "\($0.packets)/\($0.bytes)" } ?? "-")
            check("reply counters", k.countersReply.map { "\($0.packets)/\($0.bytes)" } ?? "-",
                  f.countersReply.map { "\($0.packets)/\($0.bytes)" } ?? "-")
            check("mark", k.mark ?? 0, f.mark ?? 0)
            check("zone", k.zone ?? 0, f.zone ?? 0)
            // Per-direction zone ids: a tuple's own zone (directional zones), else the flow's.
            check("original zone", k.original.zone ?? k.zone ?? 0, f.original.zone ?? f.zone ?? 0)
            check("reply zone", k.reply.zone ?? k.zone ?? 0, f.reply.zone ?? f.zone ?? 0)
            if let kt = k.timeout {
                if let et = f.timeout {
                    if abs(Int64(kt) - Int64(et)) > timeoutSlack { d.append("timeout: kernel \(kt), engine \(et)") }
                } else {
                    d.append("timeout: kernel \(kt), engine none")
                }
            }
            if !d.isEmpty {
                diffs.append("\(key(k.original)): " + d.joined(separator: "; ") + "\n      kernel: \(k.line)\n      engine: \(describe(f))")
            }
        }
        for f in engine where !seen.contains(key(f.original) + zoneKey(f.original.zone ?? f.zone)) {
            diffs.append("extra in engine: \(describe(f))")
        }
        return diffs
    }

    static func zoneKey(_ z: UInt16?) -> String { (z ?? 0) == 0 ? "" : " zone=\(z!)" }

    /// One event as compared: type, state (when the kernel printed one) and the flags.
    struct EventShape: Equatable {
        var type: EventType
        var state: String?
        var unreplied: Bool
        var assured: Bool
        /// The timeout the message carried (absent in DESTROY events at 0).
        var timeout: UInt32? = nil
        var mark: UInt32 = 0
        var text: String {
            var s = type == .new ? "NEW" : type == .update ? "UPDATE" : "DESTROY"
            if let timeout { s += " \(timeout)" }
            s += " \(state ?? "-")"
            if unreplied { s += " [UNREPLIED]" }
            if assured { s += " [ASSURED]" }
            if mark != 0 { s += " mark=\(mark)" }
            return s
        }
    }

    /// Exact comparison for crafted scenarios: the state is present in exactly the same
    /// events (PROTOINFO only when the state changed, as `conntrack -E` shows it), the
    /// timeouts agree within a second, the marks are equal.
    static func sameStrict(_ a: EventShape, _ b: EventShape) -> Bool {
        guard a.type == b.type, a.state == b.state, a.unreplied == b.unreplied, a.assured == b.assured,
              a.mark == b.mark, (a.timeout == nil) == (b.timeout == nil) else { return false }
        if let x = a.timeout, let y = b.timeout { return abs(Int64(x) - Int64(y)) <= 1 }
        return true
    }

    /// Differences between the kernel's events and the engine's, flow by flow (events of
    /// different flows have no defined order between CPUs). Crafted scenarios compare
    /// exactly (`sameStrict`). With `concurrent` (real traffic, where the two directions of a flow are
    /// processed on different CPUs at the same moment) the kernel's sequence may be the
    /// engine's with UPDATEs merged or shown late: the kernel caches event bits per entry
    /// and fills the message when it is delivered, so one delivery can carry the bits of
    /// two packets, and an event can already show the state the next packet set.
    static func events(kernel: [KernelEntry], engine: [Event], concurrent: Bool = false) -> [String] {
        var order: [String] = []
        var k: [String: [EventShape]] = [:], e: [String: [EventShape]] = [:]
        for ev in kernel {
            let key = key(ev.original) + zoneKey(ev.original.zone ?? ev.zone)
            if k[key] == nil && e[key] == nil { order.append(key) }
            k[key, default: []].append(EventShape(type: ev.eventType ?? .new, state: ev.state,
                                                  unreplied: ev.unreplied, assured: ev.assured,
                                                  timeout: concurrent ? nil : ev.timeout, mark: ev.mark ?? 0))
        }
        for ev in engine {
            let key = key(ev.flow.original) + zoneKey(ev.flow.original.zone ?? ev.flow.zone)
            if k[key] == nil && e[key] == nil { order.append(key) }
            let st = ev.flow.status ?? []
            e[key, default: []].append(EventShape(type: ev.type, state: stateName(ev.flow),
                                                  unreplied: !st.contains(.seenReply), assured: st.contains(.assured),
                                                  timeout: concurrent ? nil : ev.flow.timeout, mark: ev.flow.mark ?? 0))
        }
        var out: [String] = []
        for key in order {
            let ks = k[key] ?? [], es = e[key] ?? []
            func matches(_ i: Int) -> Bool {
                guard i < ks.count, i < es.count else { return false }
                if !concurrent { return sameStrict(ks[i], es[i]) }
                func same(_ a: EventShape, _ b: EventShape) -> Bool {
                    a.type == b.type && (a.state == nil || a.state == (b.state ?? "-"))
                        && a.unreplied == b.unreplied && a.assured == b.assured
                }
                if same(ks[i], es[i]) { return true }
                return concurrent && i + 1 < es.count && ks[i].type == es[i].type
                    && same(EventShape(type: es[i + 1].type, state: ks[i].state, unreplied: ks[i].unreplied,
                                       assured: ks[i].assured), es[i + 1])
            }
            let n = max(ks.count, es.count)
            if concurrent ? mergedMatch(ks, es) : (0..<n).allSatisfy(matches) { continue }
            out.append("events of \(key) differ (kernel | engine):")
            for i in 0..<n {
                let a = i < ks.count ? ks[i].text : "-"
                var b = i < es.count ? es[i].text : "-"
                if concurrent, i < ks.count, ks[i].state == nil, i < es.count {
                    b = EventShape(type: es[i].type, state: nil, unreplied: es[i].unreplied, assured: es[i].assured).text
                }
                out.append("   \(matches(i) ? " " : "!") \(a)  |  \(b)")
            }
        }
        return out
    }

    static func same(_ a: EventShape, _ b: EventShape) -> Bool {
        a.type == b.type && (a.state == nil || a.state == (b.state ?? "-"))
            && a.unreplied == b.unreplied && a.assured == b.assured
    }

    /// Whether kernel events `ks` are engine events `es` with UPDATEs merged or repeated:
    /// every kernel event matches an engine event at or after the previous match, only
    /// UPDATEs are skipped or matched twice, and the last engine event is matched.
    static func mergedMatch(_ ks: [EventShape], _ es: [EventShape]) -> Bool {
        if ks.isEmpty || es.isEmpty { return ks.isEmpty && es.isEmpty }
        var p = 0, last = -1
        for k in ks {
            var j = p
            while j < es.count && !same(k, es[j]) {
                if es[j].type != .update { return false }
                j += 1
            }
            guard j < es.count else { return false }
            last = j
            p = es[j].type == .update ? j : j + 1
        }
        return last == es.count - 1
    }

    /// Statistics compared per scenario: the ones a packet sequence decides.
    static let comparedStatistics = ["invalid", "error", "drop", "early_drop", "insert_failed", "clash_resolve"]

    /// Differences in per-state packet counts and statistics.
    static func counts(kernelStates: [String: Int]?, kernelStatistics: [String: Int]?, engine: EngineObservation) -> [String] {
        var out: [String] = []
        if let k = kernelStates {
            let kk = k.filter { $0.value != 0 }, e = engine.states
            if kk != e {
                out.append("ct state counts: kernel \(kk.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")), "
                           + "engine \(e.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
            }
        }
        if let k = kernelStatistics {
            var d: [String] = []
            for name in comparedStatistics {
                let kv = k[name] ?? 0, ev = Int(engine.statistics[name] ?? 0)
                if kv != ev { d.append("\(name): kernel \(kv), engine \(ev)") }
            }
            if !d.isEmpty { out.append("statistics: " + d.joined(separator: "; ")) }
        }
        return out
    }
}
