/// Options of the conntrack-tools text and XML formats (`-o extended,id,ktimestamp,labels`).
public struct FlowFormatOptions {
    /// `-o extended`: print `ipv4     2 ` before the protocol.
    public var showLayer3 = false
    /// `-o id`: print `id=` (XML always prints the id).
    public var showID = false
    /// `-o ktimestamp`: print `[start=…] [stop=…]` (text) or `<timestamp>` (XML).
    public var showKernelTimestamps = false
    /// Label names; when set (any label option was used), `labels=` is printed.
    public var labelMap: LabelMap? = nil
    /// Current time in seconds since the epoch, for `delta-time=` of live entries.
    public var now: Int64 = 0
    /// Renders seconds since the epoch like `ctime()` without the newline
    /// (`Tue Nov 24 19:45:01 2026`); needs libc, so the tool provides it.
    public var localTime: (Int64) -> String = { String($0) }
    /// Broken-down local time of "now" for XML `<when>` (`-o timestamp` on events):
    /// (hour, min, sec, wday 0-6, mday, month 1-12, year).
    public var whenNow: (() -> (Int, Int, Int, Int, Int, Int, Int))? = nil

    public init() {}
}

extension Flow {
    /// Appends the conntrack-tools one-line text form (`nfct_snprintf` default format),
    /// without the trailing newline.
    ///
    /// `event` adds the right-aligned `[NEW]`/`[UPDATE]`/`[DESTROY]` column.
    public func appendText(to out: inout [UInt8], event: EventType? = nil, options: FlowFormatOptions) {
        let start = out.count
        if let event {
            out.append(ascii: event.label); out.append(32)
        }
        if options.showLayer3 {
            let l3 = original.family
            out.append(ascii: l3 == .ipv4 ? "ipv4    " : "ipv6    ")
            out.append(32); out.append(decimal: UInt64(l3.rawValue)); out.append(32)
        }
        Flow.appendPadded8(IPProtocol.name(original.proto), to: &out)
        out.append(32); out.append(decimal: UInt64(original.proto)); out.append(32)
        if let timeout { out.append(decimal: UInt64(timeout)); out.append(32) }
        if let protoInfo {
            switch protoInfo {
            case .tcp(let t): out.append(ascii: Int(t.state) < TCPState.names.count ? TCPState.names[Int(t.state)] : "NONE")
            case .sctp(let s): out.append(ascii: Int(s.state) < SCTPState.names.count ? SCTPState.names[Int(s.state)] : "NONE")
            case .dccp(let d): out.append(ascii: Int(d.state) < DCCPState.names.count ? DCCPState.names[Int(d.state)] : "NONE")
            }
            out.append(32)
        }
        Flow.appendTuple(original, to: &out)
        if let z = original.zone { out.append(literal: "zone-orig="); out.append(decimal: UInt64(z)); out.append(32) }
        if let c = countersOriginal { Flow.appendCounters(c, to: &out) }
        if let status, !status.contains(.seenReply) { out.append(literal: "[UNREPLIED] ") }
        Flow.appendTuple(reply, to: &out)
        if let z = reply.zone { out.append(literal: "zone-reply="); out.append(decimal: UInt64(z)); out.append(32) }
        if let c = countersReply { Flow.appendCounters(c, to: &out) }
        if let status {
            if status.contains(.hwOffload) { out.append(literal: "[HW_OFFLOAD] ") }
            else if status.contains(.offload) { out.append(literal: "[OFFLOAD] ") }
            else if status.contains(.assured) { out.append(literal: "[ASSURED] ") }
        }
        if let mark { out.append(literal: "mark="); out.append(decimal: UInt64(mark)); out.append(32) }
        if let secmark { out.append(literal: "secmark="); out.append(decimal: UInt64(secmark)); out.append(32) }
        if let secctx { out.append(literal: "secctx="); out.append(ascii: secctx); out.append(32) }
        if let zone { out.append(literal: "zone="); out.append(decimal: UInt64(zone)); out.append(32) }
        if let ts = timestamps, let startNS = ts.start {
            let stopSec = (ts.stop ?? 0) == 0 ? options.now : Int64(ts.stop! / 1_000_000_000)
            let delta = stopSec &- Int64(startNS / 1_000_000_000)
            out.append(literal: "delta-time="); out.append(decimal: UInt64(bitPattern: delta)); out.append(32)
        }
        if options.showKernelTimestamps, let ts = timestamps {
            if let s = ts.start {
                out.append(literal: "[start="); out.append(ascii: options.localTime(Int64(s / 1_000_000_000))); out.append(literal: "] ")
            }
            if let s = ts.stop {
                out.append(literal: "[stop="); out.append(ascii: options.localTime(Int64(s / 1_000_000_000))); out.append(literal: "] ")
            }
        }
        if let helper { out.append(literal: "helper="); out.append(ascii: helper); out.append(32) }
        if let use { out.append(literal: "use="); out.append(decimal: UInt64(use)); out.append(32) }
        if options.showID, let id { out.append(literal: "id="); out.append(decimal: UInt64(id)); out.append(32) }
        if let map = options.labelMap, let labels {
            out.append(literal: "labels=")
            for bit in 0..<(labels.byteCount * 8) where labels.contains(bit) {
                if let name = map.name(of: bit), !name.isEmpty { out.append(ascii: name); out.append(44) }
            }
            out.removeLast()  // the last ',' (or the '=' when no named bit is set, like libnetfilter_conntrack)
            out.append(32)
        }
        if out.count > start { out.removeLast() }
    }

    @inlinable
    static func appendPadded8(_ s: String, to out: inout [UInt8]) {
        out.append(ascii: s)
        var n = s.utf8.count
        while n < 8 { out.append(32); n += 1 }
    }

    @inlinable
    static func appendCounters(_ c: Counters, to out: inout [UInt8]) {
        out.append(literal: "packets="); out.append(decimal: c.packets)
        out.append(literal: " bytes="); out.append(decimal: c.bytes); out.append(32)
    }

    /// `src=A dst=B ` plus the layer-4 words (`sport=… dport=… `, GRE keys, ICMP fields).
    @inlinable
    static func appendTuple(_ t: Tuple, to out: inout [UInt8], srcTag: StaticString = "src=", dstTag: StaticString = "dst=") {
        out.append(literal: srcTag); out.append(address: t.source); out.append(32)
        out.append(literal: dstTag); out.append(address: t.destination); out.append(32)
        appendLayer4(t, proto: t.proto, to: &out)
    }

    @inlinable
    static func appendLayer4(_ t: Tuple, proto: UInt8, to out: inout [UInt8]) {
        switch proto {
        case IPProtocol.tcp, IPProtocol.udp, IPProtocol.udplite, IPProtocol.sctp, IPProtocol.dccp:
            out.append(literal: "sport="); out.append(decimal: UInt64(t.sourcePort))
            out.append(literal: " dport="); out.append(decimal: UInt64(t.destinationPort)); out.append(32)
        case IPProtocol.gre:
            out.append(literal: "srckey=0x"); out.append(hex: UInt64(t.sourcePort))
            out.append(literal: " dstkey=0x"); out.append(hex: UInt64(t.destinationPort)); out.append(32)
        case IPProtocol.icmp, IPProtocol.icmpv6:
            out.append(literal: "type="); out.append(decimal: UInt64(t.icmpType))
            out.append(literal: " code="); out.append(decimal: UInt64(t.icmpCode))
            out.append(literal: " id="); out.append(decimal: UInt64(t.icmpID)); out.append(32)
        default:
            break
        }
    }
}
