import Conntrack
import Netlink

extension Flow {
    /// Decodes the attributes of a ctnetlink conntrack message (the payload after
    /// `nfgenmsg`) into a flow, walking the bytes in place.
    ///
    /// Lenient: unknown attributes are skipped and short values ignored. Returns `nil`
    /// only when the message cannot describe a flow (badly framed attributes, or a
    /// missing original or reply tuple). Allocates only for the rare string fields
    /// (helper name and data, security context).
    static func decode(attributes payload: UnsafeRawBufferPointer) -> Flow? {
        var original: Tuple? = nil
        var reply: Tuple? = nil
        var f = Flow(original: Flow.placeholderTuple, reply: Flow.placeholderTuple)
        var it = AttributeIterator(payload)
        while let a = it.next() {
            switch a.type {
            case CT.tupleOrig: original = Tuple.decode(a.payload)
            case CT.tupleReply: reply = Tuple.decode(a.payload)
            case CT.tupleMaster: f.master = Tuple.decode(a.payload)
            case CT.status: if let v = a.be32 { f.status = Status(rawValue: v) }
            case CT.protoinfo: f.protoInfo = decodeProtoInfo(a.payload)
            case CT.help: decodeHelp(a.payload, into: &f)
            case CT.timeout: f.timeout = a.be32
            case CT.mark: f.mark = a.be32
            case CT.markMask: f.markMask = a.be32
            case CT.countersOrig: f.countersOriginal = decodeCounters(a.payload)
            case CT.countersReply: f.countersReply = decodeCounters(a.payload)
            case CT.use: f.use = a.be32
            case CT.id: f.id = a.be32
            case CT.seqAdjOrig: f.seqAdjOriginal = decodeSeqAdj(a.payload)
            case CT.seqAdjReply: f.seqAdjReply = decodeSeqAdj(a.payload)
            case CT.secmark: f.secmark = a.be32
            case CT.zone: f.zone = a.be16
            case CT.secctx: f.secctx = firstString(a.payload, type: CT.secctxName)
            case CT.timestamp: f.timestamps = decodeTimestamps(a.payload)
            case CT.labels: f.labels = decodeLabels(a.payload)
            case CT.labelsMask: f.labelsMask = decodeLabels(a.payload)
            case CT.synproxy: f.synproxy = decodeSynproxy(a.payload)
            case CT.natSrc: f.natSource = decodeNAT(a.payload)
            case CT.natDst: f.natDestination = decodeNAT(a.payload)
            default: break
            }
        }
        guard !it.malformed, let original, let reply else { return nil }
        f.original = original
        f.reply = reply
        return f
    }

    static let placeholderTuple = Tuple(source: .zero(.ipv4), destination: .zero(.ipv4), protocol: 0)

    static func decodeProtoInfo(_ payload: UnsafeRawBufferPointer) -> ProtoInfo? {
        var result: ProtoInfo? = nil
        for a in Attributes(payload) {
            switch a.type {
            case CT.protoinfoTCP:
                var t = TCPInfo(state: 0)
                for b in a.nested {
                    switch b.type {
                    case CT.tcpState: t.state = b.u8 ?? 0
                    case CT.tcpWscaleOrig: t.windowScaleOriginal = b.u8
                    case CT.tcpWscaleReply: t.windowScaleReply = b.u8
                    case CT.tcpFlagsOrig: t.flagsOriginal = tcpFlags(b)
                    case CT.tcpFlagsReply: t.flagsReply = tcpFlags(b)
                    default: break
                    }
                }
                result = .tcp(t)
            case CT.protoinfoSCTP:
                var s = SCTPInfo(state: 0)
                for b in a.nested {
                    switch b.type {
                    case CT.sctpState: s.state = b.u8 ?? 0
                    case CT.sctpVtagOrig: s.vtagOriginal = b.be32
                    case CT.sctpVtagReply: s.vtagReply = b.be32
                    default: break
                    }
                }
                result = .sctp(s)
            case CT.protoinfoDCCP:
                var d = DCCPInfo(state: 0)
                for b in a.nested {
                    switch b.type {
                    case CT.dccpState: d.state = b.u8 ?? 0
                    case CT.dccpRole: d.role = b.u8
                    case CT.dccpHandshakeSeq: d.handshakeSeq = b.be64
                    default: break
                    }
                }
                result = .dccp(d)
            default: break
            }
        }
        return result
    }

    static func tcpFlags(_ a: Attribute) -> TCPFlagsMask? {
        a.payload.count >= 2 ? TCPFlagsMask(flags: a.payload[0], mask: a.payload[1]) : nil
    }

    static func decodeCounters(_ payload: UnsafeRawBufferPointer) -> Counters {
        var c = Counters()
        for a in Attributes(payload) {
            switch a.type {
            case CT.countersPackets: c.packets = a.be64 ?? 0
            case CT.countersBytes: c.bytes = a.be64 ?? 0
            case CT.counters32Packets: c.packets = UInt64(a.be32 ?? 0)
            case CT.counters32Bytes: c.bytes = UInt64(a.be32 ?? 0)
            default: break
            }
        }
        return c
    }

    static func decodeTimestamps(_ payload: UnsafeRawBufferPointer) -> Timestamps {
        var t = Timestamps()
        for a in Attributes(payload) {
            switch a.type {
            case CT.timestampStart: t.start = a.be64
            case CT.timestampStop: t.stop = a.be64
            default: break
            }
        }
        return t
    }

    static func decodeSeqAdj(_ payload: UnsafeRawBufferPointer) -> SequenceAdjustment {
        var s = SequenceAdjustment(correctionPosition: 0, offsetBefore: 0, offsetAfter: 0)
        for a in Attributes(payload) {
            switch a.type {
            case CT.seqAdjCorrectionPos: s.correctionPosition = a.be32 ?? 0
            case CT.seqAdjOffsetBefore: s.offsetBefore = a.be32 ?? 0
            case CT.seqAdjOffsetAfter: s.offsetAfter = a.be32 ?? 0
            default: break
            }
        }
        return s
    }

    static func decodeSynproxy(_ payload: UnsafeRawBufferPointer) -> Synproxy {
        var s = Synproxy(isn: 0, its: 0, tsoff: 0)
        for a in Attributes(payload) {
            switch a.type {
            case CT.synproxyISN: s.isn = a.be32 ?? 0
            case CT.synproxyITS: s.its = a.be32 ?? 0
            case CT.synproxyTSOFF: s.tsoff = a.be32 ?? 0
            default: break
            }
        }
        return s
    }

    static func decodeNAT(_ payload: UnsafeRawBufferPointer) -> NATRange {
        var r = NATRange()
        for a in Attributes(payload) {
            switch a.type {
            case CT.natV4MinIP: r.minAddress = a.be32.map { IPAddress(ipv4: $0) }
            case CT.natV4MaxIP: r.maxAddress = a.be32.map { IPAddress(ipv4: $0) }
            case CT.natV6MinIP: r.minAddress = Tuple.ipv6(a)
            case CT.natV6MaxIP: r.maxAddress = Tuple.ipv6(a)
            case CT.natProto:
                for b in a.nested {
                    switch b.type {
                    case CT.protoNATPortMin: r.minPort = b.be16
                    case CT.protoNATPortMax: r.maxPort = b.be16
                    default: break
                    }
                }
            default: break
            }
        }
        return r
    }

    /// Labels are the kernel's `unsigned long` bitmap copied as is: on the little-endian
    /// machines this targets, bit n is bit n%8 of byte n/8.
    static func decodeLabels(_ payload: UnsafeRawBufferPointer) -> Labels {
        var l = Labels(byteCount: payload.count)
        for i in 0..<min(payload.count, 16) {
            let b = UInt64(payload[i])
            if i < 8 { l.low |= b << UInt64(8 * i) } else { l.high |= b << UInt64(8 * (i - 8)) }
        }
        return l
    }

    /// `CTA_HELP`: {`CTA_HELP_NAME` string, `CTA_HELP_INFO` raw bytes}
    /// (`ctnetlink_dump_helpinfo`).
    static func decodeHelp(_ payload: UnsafeRawBufferPointer, into f: inout Flow) {
        for a in Attributes(payload) {
            switch a.type {
            case CT.helpName: f.helper = a.string
            case CT.helpInfo: f.helperInfo = Array(a.payload)
            default: break
            }
        }
    }

    /// The string of the first child attribute of `type` (`CTA_HELP_NAME`, `CTA_SECCTX_NAME`).
    static func firstString(_ payload: UnsafeRawBufferPointer, type: UInt16) -> String? {
        for a in Attributes(payload) where a.type == type { return a.string }
        return nil
    }
}
