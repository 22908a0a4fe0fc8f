import CEnginePrefetch

/// Batch support: a software pipeline over the packets of a batch. While packet `i` is
/// processed, packet `i + d` has its index slot read and its connection's cache lines
/// prefetched, and packet `i + 2d` is hashed and its index slot prefetched. The cache
/// misses of many packets then overlap (memory-level parallelism) instead of being paid
/// one after another. The look-ahead stages never change state: they only compute hashes
/// and issue prefetches, so the verdicts are those of `process` called packet by packet.
extension TrackerCore {
    /// Look-ahead distance of the pipeline, in packets.
    @usableFromInline static let prefetchDistance = 8
    /// Ring of look-ahead hashes (a power of two above twice the distance).
    @usableFromInline static let ringSize = 32

    @inline(__always)
    mutating func processBatch(_ packets: UnsafeBufferPointer<UnsafeRawBufferPointer>, now: UnsafeBufferPointer<UInt64>,
                               metadata: PacketMetadata, verdicts: UnsafeMutableBufferPointer<Verdict>) {
        let n = packets.count
        let zone = metadata.zone.id(for: 0)
        let d = TrackerCore.prefetchDistance
        let ringMask = TrackerCore.ringSize - 1
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: TrackerCore.ringSize) { ring in
            let hashes = ring.baseAddress!
            // Prime: hash the first 2d packets, resolve the first d.
            for a in 0..<min(2 &* d, n) { hashes[a & ringMask] = lookAheadHash(packets[a], zone: zone) }
            for b in 0..<min(d, n) { prefetchConnection(hash: hashes[b & ringMask]) }
            for i in 0..<n {
                let a = i &+ 2 &* d
                if a < n { hashes[a & ringMask] = lookAheadHash(packets[a], zone: zone) }
                let b = i &+ d
                if b < n { prefetchConnection(hash: hashes[b & ringMask]) }
                verdicts[i] = process(packets[i], now: now[i], metadata: metadata, hash: hashes[i & ringMask])
            }
        }
    }

    /// Stage 1: the packet's tuple hash (0 if it has none), with its index slot prefetched.
    @inline(__always)
    mutating func lookAheadHash(_ packet: UnsafeRawBufferPointer, zone: UInt16) -> UInt64 {
        let h = hashOf(packet, zone: zone)
        if h != 0 {
            let home = Int(truncatingIfNeeded: ConnectionTable.tag(h)) & table.slotMask
            ct_prefetch(table.slots + home)
        }
        return h
    }

    /// Stage 2: reads the index slot (by now in cache) and prefetches the connection it
    /// names (both cache lines) and the extensions the packet will touch. A stale or
    /// foreign slot only costs a useless prefetch.
    @inline(__always)
    mutating func prefetchConnection(hash h: UInt64) {
        guard h != 0 else { return }
        let tag = ConnectionTable.tag(h)
        var i = Int(truncatingIfNeeded: tag) & table.slotMask
        for _ in 0..<4 {
            let s = table.slots[i]
            if s == 0 { return }
            if s >> 32 == tag {
                let idx = Int((UInt32(truncatingIfNeeded: s) &- 1) >> 1)
                let c = UnsafeRawPointer(table.slab + idx)
                ct_prefetch_write(c)
                ct_prefetch_write(c + 64)
                if let cs = table.counters { ct_prefetch_write(cs + idx) }
                if let nr = table.natReply { ct_prefetch(nr + idx) }
                return
            }
            i = (i &+ 1) & table.slotMask
        }
    }

    /// The tuple hash of a packet (0 if it has none), without side effects. IPv4 TCP and
    /// UDP without options or fragmentation are hashed straight from the header; the rest
    /// goes through the parser.
    @inline(__always)
    mutating func hashOf(_ packet: UnsafeRawBufferPointer, zone: UInt16) -> UInt64 {
        let b = Bytes(packet)
        if b.count >= 28, b.u8(0) == 0x45, b.u16(6) & 0x3fff == 0 {
            let proto = b.u8(9)
            if proto == 6 || proto == 17 {
                let key = FlowKey(srcHi: UInt64(b.u32(12)) << 32, srcLo: 0, dstHi: UInt64(b.u32(16)) << 32, dstLo: 0,
                                  sport: b.u16(20), dport: b.u16(22), proto: proto, family: 2, zone: zone)
                return key.hash(seed: table.seed)
            }
        }
        return hashOfParsed(b, zone: zone)
    }

    @inline(never)
    mutating func hashOfParsed(_ b: Bytes, zone: UInt16) -> UInt64 {
        var p = L3Packet()
        guard parseL3(b, into: &p) == .none, !p.isFragment else { return 0 }
        var key = FlowKey(srcHi: p.srcHi, srcLo: p.srcLo, dstHi: p.dstHi, dstLo: p.dstLo, sport: 0, dport: 0,
                          proto: p.proto, family: p.family, zone: zone)
        guard extractL4(b, p, into: &key) == .none else { return 0 }
        return key.hash(seed: table.seed)
    }
}
