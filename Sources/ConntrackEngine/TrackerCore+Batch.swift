/// Batch support: a side-effect-free first pass that parses each packet, hashes its tuple
/// and loads the index slot and the slab entry it points to. Done for a whole batch before
/// the real processing, the independent cache misses of many packets overlap (memory-level
/// parallelism) instead of being paid one after another.
extension TrackerCore {
    /// Touches the memory `process` will need for this packet; returns a value to sink so
    /// the loads are not optimised away. Never changes state (`mutating` only so that it
    /// runs in place: calling a non-mutating method through the pointer copies the core).
    @inline(__always)
    mutating func warm(_ packet: UnsafeRawBufferPointer, zone: UInt16) -> UInt64 {
        let b = Bytes(packet)
        var p = L3Packet()
        guard parseL3(b, into: &p) == .none, !p.isFragment else { return 0 }
        var key = FlowKey(srcHi: p.srcHi, srcLo: p.srcLo, dstHi: p.dstHi, dstLo: p.dstLo, sport: 0, dport: 0,
                          proto: p.proto, family: p.family, zone: zone)
        guard extractL4(b, p, into: &key) == .none else { return 0 }
        let h = key.hash(seed: table.seed)
        let tag = ConnectionTable.tag(h)
        let s = table.slots[Int(truncatingIfNeeded: tag) & table.slotMask]
        if s >> 32 == tag {
            let idx = Int((UInt32(truncatingIfNeeded: s) &- 1) >> 1)
            return s ^ table.slab[idx].srcHi ^ table.slab[idx].expires
        }
        return s
    }
}
