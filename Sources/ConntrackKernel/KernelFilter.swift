import Conntrack
import Netlink

/// Which table a dump reads.
public enum DumpTable: Sendable, Hashable {
    /// The connection table (`IPCTNL_MSG_CT_GET`).
    case conntrack
    /// Entries whose DESTROY event is still pending (`IPCTNL_MSG_CT_GET_DYING`).
    case dying
    /// Unconfirmed entries (`IPCTNL_MSG_CT_GET_UNCONFIRMED`; always empty on recent kernels).
    case unconfirmed
}

/// Tuple fields a dump or flush must match (`CTA_FILTER` with `CTA_TUPLE_ORIG` /
/// `CTA_TUPLE_REPLY`). Each non-nil field sets its `CTA_FILTER_FLAG` bit.
public struct TupleFilter: Sendable, Hashable {
    /// `CTA_IP_SRC` flag
    public var source: IPAddress?
    /// `CTA_IP_DST` flag
    public var destination: IPAddress?
    /// `CTA_PROTO_NUM` flag (required by the kernel when any port/ICMP field is set).
    public var proto: UInt8?
    /// `CTA_PROTO_SRC_PORT` flag
    public var sourcePort: UInt16?
    /// `CTA_PROTO_DST_PORT` flag
    public var destinationPort: UInt16?
    /// `CTA_PROTO_ICMP_TYPE` / `ICMPV6_TYPE` flag
    public var icmpType: UInt8?
    /// `CTA_PROTO_ICMP_CODE` / `ICMPV6_CODE` flag
    public var icmpCode: UInt8?
    /// `CTA_PROTO_ICMP_ID` / `ICMPV6_ID` flag
    public var icmpID: UInt16?

    public init(source: IPAddress? = nil, destination: IPAddress? = nil, proto: UInt8? = nil,
                sourcePort: UInt16? = nil, destinationPort: UInt16? = nil,
                icmpType: UInt8? = nil, icmpCode: UInt8? = nil, icmpID: UInt16? = nil) {
        self.source = source
        self.destination = destination
        self.proto = proto
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.icmpType = icmpType
        self.icmpCode = icmpCode
        self.icmpID = icmpID
    }

    var isEmpty: Bool {
        source == nil && destination == nil && proto == nil && sourcePort == nil
            && destinationPort == nil && icmpType == nil && icmpCode == nil && icmpID == nil
    }
}

/// A filter the kernel applies while dumping (or flushing): only matching entries
/// are sent, so userspace never sees the rest.
///
/// ```swift
/// var f = KernelFilter()
/// f.mark = 0x10; f.markMask = 0xf0          // (mark & 0xf0) == 0x10
/// f.status = .assured                        // ASSURED set
/// try client.dump(filter: f) { print($0) }
/// ```
public struct KernelFilter: Sendable, Hashable {
    /// `CTA_MARK`: entries with `(mark & markMask) == mark`.
    public var mark: UInt32?
    /// `CTA_MARK_MASK` (all ones when only `mark` is set).
    public var markMask: UInt32?
    /// `CTA_STATUS`: entries with `(status & statusMask) == status`.
    public var status: Status?
    /// `CTA_STATUS_MASK` (defaults to `status` in the kernel).
    public var statusMask: Status?
    /// Only entries in this zone. Sent as `CTA_ZONE` (Linux 6.18 filters dumps by it;
    /// older kernels ignore it), and dumps also check it on each decoded entry.
    public var zone: UInt16?
    /// Original-direction tuple fields to match (`CTA_FILTER_ORIG_FLAGS`).
    public var original: TupleFilter?
    /// Reply-direction tuple fields to match (`CTA_FILTER_REPLY_FLAGS`).
    public var reply: TupleFilter?

    public init(mark: UInt32? = nil, markMask: UInt32? = nil, status: Status? = nil, statusMask: Status? = nil,
                zone: UInt16? = nil, original: TupleFilter? = nil, reply: TupleFilter? = nil) {
        self.mark = mark
        self.markMask = markMask
        self.status = status
        self.statusMask = statusMask
        self.zone = zone
        self.original = original
        self.reply = reply
    }

    var hasTupleFilter: Bool { !(original?.isEmpty ?? true) || !(reply?.isEmpty ?? true) }

    /// Whether the filter restricts nothing.
    public var isEmpty: Bool {
        mark == nil && markMask == nil && status == nil && statusMask == nil && zone == nil
            && (original?.isEmpty ?? true) && (reply?.isEmpty ?? true)
    }
}

extension MessageBuilder {
    /// Appends the attributes of a kernel filter (`ctnetlink_alloc_filter`'s input).
    mutating func putFilter(_ f: KernelFilter, family: AddressFamily?) {
        if let m = f.mark {
            put(CT.mark, be32: m)
            put(CT.markMask, be32: f.markMask ?? ~0)
        }
        if let s = f.status {
            put(CT.status, be32: s.rawValue)
            put(CT.statusMask, be32: (f.statusMask ?? s).rawValue)
        }
        // Linux 6.18 filters dumps by CTA_ZONE alone; older kernels ignore it there
        // (dumps also check the zone of each decoded entry).
        if let z = f.zone { put(CT.zone, be16: z) }
        let orig = f.original.flatMap { $0.isEmpty ? nil : $0 }
        let reply = f.reply.flatMap { $0.isEmpty ? nil : $0 }
        if orig == nil && reply == nil { return }
        let fam = family ?? orig?.source?.family ?? orig?.destination?.family
            ?? reply?.source?.family ?? reply?.destination?.family ?? .ipv4
        var origFlags: UInt32 = 0
        var replyFlags: UInt32 = 0
        if let o = orig { origFlags = putTupleFilter(CT.tupleOrig, o, family: fam) }
        if let r = reply { replyFlags = putTupleFilter(CT.tupleReply, r, family: fam) }
        let n = beginNested(CT.filter)
        put(CT.filterOrigFlags, u32: origFlags)
        put(CT.filterReplyFlags, u32: replyFlags)
        endNested(n)
    }

    /// Appends a partial tuple and returns its `CTA_FILTER_FLAG` bits.
    mutating func putTupleFilter(_ type: UInt16, _ t: TupleFilter, family: AddressFamily) -> UInt32 {
        var flags: UInt32 = 0
        let n = beginNested(type)
        if t.source != nil || t.destination != nil {
            let ip = beginNested(CT.tupleIP)
            if let a = t.source { put(family == .ipv4 ? CT.ipV4Src : CT.ipV6Src, address: a); flags |= 1 << 0 }
            if let a = t.destination { put(family == .ipv4 ? CT.ipV4Dst : CT.ipV6Dst, address: a); flags |= 1 << 1 }
            endNested(ip)
        }
        if let p = t.proto {
            let v6 = family == .ipv6
            let pr = beginNested(CT.tupleProto)
            put(CT.protoNum, u8: p); flags |= 1 << 3
            if let v = t.sourcePort { put(CT.protoSrcPort, be16: v); flags |= 1 << 4 }
            if let v = t.destinationPort { put(CT.protoDstPort, be16: v); flags |= 1 << 5 }
            if let v = t.icmpType { put(v6 ? CT.protoICMPv6Type : CT.protoICMPType, u8: v); flags |= v6 ? 1 << 9 : 1 << 6 }
            if let v = t.icmpCode { put(v6 ? CT.protoICMPv6Code : CT.protoICMPCode, u8: v); flags |= v6 ? 1 << 10 : 1 << 7 }
            if let v = t.icmpID { put(v6 ? CT.protoICMPv6ID : CT.protoICMPID, be16: v); flags |= v6 ? 1 << 11 : 1 << 8 }
            endNested(pr)
        }
        endNested(n)
        return flags
    }
}
