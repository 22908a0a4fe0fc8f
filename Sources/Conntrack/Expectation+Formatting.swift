extension Expectation {
    /// Appends the conntrack-tools one-line text form of an expectation (no newline):
    /// `300 proto=6 src=… dst=… sport=0 dport=50000 mask-src=… … master-src=… … class=0 helper=ftp`.
    public func appendText(to out: inout [UInt8], event: EventType? = nil) {
        let start = out.count
        if let event { out.append(ascii: event.label); out.append(32) }
        if let timeout { out.append(decimal: UInt64(timeout)); out.append(32) }
        out.append(literal: "proto="); out.append(decimal: UInt64(tuple.proto)); out.append(32)
        Flow.appendTuple(tuple, to: &out)
        Flow.appendTuple(mask, to: &out, srcTag: "mask-src=", dstTag: "mask-dst=")
        Flow.appendTuple(master, to: &out, srcTag: "master-src=", dstTag: "master-dst=")
        if let zone { out.append(literal: "zone="); out.append(decimal: UInt64(zone)); out.append(32) }
        let f = flags ?? []
        var delim = false
        if f.contains(.permanent) { out.append(literal: "PERMANENT"); delim = true }
        if f.contains(.inactive) { if delim { out.append(44) }; out.append(literal: "INACTIVE"); delim = true }
        if f.contains(.userspace) { if delim { out.append(44) }; out.append(literal: "USERSPACE") }
        if !f.isEmpty { out.append(32) }
        if let expectClass { out.append(literal: "class="); out.append(decimal: UInt64(expectClass)); out.append(32) }
        if let helper { out.append(literal: "helper="); out.append(ascii: helper) }
        if out.count > start, out.last == 32 { out.removeLast() }
    }

    /// Appends the conntrack-tools XML form of an expectation (`<flow>…</flow>`, no newline).
    public func appendXML(to out: inout [UInt8], event: EventType? = nil, showWhen: Bool = false,
                          options: FlowFormatOptions) {
        switch event {
        case .new: out.append(literal: "<flow type=\"new\">")
        case .update: out.append(literal: "<flow type=\"update\">")
        case .destroy: out.append(literal: "<flow type=\"destroy\">")
        case nil: out.append(literal: "<flow>")
        }
        out.append(literal: "<layer3 protonum=\""); out.append(decimal: UInt64(tuple.family.rawValue))
        out.append(literal: "\" protoname=\""); out.append(ascii: tuple.family.description); out.append(literal: "\">")
        for (tag, t) in [("expected", tuple), ("mask", mask), ("master", master)] {
            out.append(60); out.append(ascii: tag); out.append(62)
            out.append(literal: "<src>"); out.append(address: t.source); out.append(literal: "</src>")
            out.append(literal: "<dst>"); out.append(address: t.destination); out.append(literal: "</dst>")
            out.append(literal: "</"); out.append(ascii: tag); out.append(62)
        }
        out.append(literal: "</layer3><layer4 protonum=\""); out.append(decimal: UInt64(tuple.proto))
        out.append(literal: "\" protoname=\""); out.append(ascii: IPProtocol.name(tuple.proto)); out.append(literal: "\">")
        for (tag, t) in [("expected", tuple), ("mask", mask), ("master", master)] {
            out.append(60); out.append(ascii: tag); out.append(62)
            switch t.proto {
            case IPProtocol.tcp, IPProtocol.udp, IPProtocol.udplite, IPProtocol.sctp, IPProtocol.dccp:
                out.append(literal: "<sport>"); out.append(decimal: UInt64(t.sourcePort)); out.append(literal: "</sport>")
                out.append(literal: "<dport>"); out.append(decimal: UInt64(t.destinationPort)); out.append(literal: "</dport>")
            case IPProtocol.gre:
                out.append(literal: "<srckey>0x"); out.append(hex: UInt64(t.sourcePort)); out.append(literal: "</srckey>")
                out.append(literal: "<dstkey>0x"); out.append(hex: UInt64(t.destinationPort)); out.append(literal: "</dstkey>")
            default: break
            }
            out.append(literal: "</"); out.append(ascii: tag); out.append(62)
        }
        out.append(literal: "</layer4><meta>")
        if let helper { out.append(literal: "<helper-name>"); out.append(ascii: helper); out.append(literal: "</helper-name>") }
        if let timeout { out.append(literal: "<timeout>"); out.append(decimal: UInt64(timeout)); out.append(literal: "</timeout>") }
        if let expectClass { out.append(literal: "<class>"); out.append(decimal: UInt64(expectClass)); out.append(literal: "</class>") }
        if let zone { out.append(literal: "<zone>"); out.append(decimal: UInt64(zone)); out.append(literal: "</zone>") }
        if showWhen, let when = options.whenNow { Flow.appendWhen(when(), to: &out) }
        let f = flags ?? []
        if f.contains(.permanent) { out.append(literal: "<permanent/>") }
        if f.contains(.inactive) { out.append(literal: "<inactive/>") }
        if f.contains(.userspace) { out.append(literal: "<userspace/>") }
        out.append(literal: "</meta></flow>")
    }

    /// Appends one JSON object for an expectation (`-o json`): `type` (events),
    /// `timeout`, `protonum`, `expected`/`mask`/`master` tuples (as for flows),
    /// `zone`, `flags` (array of `PERMANENT`/`INACTIVE`/`USERSPACE`), `class`, `helper`, `id`.
    public func appendJSON(to out: inout [UInt8], event: EventType? = nil) {
        out.append(123)
        if let event {
            out.append(literal: "\"type\":")
            out.append(jsonString: event == .new ? "new" : event == .update ? "update" : "destroy")
            out.append(44)
        }
        out.append(literal: "\"family\":"); out.append(jsonString: tuple.family.description)
        if let timeout { out.append(literal: ",\"timeout\":"); out.append(decimal: UInt64(timeout)) }
        out.append(literal: ",\"protonum\":"); out.append(decimal: UInt64(tuple.proto))
        out.append(literal: ",\"expected\":"); Flow.appendJSONTuple(tuple, counters: nil, to: &out)
        out.append(literal: ",\"mask\":"); Flow.appendJSONTuple(mask, counters: nil, to: &out)
        out.append(literal: ",\"master\":"); Flow.appendJSONTuple(master, counters: nil, to: &out)
        if let zone { out.append(literal: ",\"zone\":"); out.append(decimal: UInt64(zone)) }
        if let f = flags {
            out.append(literal: ",\"flags\":[")
            var names: [String] = []
            if f.contains(.permanent) { names.append("PERMANENT") }
            if f.contains(.inactive) { names.append("INACTIVE") }
            if f.contains(.userspace) { names.append("USERSPACE") }
            for (i, n) in names.enumerated() { if i > 0 { out.append(44) }; out.append(jsonString: n) }
            out.append(93)
        }
        if let expectClass { out.append(literal: ",\"class\":"); out.append(decimal: UInt64(expectClass)) }
        if let helper { out.append(literal: ",\"helper\":"); out.append(jsonString: helper) }
        if let id { out.append(literal: ",\"id\":"); out.append(decimal: UInt64(id)) }
        out.append(125)
    }
}
