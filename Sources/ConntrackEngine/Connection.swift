/// Per-direction TCP window data, the kernel's `struct ip_ct_tcp_state`.
@usableFromInline
struct TCPSide {
    /// `td_end`: highest seq+len sent.
    @usableFromInline var end: UInt32 = 0
    /// `td_maxend`: highest ack+window seen from the peer.
    @usableFromInline var maxEnd: UInt32 = 0
    /// `td_maxwin`: largest window advertised (+SACK slack).
    @usableFromInline var maxWin: UInt32 = 0
    /// `td_maxack`: highest ack sent.
    @usableFromInline var maxAck: UInt32 = 0
    /// `td_scale`
    @usableFromInline var scale: UInt8 = 0
    /// `IP_CT_TCP_FLAG_*`
    @usableFromInline var flags: UInt8 = 0
    init() {}
}

/// TCP private data, the kernel's `struct ip_ct_tcp`. Other protocols reuse the storage
/// through the accessors on `Connection` (UDP stream deadline, SCTP vtags).
@usableFromInline
struct TCPData {
    @usableFromInline var seen0 = TCPSide()
    @usableFromInline var seen1 = TCPSide()
    @usableFromInline var lastSeq: UInt32 = 0
    @usableFromInline var lastAck: UInt32 = 0
    @usableFromInline var lastEnd: UInt32 = 0
    @usableFromInline var lastWin: UInt16 = 0
    @usableFromInline var lastDir: UInt8 = 0
    @usableFromInline var lastIndex: UInt8 = 0
    @usableFromInline var lastWscale: UInt8 = 0
    @usableFromInline var lastFlags: UInt8 = 0
    @usableFromInline var retrans: UInt8 = 0
    init() {}

    subscript(dir: UInt8) -> TCPSide {
        @inline(__always) get { dir == 0 ? seen0 : seen1 }
        @inline(__always) set { if dir == 0 { seen0 = newValue } else { seen1 = newValue } }
    }
}

/// Connection flags private to the engine (not kernel status bits).
@usableFromInline
enum ConnFlag {
    /// Slot holds a live connection.
    @usableFromInline static let inUse: UInt8 = 1
    /// Accounting extension present (decided at creation).
    @usableFromInline static let acct: UInt8 = 2
    /// Timestamp extension present.
    @usableFromInline static let tstamp: UInt8 = 4
    /// Event cache extension present.
    @usableFromInline static let events: UInt8 = 8
    /// SCTP: an INIT was seen in the original / reply direction (`init[dir]`).
    @usableFromInline static let sctpInit0: UInt8 = 16
    @usableFromInline static let sctpInit1: UInt8 = 32
    /// The reply tuple's addresses are in the NAT extension (`ConnectionTable.natReply`).
    @usableFromInline static let natReply: UInt8 = 64
    /// The connection is on a `bysource` chain (SRC NAT set up).
    @usableFromInline static let bySource: UInt8 = 128
}

/// Reply-tuple addresses of a NATed connection (the reply tuple is no longer the original
/// one with its addresses swapped).
@usableFromInline
struct NATReply {
    @usableFromInline var srcHi: UInt64 = 0
    @usableFromInline var srcLo: UInt64 = 0
    @usableFromInline var dstHi: UInt64 = 0
    @usableFromInline var dstLo: UInt64 = 0
    init() {}
}

/// Per-connection NAT bookkeeping: the next connection on the same `bysource` chain
/// (index + 1; 0 ends the chain) and the masquerade output interface.
@usableFromInline
struct NATLink {
    @usableFromInline var next: UInt32 = 0
    @usableFromInline var masqueradeInterface: UInt32 = 0
    init() {}
}

/// One connection in the slab, 128 bytes: the original tuple (the reply tuple is derived:
/// addresses swapped, `rsport`/`rdport` precomputed), the absolute expiry in ns, status,
/// zone, mark, id and the protocol's private state.
@usableFromInline
struct Connection {
    @usableFromInline var srcHi: UInt64 = 0
    @usableFromInline var srcLo: UInt64 = 0
    @usableFromInline var dstHi: UInt64 = 0
    @usableFromInline var dstLo: UInt64 = 0
    /// Absolute expiry time (ns); relative timeout before confirmation.
    @usableFromInline var expires: UInt64 = 0
    @usableFromInline var sport: UInt16 = 0
    @usableFromInline var dport: UInt16 = 0
    /// Layer-4 words of the reply tuple.
    @usableFromInline var rsport: UInt16 = 0
    @usableFromInline var rdport: UInt16 = 0
    /// `CTA_ID`
    @usableFromInline var id: UInt32 = 0
    /// `ct->mark`
    @usableFromInline var mark: UInt32 = 0
    @usableFromInline var zoneID: UInt16 = 0
    /// `ct->status` (bits 0...15).
    @usableFromInline var status: UInt16 = 0
    /// Cached events for the packet being processed (`IPCT_*` bits).
    @usableFromInline var eventMask: UInt16 = 0
    @usableFromInline var proto: UInt8 = 0
    @usableFromInline var family: UInt8 = 0
    /// `Zone.Directions` raw value.
    @usableFromInline var zoneDirs: UInt8 = 3
    /// `ConnFlag` bits.
    @usableFromInline var flags: UInt8 = 0
    /// TCP or SCTP state.
    @usableFromInline var state: UInt8 = 0
    @usableFromInline var tcp = TCPData()

    init() {}

    @inline(__always)
    func zoneID(for dir: UInt8) -> UInt16 { (zoneDirs & (1 << dir)) != 0 ? zoneID : 0 }

    @inline(__always)
    func hasStatus(_ bit: UInt16) -> Bool { status & bit != 0 }

    /// The key of this connection's tuple in direction `dir`.
    func key(_ dir: UInt8) -> FlowKey {
        dir == 0
            ? FlowKey(srcHi: srcHi, srcLo: srcLo, dstHi: dstHi, dstLo: dstLo, sport: sport, dport: dport,
                      proto: proto, family: family, zone: zoneID(for: 0))
            : FlowKey(srcHi: dstHi, srcLo: dstLo, dstHi: srcHi, dstLo: srcLo, sport: rsport, dport: rdport,
                      proto: proto, family: family, zone: zoneID(for: 1))
    }

    /// Whether the tuple of direction `dir` equals `k` (zone included).
    @inline(__always)
    func matches(_ k: FlowKey, dir: UInt8) -> Bool {
        if dir == 0 {
            return srcHi == k.srcHi && srcLo == k.srcLo && dstHi == k.dstHi && dstLo == k.dstLo
                && sport == k.sport && dport == k.dport && proto == k.proto && family == k.family
                && zoneID(for: 0) == k.zone
        }
        return dstHi == k.srcHi && dstLo == k.srcLo && srcHi == k.dstHi && srcLo == k.dstLo
            && rsport == k.sport && rdport == k.dport && proto == k.proto && family == k.family
            && zoneID(for: 1) == k.zone
    }

    /// UDP: `proto.udp.stream_ts` (absolute ns), stored in the TCP area.
    var udpStreamDeadline: UInt64 {
        get { UInt64(tcp.seen0.end) | UInt64(tcp.seen0.maxEnd) << 32 }
        set { tcp.seen0.end = UInt32(truncatingIfNeeded: newValue); tcp.seen0.maxEnd = UInt32(truncatingIfNeeded: newValue >> 32) }
    }
}

/// Kernel status bits as `UInt16` constants for the hot path.
@usableFromInline
enum StatusBit {
    @usableFromInline static let expected: UInt16 = 1 << 0
    @usableFromInline static let seenReply: UInt16 = 1 << 1
    @usableFromInline static let assured: UInt16 = 1 << 2
    @usableFromInline static let confirmed: UInt16 = 1 << 3
    @usableFromInline static let dying: UInt16 = 1 << 9
    @usableFromInline static let srcNAT: UInt16 = 1 << 4
    @usableFromInline static let dstNAT: UInt16 = 1 << 5
    @usableFromInline static let seqAdjust: UInt16 = 1 << 6
    @usableFromInline static let srcNATDone: UInt16 = 1 << 7
    @usableFromInline static let dstNATDone: UInt16 = 1 << 8
    @usableFromInline static let fixedTimeout: UInt16 = 1 << 10
    @usableFromInline static let natClash: UInt16 = 1 << 12
    /// `IPS_HELPER`: a helper was attached explicitly (`ct helper set`).
    @usableFromInline static let helper: UInt16 = 1 << 13
}

/// Kernel event bits (`IPCT_*`) as `UInt16` constants.
@usableFromInline
enum EventBit {
    @usableFromInline static let new: UInt16 = 1 << 0
    @usableFromInline static let related: UInt16 = 1 << 1
    @usableFromInline static let destroy: UInt16 = 1 << 2
    @usableFromInline static let reply: UInt16 = 1 << 3
    @usableFromInline static let assured: UInt16 = 1 << 4
    @usableFromInline static let protoInfo: UInt16 = 1 << 5
    @usableFromInline static let mark: UInt16 = 1 << 7
}

/// Accounting extension (`struct nf_conn_acct`), kept beside the slab.
@usableFromInline
struct ConnCounters {
    @usableFromInline var packets0: UInt64 = 0
    @usableFromInline var bytes0: UInt64 = 0
    @usableFromInline var packets1: UInt64 = 0
    @usableFromInline var bytes1: UInt64 = 0
    init() {}
}
