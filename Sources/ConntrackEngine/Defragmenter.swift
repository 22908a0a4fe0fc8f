/// IPv4/IPv6 reassembly in front of the tracker, like `nf_defrag_ipv4` (`ip_defrag`) and
/// `nf_defrag_ipv6` (`nf_ct_frag6_gather`): conntrack only ever sees whole datagrams.
///
/// Kernel rules mirrored here (`inet_frag_queue_insert`, `ip_frag_queue`,
/// `nf_ct_frag6_queue`): a fragment wholly inside data already queued is a duplicate and
/// dropped (queue kept); any other overlap drops the whole queue (RFC 5722); a last
/// fragment that ends before data already seen, or a second different end, drops the
/// queue; IPv4 non-last fragments are trimmed to a multiple of 8, IPv6 ones that are not a
/// multiple of 8 drop the queue; datagrams above 65535 bytes are dropped. A queue lives
/// `ipfrag_time` / `nf_conntrack_frag6_timeout` seconds from its first fragment. While the
/// queued memory is above the high threshold new fragments are refused.
///
/// The buffers allocate (this is off the hot path) and stay within the thresholds.
@usableFromInline
struct Defragmenter {
    @usableFromInline enum Result { case queued, complete, failed(InvalidReason) }

    struct Key: Hashable {
        var family: UInt8
        var proto: UInt8
        var id: UInt32
        var srcHi: UInt64, srcLo: UInt64, dstHi: UInt64, dstLo: UInt64
    }

    struct Piece {
        var offset: Int
        var end: Int
        var bytes: [UInt8]
    }

    struct Queue {
        var deadline: UInt64
        /// Header of the first fragment (IPv4 header, or IPv6 unfragmentable part with the
        /// next-header byte already rewritten).
        var header: [UInt8] = []
        var pieces: [Piece] = []
        /// Total payload length once the last fragment is known.
        var length = 0
        var lastIn = false
        var firstIn = false
        var meat = 0
        var memory = 0
    }

    var queues: [Key: Queue] = [:]
    /// Payload end offsets of the fragments the last completed datagram was made of, in
    /// order (where a forwarding router splits it again), and its fragment id.
    var lastPieceEnds: [Int] = []
    var lastID: UInt32 = 0
    /// Bytes accounted per family (index 0 IPv4, 1 IPv6): fragment length plus a fixed
    /// per-fragment overhead standing in for the kernel's skb truesize.
    var memory: [Int] = [0, 0]
    static let perFragmentOverhead = 256

    init() {}

    /// Bytes currently queued for `family` (2 or 10).
    func memoryUsed(family: UInt8) -> Int { memory[family == 2 ? 0 : 1] }

    /// Drops queues whose time is up.
    mutating func expire(now: UInt64, counters: inout EngineCounters) {
        if queues.isEmpty { return }
        for (k, q) in queues where Int64(bitPattern: q.deadline &- now) <= 0 {
            drop(k, q)
            counters.fragmentQueuesExpired &+= 1
        }
    }

    private mutating func drop(_ k: Key, _ q: Queue) {
        memory[k.family == 2 ? 0 : 1] -= q.memory
        queues[k] = nil
    }

    /// Adds one fragment; on `.complete`, `out` holds the reassembled datagram.
    @usableFromInline
    mutating func add(_ b: Bytes, _ p: L3Packet, now: UInt64, limits: DefragLimits, counters: inout EngineCounters,
                      into out: inout [UInt8]) -> Result {
        expire(now: now, counters: &counters)
        let v4 = p.family == 2
        let fi = v4 ? 0 : 1
        let high = v4 ? limits.ipv4High : limits.ipv6High
        if high == 0 || memory[fi] > high { return .failed(.fragmentMemoryLimit) }

        let key = Key(family: p.family, proto: v4 ? p.proto : 0, id: p.fragID,
                      srcHi: p.srcHi, srcLo: p.srcLo, dstHi: p.dstHi, dstLo: p.dstLo)
        let dataStart = v4 ? p.l4Offset : p.fragHeaderOffset &+ 8
        let payload = p.length &- dataStart
        guard payload >= 0 else { return .failed(.fragmentMalformed) }
        let offset = p.fragOffset
        var end = offset &+ payload
        let timeout = UInt64(v4 ? limits.ipv4Timeout : limits.ipv6Timeout) &* TrackerCore.nsPerSecond
        var q = queues[key] ?? Queue(deadline: now &+ timeout)
        queues[key] = nil   // take it out while editing (no copy-on-write)
        var keep = true
        defer { if keep && (!q.pieces.isEmpty || !q.header.isEmpty) { queues[key] = q } }
        func kill(_ r: InvalidReason) -> Result {
            memory[fi] -= q.memory
            keep = false
            return .failed(r)
        }

        if end > 65535 { return kill(.fragmentMalformed) }
        if !p.moreFragments {
            // Last fragment: must not end before known data, nor disagree with a known end.
            if end < q.length || (q.lastIn && end != q.length) { return kill(.fragmentMalformed) }
            q.lastIn = true
            q.length = end
        } else {
            if end & 7 != 0 {
                if !v4 { return kill(.fragmentMalformed) }
                end &= ~7
            }
            if end > q.length {
                if q.lastIn { return kill(.fragmentMalformed) }
                q.length = end
            }
        }
        if end == offset { return kill(.fragmentMalformed) }

        // Duplicate (inside a run of contiguous queued data) or overlap?
        var runStart = -1, runEnd = -1
        var insertAt = q.pieces.count
        for (i, piece) in q.pieces.enumerated() {
            if piece.offset == runEnd { runEnd = piece.end } else { runStart = piece.offset; runEnd = piece.end }
            if offset >= runStart && end <= runEnd {
                // Duplicate: drop this fragment, keep the queue.
                return .queued
            }
            if offset < piece.end && end > piece.offset { return kill(.fragmentOverlap) }
            if insertAt == q.pieces.count && end <= piece.offset { insertAt = i }
        }
        let usedMemory = p.length &+ Defragmenter.perFragmentOverhead
        if memory[fi] &+ usedMemory > high && q.pieces.isEmpty && q.header.isEmpty {
            return .failed(.fragmentMemoryLimit)
        }
        let bytes = Array(UnsafeRawBufferPointer(start: b.base + dataStart, count: end &- offset))
        q.pieces.insert(Piece(offset: offset, end: end, bytes: bytes), at: insertAt)
        q.meat &+= end &- offset
        q.memory &+= usedMemory
        memory[fi] &+= usedMemory
        if offset == 0 {
            q.firstIn = true
            if v4 {
                q.header = Array(UnsafeRawBufferPointer(start: b.base, count: p.l4Offset))
            } else {
                var h = Array(UnsafeRawBufferPointer(start: b.base, count: p.fragHeaderOffset))
                h[p.fragPrevNextHeaderOffset] = p.proto
                q.header = h
            }
        }
        guard q.firstIn && q.lastIn && q.meat == q.length else { return .queued }

        // Reassemble.
        let total = q.header.count &+ q.length
        if total > 65535 && v4 { return kill(.fragmentMalformed) }
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(total)
        out += q.header
        for piece in q.pieces { out += piece.bytes }
        if v4 {
            out[2] = UInt8(truncatingIfNeeded: total >> 8); out[3] = UInt8(truncatingIfNeeded: total)
            out[6] = 0; out[7] = 0
            out[10] = 0; out[11] = 0
            var s: UInt32 = 0
            var i = 0
            while i < q.header.count { s &+= UInt32(out[i]) << 8 | UInt32(out[i &+ 1]); i &+= 2 }
            while s >> 16 != 0 { s = (s & 0xffff) &+ (s >> 16) }
            let c = ~UInt16(truncatingIfNeeded: s)
            out[10] = UInt8(truncatingIfNeeded: c >> 8); out[11] = UInt8(truncatingIfNeeded: c)
        } else {
            let plen = total &- 40
            if plen > 65535 { return kill(.fragmentMalformed) }
            out[4] = UInt8(truncatingIfNeeded: plen >> 8); out[5] = UInt8(truncatingIfNeeded: plen)
        }
        memory[fi] -= q.memory
        keep = false
        lastPieceEnds = q.pieces.map(\.end)
        lastID = key.id
        return .complete
    }
}
