import Conntrack
import ConntrackEngine
import PacketCapture
import ConntrackFirewall

/// `--explain`: one line per packet.
///
/// `#N SECONDS.MICROS DIRECTION STATE CONNECTION [: REASON]` where CONNECTION is the
/// connection's original tuple (or, without a connection, the packet's own addresses),
/// followed by the protocol state and flags after the packet, e.g.
/// `#3 1700000000.000300 original established tcp 10.0.0.1:40000 -> 10.0.0.2:80 ESTABLISHED [ASSURED]`
/// `#7 1700000000.000700 original invalid tcp 10.0.0.1:40000 -> 10.0.0.2:80: TCP: SEQ over upper bound`
extension EngineSource {
    func explain(_ number: Int, _ t: UInt64, _ ip: UnsafeRawBufferPointer, _ v: Verdict, _ out: OutputBuffer,
                 routed: (FirewallVerdict, Tuple?, Tuple?)? = nil) {
        var line = "#\(number) \(EngineSource.formatTime(t)) "
        line += v.direction == .reply ? "reply " : "original "
        line += v.state.description
        if let h = v.connection, let f = tracker.flow(h, now: t) {
            line += " " + EngineSource.describe(f.original)
            if case .tcp(let info)? = f.protoInfo { line += " " + (TCPState(rawValue: info.state)?.name ?? "NONE") }
            if case .sctp(let info)? = f.protoInfo { line += " " + (SCTPState(rawValue: info.state)?.name ?? "NONE") }
            let status = f.status ?? []
            if !status.contains(.seenReply) { line += " [UNREPLIED]" }
            if status.contains(.assured) { line += " [ASSURED]" }
        } else if let t = EngineSource.packetTuple(ip) {
            line += " " + EngineSource.describe(t)
        } else {
            line += " (unparsable packet, \(ip.count) bytes)"
        }
        if v.state == .invalid { line += ": \(v.reason)" }
        if let (fv, before, after) = routed, let fw = firewall { line += EngineSource.routing(fw, fv, before, after) }
        line += "\n"
        out.bytes.append(contentsOf: line.utf8)
        out.flushIfNeeded()
    }

    /// ` | forwarded via wan0, snat to 192.0.2.1:40000, by t.nft:7:9 "oifname "wan0" masquerade"`
    static func routing(_ fw: Firewall, _ v: FirewallVerdict, _ before: Tuple?, _ after: Tuple?) -> String {
        var s = " |"
        switch v.disposition {
        case .forwarded:
            s += " forwarded"
            if let o = v.outputInterface, o < fw.router.interfaces.count { s += " via " + fw.router.interfaces[o].name }
        case .delivered: s += " delivered locally"
        case .dropped: s += " dropped"
        case .queued: s += " queued for reassembly"
        }
        if let b = before, let a = after, v.translated {
            if a.source != b.source || a.sourcePort != b.sourcePort {
                s += ", snat to " + endpoint(a.source, a.hasPorts ? a.sourcePort : nil)
            }
            if a.destination != b.destination || a.destinationPort != b.destinationPort {
                s += ", dnat to " + endpoint(a.destination, a.hasPorts ? a.destinationPort : nil)
            }
            if a.isICMP && a.sourcePort != b.sourcePort { s += ", icmp id \(b.sourcePort) -> \(a.sourcePort)" }
        }
        if v.natDrop != .none { s += ", NAT: \(v.natDrop)" }
        if let note = v.dropNote { s += ", " + note }
        if let r = v.decidedBy {
            if let rule = fw.rule(r) {
                s += ", by \(rule.location) \"\(rule.text)\""
            } else if r.table < fw.ruleset.tables.count, r.chain < fw.ruleset.tables[r.table].chains.count {
                let c = fw.ruleset.tables[r.table].chains[r.chain]
                s += ", by policy of chain \(fw.ruleset.tables[r.table].name)/\(c.name) (\(c.location))"
            }
        }
        return s
    }

    static func endpoint(_ a: IPAddress, _ port: UInt16?) -> String {
        guard let port else { return "\(a)" }
        return a.family == .ipv6 ? "[\(a)]:\(port)" : "\(a):\(port)"
    }

    func explainSkipped(_ number: Int, _ t: UInt64, _ layer: NetworkLayer, _ out: OutputBuffer) {
        let why: String
        if case .notIP(let r) = layer { why = "\(r)" } else { why = "not IP" }
        out.bytes.append(contentsOf: "#\(number) \(EngineSource.formatTime(t)) skipped: \(why)\n".utf8)
        out.flushIfNeeded()
    }

    static func formatTime(_ t: UInt64) -> String {
        let us = (t / 1000) % 1_000_000
        var frac = String(us)
        frac = String(repeating: "0", count: 6 - frac.count) + frac
        return "\(t / 1_000_000_000).\(frac)"
    }

    static func describe(_ t: Tuple) -> String {
        let name = IPProtocol.name(t.proto)
        let p = name == "unknown" ? "proto \(t.proto)" : name
        if t.hasPorts {
            let s = t.family == .ipv6 ? "[\(t.source)]:\(t.sourcePort)" : "\(t.source):\(t.sourcePort)"
            let d = t.family == .ipv6 ? "[\(t.destination)]:\(t.destinationPort)" : "\(t.destination):\(t.destinationPort)"
            return "\(p) \(s) -> \(d)"
        }
        if t.isICMP {
            return "\(p) \(t.source) -> \(t.destination) type=\(t.icmpType) code=\(t.icmpCode) id=\(t.icmpID)"
        }
        return "\(p) \(t.source) -> \(t.destination)"
    }

    /// The addresses, protocol and ports of a packet, read leniently for explanations.
    static func packetTuple(_ ip: UnsafeRawBufferPointer) -> Tuple? {
        guard ip.count >= 1 else { return nil }
        let version = ip[0] >> 4
        var proto: UInt8
        var l4: Int
        let src: IPAddress, dst: IPAddress
        if version == 4 {
            guard ip.count >= 20 else { return nil }
            src = IPAddress(bytes: ip[12..<16])!
            dst = IPAddress(bytes: ip[16..<20])!
            proto = ip[9]
            l4 = Int(ip[0] & 0x0f) * 4
            let fragOffset = (UInt16(ip[6] & 0x1f) << 8) | UInt16(ip[7])
            if fragOffset != 0 { return Tuple(source: src, destination: dst, protocol: proto) }
        } else if version == 6 {
            guard ip.count >= 40 else { return nil }
            src = IPAddress(bytes: ip[8..<24])!
            dst = IPAddress(bytes: ip[24..<40])!
            proto = ip[6]
            l4 = 40
            // Walk hop-by-hop, routing, destination options and fragment headers.
            while [0, 43, 60, 44].contains(proto), l4 + 8 <= ip.count {
                let next = ip[l4]
                l4 += proto == 44 ? 8 : (Int(ip[l4 + 1]) + 1) * 8
                proto = next
            }
        } else {
            return nil
        }
        var t = Tuple(source: src, destination: dst, protocol: proto)
        if l4 + 4 <= ip.count {
            let a = UInt16(ip[l4]) << 8 | UInt16(ip[l4 + 1])
            let b = UInt16(ip[l4 + 2]) << 8 | UInt16(ip[l4 + 3])
            if t.hasPorts { t.sourcePort = a; t.destinationPort = b }
            if t.isICMP, l4 + 6 <= ip.count {
                t.destinationPort = a
                t.sourcePort = UInt16(ip[l4 + 4]) << 8 | UInt16(ip[l4 + 5])
            }
        }
        return t
    }
}
