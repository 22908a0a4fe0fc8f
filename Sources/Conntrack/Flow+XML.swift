extension Flow {
    /// Appends the conntrack-tools XML form of one flow (`<flow>…</flow>` on one line,
    /// no newline). `event` adds `type="new|update|destroy"`; `showWhen` adds `<when>`.
    public func appendXML(to out: inout [UInt8], event: EventType? = nil, showWhen: Bool = false,
                          options: FlowFormatOptions) {
        switch event {
        case .new: out.append(literal: "<flow type=\"new\">")
        case .update: out.append(literal: "<flow type=\"update\">")
        case .destroy: out.append(literal: "<flow type=\"destroy\">")
        case nil: out.append(literal: "<flow>")
        }
        appendXMLTuple(original, direction: "original", counters: countersOriginal, to: &out)
        appendXMLTuple(reply, direction: "reply", counters: countersReply, to: &out)
        let independent = protoInfo != nil || timeout != nil || mark != nil || secmark != nil || zone != nil
            || use != nil || status != nil || id != nil || labels != nil
            || timestamps?.start != nil || timestamps?.stop != nil
        if independent { out.append(literal: "<meta direction=\"independent\">") }
        if let protoInfo {
            // libnetfilter_conntrack prints SCTP and DCCP states with the TCP names.
            let s = Int(protoInfo.state)
            out.append(literal: "<state>")
            out.append(ascii: s < TCPState.names.count ? TCPState.names[s] : "NONE")
            out.append(literal: "</state>")
        }
        if let timeout { out.append(literal: "<timeout>"); out.append(decimal: UInt64(timeout)); out.append(literal: "</timeout>") }
        if let mark { out.append(literal: "<mark>"); out.append(decimal: UInt64(mark)); out.append(literal: "</mark>") }
        if let map = options.labelMap, let labels {
            out.append(literal: "<labels>")
            for bit in 0..<(labels.byteCount * 8) where labels.contains(bit) {
                if let name = map.name(of: bit), !name.isEmpty {
                    out.append(literal: "<label>"); out.append(ascii: name); out.append(literal: "</label>")
                }
            }
            out.append(literal: "</labels>")
        }
        if let secmark { out.append(literal: "<secmark>"); out.append(decimal: UInt64(secmark)); out.append(literal: "</secmark>") }
        if let secctx { out.append(literal: "<secctx>"); out.append(ascii: secctx); out.append(literal: "</secctx>") }
        if let zone { out.append(literal: "<zone>"); out.append(decimal: UInt64(zone)); out.append(literal: "</zone>") }
        if let use { out.append(literal: "<use>"); out.append(decimal: UInt64(use)); out.append(literal: "</use>") }
        if let id { out.append(literal: "<id>"); out.append(decimal: UInt64(id)); out.append(literal: "</id>") }
        if let status, status.contains(.assured) { out.append(literal: "<assured/>") }
        if let status, !status.contains(.seenReply) { out.append(literal: "<unreplied/>") }
        let start = timestamps?.start, stop = timestamps?.stop
        if options.showKernelTimestamps, start != nil || stop != nil {
            out.append(literal: "<timestamp>")
            if let start { out.append(literal: "<start>"); out.append(decimal: start); out.append(literal: "</start>") }
            if let stop { out.append(literal: "<stop>"); out.append(decimal: stop); out.append(literal: "</stop>") }
            out.append(literal: "</timestamp>")
        }
        if let start {
            let delta: Int64
            if let stop { delta = Int64(bitPattern: (stop &- start) / 1_000_000_000) }
            else { delta = options.now &- Int64(start / 1_000_000_000) }
            out.append(literal: "<deltatime>"); out.append(decimal: UInt64(bitPattern: delta)); out.append(literal: "</deltatime>")
        }
        if independent { out.append(literal: "</meta>") }
        if showWhen, let when = options.whenNow { Flow.appendWhen(when(), to: &out) }
        if let helper { out.append(literal: "<helper>"); out.append(ascii: helper); out.append(literal: "</helper>") }
        out.append(literal: "</flow>")
    }

    static func append2(_ v: Int, to out: inout [UInt8]) {
        if v < 10 && v >= 0 { out.append(48) }
        out.append(signed: Int64(v))
    }

    private func appendXMLTuple(_ t: Tuple, direction: StaticString, counters: Counters?, to out: inout [UInt8]) {
        out.append(literal: "<meta direction=\""); out.append(literal: direction); out.append(literal: "\">")
        out.append(literal: "<layer3 protonum=\""); out.append(decimal: UInt64(t.family.rawValue))
        out.append(literal: "\" protoname=\""); out.append(ascii: t.family.description); out.append(literal: "\">")
        out.append(literal: "<src>"); out.append(address: t.source); out.append(literal: "</src>")
        out.append(literal: "<dst>"); out.append(address: t.destination); out.append(literal: "</dst></layer3>")
        out.append(literal: "<layer4 protonum=\""); out.append(decimal: UInt64(t.proto))
        out.append(literal: "\" protoname=\""); out.append(ascii: IPProtocol.name(t.proto)); out.append(literal: "\">")
        switch t.proto {
        case IPProtocol.tcp, IPProtocol.udp, IPProtocol.udplite, IPProtocol.sctp, IPProtocol.dccp:
            out.append(literal: "<sport>"); out.append(decimal: UInt64(t.sourcePort)); out.append(literal: "</sport>")
            out.append(literal: "<dport>"); out.append(decimal: UInt64(t.destinationPort)); out.append(literal: "</dport>")
        case IPProtocol.gre:
            out.append(literal: "<srckey>0x"); out.append(hex: UInt64(t.sourcePort)); out.append(literal: "</srckey>")
            out.append(literal: "<dstkey>0x"); out.append(hex: UInt64(t.destinationPort)); out.append(literal: "</dstkey>")
        default: break
        }
        out.append(literal: "</layer4>")
        if let z = t.zone { out.append(literal: "<zone>"); out.append(decimal: UInt64(z)); out.append(literal: "</zone>") }
        // Both blocks depend on the original counters (libnetfilter_conntrack).
        if countersOriginal != nil {
            let c = counters ?? Counters()
            out.append(literal: "<counters><packets>"); out.append(decimal: c.packets)
            out.append(literal: "</packets><bytes>"); out.append(decimal: c.bytes); out.append(literal: "</bytes></counters>")
        }
        out.append(literal: "</meta>")
    }
}

extension Flow {
    /// The `<when>` element of XML events and expectation lines: local time of printing
    /// as (hour, minute, second, weekday 0-6, day, month, year).
    static func appendWhen(_ w: (Int, Int, Int, Int, Int, Int, Int), to out: inout [UInt8]) {
        out.append(literal: "<when><hour>"); out.append(signed: Int64(w.0))
        out.append(literal: "</hour><min>"); Flow.append2(w.1, to: &out)
        out.append(literal: "</min><sec>"); Flow.append2(w.2, to: &out)
        out.append(literal: "</sec><wday>"); out.append(signed: Int64(w.3 + 1))
        out.append(literal: "</wday><day>"); out.append(signed: Int64(w.4))
        out.append(literal: "</day><month>"); out.append(signed: Int64(w.5))
        out.append(literal: "</month><year>"); out.append(signed: Int64(w.6))
        out.append(literal: "</year></when>")
    }
}
