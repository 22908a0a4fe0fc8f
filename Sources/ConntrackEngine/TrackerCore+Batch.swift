/// Batch support: a side-effect-free first pass that parses each packet, hashes its tuple
/// and loads the index slot and the slab entry it points to. Done for a whole batch before
/// the real processing, the independent cache misses of many packets overlap (memory-level
/// parallelism) instead of being paid one after another.
extension TrackerCore {
    /// Touches the memory `process` will need for `packets[range]` (at most 16), in three
    /// stages so the loads of different packets are independent and overlap: hash every
    /// packet, then load every index slot, then every connection the slots point to.
    /// Returns a value to sink so the loads are not optimised away. Never changes state
    /// (`mutating` only so it runs in place: a non-mutating call through the tracker's
    /// pointer would copy the core).
    mutating func warm(_ packets: UnsafeBufferPointer<UnsafeRawBufferPointer>, _ range: Range<Int>,
                       zone: UInt16) -> UInt64 {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 16) { hashes -> UInt64 in
            var n = 0
            for i in range where n < 16 {
                hashes[n] = hashOf(packets[i], zone: zone)
                n &+= 1
            }
            var sink: UInt64 = 0
            for k in 0..<n {
                let tag = ConnectionTable.tag(hashes[k])
                hashes[k] = table.slots[Int(truncatingIfNeeded: tag) & table.slotMask]
                sink ^= hashes[k]
            }
            for k in 0..<n {
                let s = hashes[k]
                if s != 0 {
                    let idx = Int((UInt32(truncatingIfNeeded: s) &- 1) >> 1)
                    sink ^= table.slab[idx].expires
                }
            }
            return sink
        }
    }

    /// The tuple hash of a packet (0 if it has none), without side effects.
    @inline(__always)
    func hashOf(_ packet: UnsafeRawBufferPointer, zone: UInt16) -> UInt64 {
        let b = Bytes(packet)
        var p = L3Packet()
        guard parseL3(b, into: &p) == .none, !p.isFragment else { return 0 }
        var key = FlowKey(srcHi: p.srcHi, srcLo: p.srcLo, dstHi: p.dstHi, dstLo: p.dstLo, sport: 0, dport: 0,
                          proto: p.proto, family: p.family, zone: zone)
        guard extractL4(b, p, into: &key) == .none else { return 0 }
        return key.hash(seed: table.seed)
    }
}
