/// The common case of `natPacket`: a TCP or UDP packet in an IPv4 header without options,
/// not a fragment, with its whole layer-4 header present. It computes exactly what
/// `manipOuter` (`manipL4`, then `manipAddress`) would for such a packet, in the same order
/// of incremental checksum updates, so the bytes come out identical; anything else is left
/// unchanged for the general path.
extension TrackerCore {
    /// `natPacket` for a packet of an established or new connection in an IPv4 header
    /// without options, not a fragment: nil when the packet is not that case (the caller
    /// then runs `natPacket`), else what `natPacket` would return, with the same bytes.
    /// (`mutating` only so that calling it through `Tracker.core` does not copy the state.)
    @inline(__always)
    mutating func natPacketFast(_ m: MutableBytes, verdict: Verdict, manip: NATManip) -> NATDropReason? {
        guard let h = verdict.connection, verdict.state == .established || verdict.state == .new,
              m.count >= 20, m.u8(0) == 0x45, m.u16(6) & 0x3fff == 0 else { return nil }
        let idx = Int(h.index)
        let dir = verdict.direction.rawValue
        var bit = manip == .source ? StatusBit.srcNAT : StatusBit.dstNAT
        if dir == 1 { bit ^= Self.natMask }
        if table.slab[idx].status & bit == 0 { return NATDropReason.none }
        // parseL3's checks for such a header.
        let total = Int(m.u16(2))
        guard total >= 20 && total <= m.count else { return .truncated }
        return natRewriteIPv4(m, idx: idx, dir: dir, manip: manip, total: total) ? NATDropReason.none : nil
    }

    /// Rewrites the address and port of `manip` towards the inverse of the other
    /// direction's tuple (`natTarget`). `total` is the IPv4 total length, already checked
    /// to be within the buffer and at least 20.
    @inline(__always)
    func natRewriteIPv4(_ m: MutableBytes, idx: Int, dir: UInt8, manip: NATManip, total: Int) -> Bool {
        let proto = m.u8(9)
        let avail = total &- 20
        if proto == 6 {
            guard avail >= 20 else { return false }
        } else if proto == 17 {
            guard avail >= 8 else { return false }
        } else {
            return false
        }
        // natTarget: the inverse of the other direction's tuple (TCP/UDP: ports swapped),
        // read field by field (`table.key` would copy the whole entry first). SRC manip
        // takes the other tuple's destination, DST manip its source.
        let c = table.slab + idx
        let newAddress: UInt64, newPort: UInt16
        if dir == 1 {
            // The other tuple is the original one.
            newAddress = manip == .source ? c.pointee.dstHi : c.pointee.srcHi
            newPort = manip == .source ? c.pointee.dport : c.pointee.sport
        } else {
            // The reply tuple: addresses from the NAT extension when NAT changed them,
            // else the original ones swapped.
            let nat = c.pointee.flags & ConnFlag.natReply != 0
            if manip == .source {
                newAddress = nat ? table.natReply![idx].dstHi : c.pointee.srcHi
                newPort = c.pointee.rdport
            } else {
                newAddress = nat ? table.natReply![idx].srcHi : c.pointee.dstHi
                newPort = c.pointee.rsport
            }
        }
        let ao = manip == .source ? 12 : 16
        let po = manip == .source ? 20 : 22
        let n0 = UInt16(truncatingIfNeeded: newAddress >> 48), n1 = UInt16(truncatingIfNeeded: newAddress >> 32)
        let o0 = m.u16(ao), o1 = m.u16(ao &+ 2)
        // manipL4: pseudo-header words, then the port.
        if proto == 6 {
            var c = m.u16(36)
            c = checksumReplace16(c, o0, n0)
            c = checksumReplace16(c, o1, n1)
            c = checksumReplace16(c, m.u16(po), newPort)
            m.set16(36, c)
        } else {
            let check = m.u16(26)
            if check != 0 {
                var c = checksumReplace16(check, o0, n0)
                c = checksumReplace16(c, o1, n1)
                c = checksumReplace16(c, m.u16(po), newPort)
                m.set16(26, c == 0 ? 0xffff : c)
            }
        }
        m.set16(po, newPort)
        // manipAddress: the IPv4 header checksum, then the address.
        var check = m.u16(10)
        check = checksumReplace16(check, o0, n0)
        check = checksumReplace16(check, o1, n1)
        m.set16(ao, n0)
        m.set16(ao &+ 2, n1)
        m.set16(10, check)
        return true
    }
}
