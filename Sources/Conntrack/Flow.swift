/// Packet and byte counters of one direction (`CTA_COUNTERS_ORIG` / `CTA_COUNTERS_REPLY`).
public struct Counters: Hashable, Sendable {
    /// `CTA_COUNTERS_PACKETS`
    public var packets: UInt64
    /// `CTA_COUNTERS_BYTES`
    public var bytes: UInt64
    public init(packets: UInt64 = 0, bytes: UInt64 = 0) { self.packets = packets; self.bytes = bytes }
}

/// Start and stop of a connection in nanoseconds since the epoch (`CTA_TIMESTAMP`).
public struct Timestamps: Hashable, Sendable {
    /// `CTA_TIMESTAMP_START`
    public var start: UInt64?
    /// `CTA_TIMESTAMP_STOP`
    public var stop: UInt64?
    public init(start: UInt64? = nil, stop: UInt64? = nil) { self.start = start; self.stop = stop }
}

/// TCP sequence adjustment of one direction (`CTA_SEQ_ADJ_ORIG` / `CTA_SEQ_ADJ_REPLY`).
public struct SequenceAdjustment: Hashable, Sendable {
    /// `CTA_SEQADJ_CORRECTION_POS`
    public var correctionPosition: UInt32
    /// `CTA_SEQADJ_OFFSET_BEFORE`
    public var offsetBefore: UInt32
    /// `CTA_SEQADJ_OFFSET_AFTER`
    public var offsetAfter: UInt32
    public init(correctionPosition: UInt32, offsetBefore: UInt32, offsetAfter: UInt32) {
        self.correctionPosition = correctionPosition
        self.offsetBefore = offsetBefore
        self.offsetAfter = offsetAfter
    }
}

/// SYN proxy state (`CTA_SYNPROXY`).
public struct Synproxy: Hashable, Sendable {
    /// `CTA_SYNPROXY_ISN`
    public var isn: UInt32
    /// `CTA_SYNPROXY_ITS`
    public var its: UInt32
    /// `CTA_SYNPROXY_TSOFF`
    public var tsoff: UInt32
    public init(isn: UInt32, its: UInt32, tsoff: UInt32) { self.isn = isn; self.its = its; self.tsoff = tsoff }
}

/// A NAT range as ctnetlink carries it on create (`CTA_NAT_SRC` / `CTA_NAT_DST`).
public struct NATRange: Hashable, Sendable {
    /// `CTA_NAT_V4_MINIP` / `CTA_NAT_V6_MINIP`
    public var minAddress: IPAddress?
    /// `CTA_NAT_V4_MAXIP` / `CTA_NAT_V6_MAXIP`
    public var maxAddress: IPAddress?
    /// `CTA_PROTONAT_PORT_MIN`
    public var minPort: UInt16?
    /// `CTA_PROTONAT_PORT_MAX`
    public var maxPort: UInt16?
    public init(minAddress: IPAddress? = nil, maxAddress: IPAddress? = nil, minPort: UInt16? = nil, maxPort: UInt16? = nil) {
        self.minAddress = minAddress
        self.maxAddress = maxAddress
        self.minPort = minPort
        self.maxPort = maxPort
    }
}

/// Connection labels: a 128-bit bitmap (`CTA_LABELS`), bit 0 first.
public struct Labels: Hashable, Sendable {
    /// Bits 0...63.
    public var low: UInt64
    /// Bits 64...127.
    public var high: UInt64
    /// How many bytes the kernel sent (4...16, a multiple of 4); kept for round trips.
    public var byteCount: Int

    public init(low: UInt64 = 0, high: UInt64 = 0, byteCount: Int = 16) {
        self.low = low
        self.high = high
        self.byteCount = byteCount
    }

    /// Whether label bit `bit` (0...127) is set.
    public func contains(_ bit: Int) -> Bool {
        bit < 64 ? (low >> UInt64(bit)) & 1 == 1 : bit < 128 ? (high >> UInt64(bit - 64)) & 1 == 1 : false
    }

    /// Sets label bit `bit`.
    public mutating func insert(_ bit: Int) {
        if bit < 64 { low |= 1 << UInt64(bit) } else if bit < 128 { high |= 1 << UInt64(bit - 64) }
    }

    /// Clears label bit `bit`.
    public mutating func remove(_ bit: Int) {
        if bit < 64 { low &= ~(1 << UInt64(bit)) } else if bit < 128 { high &= ~(1 << UInt64(bit - 64)) }
    }

    /// Whether no bit is set.
    public var isEmpty: Bool { low == 0 && high == 0 }
}

/// One connection-tracking entry: what `conntrack -L` lists, what the kernel's
/// ctnetlink sends and what the userspace engine produces.
///
/// Every field but the two tuples is optional: it is present exactly when the source
/// (the kernel, an event, the engine) provided it, which is what the formatters print.
///
/// ```swift
/// var f = Flow(original: t, reply: t.inverted())
/// f.status = [.seenReply, .assured, .confirmed]
/// f.timeout = 431_999
/// f.protoInfo = .tcp(TCPInfo(state: TCPState.established.rawValue))
/// ```
public struct Flow: Hashable, Sendable {
    /// `CTA_TUPLE_ORIG`
    public var original: Tuple
    /// `CTA_TUPLE_REPLY`
    public var reply: Tuple
    /// `CTA_TUPLE_MASTER`: the master connection of an expected connection.
    public var master: Tuple?
    /// `CTA_STATUS`
    public var status: Status?
    /// `CTA_PROTOINFO`
    public var protoInfo: ProtoInfo?
    /// `CTA_HELP` / `CTA_HELP_NAME`
    public var helper: String?
    /// `CTA_HELP` / `CTA_HELP_INFO`: the helper's private data, raw. The kernel sends it
    /// only for helpers that export their state (`to_nlattr`, i.e. userspace helpers
    /// registered through nfnetlink_cthelper); in-kernel helpers such as ftp never do.
    /// On create it is handed to the helper's `from_nlattr`. No formatter prints it.
    public var helperInfo: [UInt8]?
    /// `CTA_NAT_SRC` (requests only)
    public var natSource: NATRange?
    /// `CTA_NAT_DST` (requests only)
    public var natDestination: NATRange?
    /// `CTA_TIMEOUT`: remaining seconds.
    public var timeout: UInt32?
    /// `CTA_MARK`
    public var mark: UInt32?
    /// `CTA_MARK_MASK` (requests only).
    public var markMask: UInt32?
    /// `CTA_COUNTERS_ORIG`
    public var countersOriginal: Counters?
    /// `CTA_COUNTERS_REPLY`
    public var countersReply: Counters?
    /// `CTA_USE`: reference count.
    public var use: UInt32?
    /// `CTA_ID`
    public var id: UInt32?
    /// `CTA_SEQ_ADJ_ORIG`
    public var seqAdjOriginal: SequenceAdjustment?
    /// `CTA_SEQ_ADJ_REPLY`
    public var seqAdjReply: SequenceAdjustment?
    /// `CTA_SECMARK` (obsolete in the kernel; kept for requests and old kernels).
    public var secmark: UInt32?
    /// `CTA_ZONE`
    public var zone: UInt16?
    /// `CTA_SECCTX` / `CTA_SECCTX_NAME`
    public var secctx: String?
    /// `CTA_TIMESTAMP`
    public var timestamps: Timestamps?
    /// `CTA_LABELS`
    public var labels: Labels?
    /// `CTA_LABELS_MASK` (requests only).
    public var labelsMask: Labels?
    /// `CTA_SYNPROXY`
    public var synproxy: Synproxy?

    /// Creates a flow from its two tuples; everything else absent.
    public init(original: Tuple, reply: Tuple) {
        self.original = original
        self.reply = reply
    }

    /// The layer-3 family of the flow.
    public var family: AddressFamily { original.family }
    /// The layer-4 protocol number.
    public var proto: UInt8 { original.proto }
}
