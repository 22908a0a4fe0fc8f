extension Array where Element == UInt8 {
    /// Appends a JSON string literal (quotes included), escaping as RFC 8259 requires.
    public mutating func append(jsonString s: String) {
        append(34)
        for b in s.utf8 {
            switch b {
            case 34: append(literal: "\\\"")
            case 92: append(literal: "\\\\")
            case 10: append(literal: "\\n")
            case 13: append(literal: "\\r")
            case 9: append(literal: "\\t")
            case 0..<32:
                append(literal: "\\u00")
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                append(hex[Int(b >> 4)]); append(hex[Int(b & 15)])
            default: append(b)
            }
        }
        append(34)
    }
}

extension Status {
    /// Kernel names of the bits (`IPS_*` without the prefix), in bit order.
    public static let bitNames = ["EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED", "SRC_NAT", "DST_NAT",
                                  "SEQ_ADJUST", "SRC_NAT_DONE", "DST_NAT_DONE", "DYING", "FIXED_TIMEOUT",
                                  "TEMPLATE", "NAT_CLASH", "HELPER", "OFFLOAD", "HW_OFFLOAD"]
}

extension Flow {
    /// Appends one JSON object (no newline) describing the flow (`-o json`).
    ///
    /// Fields (each only when known): `type` (events: `new`/`update`/`destroy`),
    /// `family`, `protocol`, `protonum`, `timeout`, `state`, `original`/`reply`
    /// (`src`, `dst`, then `sport`/`dport`, `srckey`/`dstkey` or `type`/`code`/`id`,
    /// `zone`, `packets`, `bytes`), `status` (array of kernel bit names), `mark`,
    /// `secmark`, `secctx`, `zone`, `use`, `id`, `helper`, `labels` (names, or bit
    /// numbers when no name is known), `timestamp` (`start`/`stop` in ns), `delta_time`.
    public func appendJSON(to out: inout [UInt8], event: EventType? = nil, options: FlowFormatOptions) {
        out.append(123)
        if let event {
            out.append(literal: "\"type\":")
            out.append(jsonString: event == .new ? "new" : event == .update ? "update" : "destroy")
            out.append(44)
        }
        out.append(literal: "\"family\":"); out.append(jsonString: original.family.description)
        out.append(literal: ",\"protocol\":"); out.append(jsonString: IPProtocol.name(original.proto))
        out.append(literal: ",\"protonum\":"); out.append(decimal: UInt64(original.proto))
        if let timeout { out.append(literal: ",\"timeout\":"); out.append(decimal: UInt64(timeout)) }
        if let protoInfo {
            let s = Int(protoInfo.state)
            let name: String
            switch protoInfo {
            case .tcp: name = s < TCPState.names.count ? TCPState.names[s] : "NONE"
            case .sctp: name = s < SCTPState.names.count ? SCTPState.names[s] : "NONE"
            case .dccp: name = s < DCCPState.names.count ? DCCPState.names[s] : "NONE"
            }
            out.append(literal: ",\"state\":"); out.append(jsonString: name)
        }
        out.append(literal: ",\"original\":"); Flow.appendJSONTuple(original, counters: countersOriginal, to: &out)
        out.append(literal: ",\"reply\":"); Flow.appendJSONTuple(reply, counters: countersReply, to: &out)
        if let status {
            out.append(literal: ",\"status\":[")
            var first = true
            for bit in 0..<16 where status.rawValue & (1 << UInt32(bit)) != 0 {
                if !first { out.append(44) }
                first = false
                out.append(jsonString: Status.bitNames[bit])
            }
            out.append(93)
        }
        if let mark { out.append(literal: ",\"mark\":"); out.append(decimal: UInt64(mark)) }
        if let secmark { out.append(literal: ",\"secmark\":"); out.append(decimal: UInt64(secmark)) }
        if let secctx { out.append(literal: ",\"secctx\":"); out.append(jsonString: secctx) }
        if let zone { out.append(literal: ",\"zone\":"); out.append(decimal: UInt64(zone)) }
        if let use { out.append(literal: ",\"use\":"); out.append(decimal: UInt64(use)) }
        if let id { out.append(literal: ",\"id\":"); out.append(decimal: UInt64(id)) }
        if let helper { out.append(literal: ",\"helper\":"); out.append(jsonString: helper) }
        if let labels {
            out.append(literal: ",\"labels\":[")
            var first = true
            for bit in 0..<(labels.byteCount * 8) where labels.contains(bit) {
                if !first { out.append(44) }
                first = false
                if let name = options.labelMap?.name(of: bit) { out.append(jsonString: name) } else { out.append(decimal: UInt64(bit)) }
            }
            out.append(93)
        }
        if let ts = timestamps, ts.start != nil || ts.stop != nil {
            out.append(literal: ",\"timestamp\":{")
            if let s = ts.start { out.append(literal: "\"start\":"); out.append(decimal: s) }
            if let s = ts.stop { if ts.start != nil { out.append(44) }; out.append(literal: "\"stop\":"); out.append(decimal: s) }
            out.append(125)
            if let s = ts.start {
                let stopSec = (ts.stop ?? 0) == 0 ? options.now : Int64(ts.stop! / 1_000_000_000)
                out.append(literal: ",\"delta_time\":"); out.append(signed: stopSec &- Int64(s / 1_000_000_000))
            }
        }
        out.append(125)
    }

    static func appendJSONTuple(_ t: Tuple, counters: Counters?, to out: inout [UInt8]) {
        out.append(literal: "{\"src\":\""); out.append(address: t.source)
        out.append(literal: "\",\"dst\":\""); out.append(address: t.destination); out.append(34)
        switch t.proto {
        case IPProtocol.tcp, IPProtocol.udp, IPProtocol.udplite, IPProtocol.sctp, IPProtocol.dccp:
            out.append(literal: ",\"sport\":"); out.append(decimal: UInt64(t.sourcePort))
            out.append(literal: ",\"dport\":"); out.append(decimal: UInt64(t.destinationPort))
        case IPProtocol.gre:
            out.append(literal: ",\"srckey\":"); out.append(decimal: UInt64(t.sourcePort))
            out.append(literal: ",\"dstkey\":"); out.append(decimal: UInt64(t.destinationPort))
        case IPProtocol.icmp, IPProtocol.icmpv6:
            out.append(literal: ",\"type\":"); out.append(decimal: UInt64(t.icmpType))
            out.append(literal: ",\"code\":"); out.append(decimal: UInt64(t.icmpCode))
            out.append(literal: ",\"id\":"); out.append(decimal: UInt64(t.icmpID))
        default: break
        }
        if let z = t.zone { out.append(literal: ",\"zone\":"); out.append(decimal: UInt64(z)) }
        if let c = counters {
            out.append(literal: ",\"packets\":"); out.append(decimal: c.packets)
            out.append(literal: ",\"bytes\":"); out.append(decimal: c.bytes)
        }
        out.append(125)
    }
}
