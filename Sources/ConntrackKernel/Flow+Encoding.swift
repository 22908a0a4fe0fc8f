import Conntrack
import Netlink

extension MessageBuilder {
    /// Appends a flow's attributes for `IPCTNL_MSG_CT_NEW` (create or update) in the
    /// order conntrack-tools (libnetfilter_conntrack) sends them, so requests compare
    /// byte for byte with the real tool's.
    ///
    /// `CTA_STATUS` is sent as given (the kernel rejects a create whose status lacks
    /// `IPS_CONFIRMED` with EBUSY; conntrack-tools always adds it: `Flow.forCreate` does too).
    mutating func putFlow(_ f: Flow, includeReply: Bool = true) {
        putTuple(CT.tupleOrig, f.original)
        if includeReply { putTuple(CT.tupleReply, f.reply) }
        if let m = f.master { putTuple(CT.tupleMaster, m) }
        if let s = f.status { put(CT.status, be32: s.rawValue) }
        if let t = f.timeout { put(CT.timeout, be32: t) }
        if let m = f.mark { put(CT.mark, be32: m) }
        if let s = f.secmark { put(CT.secmark, be32: s) }
        if let p = f.protoInfo { putProtoInfo(p) }
        if let n = f.natSource { putNAT(CT.natSrc, n, proto: f.proto) }
        if let n = f.natDestination { putNAT(CT.natDst, n, proto: f.proto) }
        if let s = f.seqAdjOriginal { putSeqAdj(CT.seqAdjOrig, s) }
        if let s = f.seqAdjReply { putSeqAdj(CT.seqAdjReply, s) }
        if let h = f.helper {
            let n = beginNested(CT.help)
            put(CT.helpName, string: h)
            if let i = f.helperInfo { put(CT.helpInfo, bytes: i) }
            endNested(n)
        }
        if let z = f.zone { put(CT.zone, be16: z) }
        if let l = f.labels {
            put(CT.labels, bytes: labelBytes(l))
            if let m = f.labelsMask { put(CT.labelsMask, bytes: labelBytes(Labels(low: m.low, high: m.high, byteCount: l.byteCount))) }
        }
        if let s = f.synproxy {
            let n = beginNested(CT.synproxy)
            put(CT.synproxyISN, be32: s.isn)
            put(CT.synproxyITS, be32: s.its)
            put(CT.synproxyTSOFF, be32: s.tsoff)
            endNested(n)
        }
        if let m = f.markMask { put(CT.markMask, be32: m) }
    }

    mutating func putProtoInfo(_ p: ProtoInfo) {
        let outer = beginNested(CT.protoinfo)
        switch p {
        case .tcp(let t):
            let n = beginNested(CT.protoinfoTCP)
            put(CT.tcpState, u8: t.state)
            if let f = t.flagsOriginal { put(CT.tcpFlagsOrig, bytes: [f.flags, f.mask]) }
            if let f = t.flagsReply { put(CT.tcpFlagsReply, bytes: [f.flags, f.mask]) }
            if let w = t.windowScaleOriginal { put(CT.tcpWscaleOrig, u8: w) }
            if let w = t.windowScaleReply { put(CT.tcpWscaleReply, u8: w) }
            endNested(n)
        case .sctp(let s):
            let n = beginNested(CT.protoinfoSCTP)
            put(CT.sctpState, u8: s.state)
            if let v = s.vtagOriginal { put(CT.sctpVtagOrig, be32: v) }
            if let v = s.vtagReply { put(CT.sctpVtagReply, be32: v) }
            endNested(n)
        case .dccp(let d):
            let n = beginNested(CT.protoinfoDCCP)
            put(CT.dccpState, u8: d.state)
            if let r = d.role { put(CT.dccpRole, u8: r) }
            if let s = d.handshakeSeq { put(CT.dccpHandshakeSeq, be64: s) }
            endNested(n)
        }
        endNested(outer)
    }

    mutating func putNAT(_ type: UInt16, _ r: NATRange, proto: UInt8) {
        let n = beginNested(type)
        if let a = r.minAddress { put(a.family == .ipv4 ? CT.natV4MinIP : CT.natV6MinIP, address: a) }
        if let a = r.maxAddress { put(a.family == .ipv4 ? CT.natV4MaxIP : CT.natV6MaxIP, address: a) }
        if r.minPort != nil || r.maxPort != nil {
            let p = beginNested(CT.natProto)
            if let v = r.minPort { put(CT.protoNATPortMin, be16: v) }
            if let v = r.maxPort { put(CT.protoNATPortMax, be16: v) }
            endNested(p)
        }
        endNested(n)
    }

    mutating func putSeqAdj(_ type: UInt16, _ s: SequenceAdjustment) {
        let n = beginNested(type)
        put(CT.seqAdjCorrectionPos, be32: s.correctionPosition)
        put(CT.seqAdjOffsetBefore, be32: s.offsetBefore)
        put(CT.seqAdjOffsetAfter, be32: s.offsetAfter)
        endNested(n)
    }

    func labelBytes(_ l: Labels) -> [UInt8] {
        let n = max(4, min(16, l.byteCount)) & ~3
        var out = [UInt8](repeating: 0, count: n)
        for i in 0..<n {
            let word: UInt64 = i < 8 ? l.low : l.high
            let shift = UInt64(8 * (i & 7))
            out[i] = UInt8(truncatingIfNeeded: word >> shift)
        }
        return out
    }
}
