/// UDP and UDPLite (`nf_conntrack_proto_udp.c`).
extension TrackerCore {
    /// Whether checksums are verified for this packet (sysctl on, PRE_ROUTING, not
    /// already validated by hardware). The metadata is folded into `checksumWanted`.
    @inline(__always)
    var checksumEnabled: Bool { config.checksum && checksumWanted }

    /// `udp_error` + `nf_conntrack_udp_packet`.
    mutating func trackUDP(_ idx: Int, dir: UInt8, isNew: Bool, _ b: Bytes, _ p: L3Packet, now: UInt64) -> TrackAction {
        let o = p.l4Offset
        let len = p.l4Length
        guard len >= 8 else { return .invalid(.udpTruncated) }
        let ulen = Int(b.u16(o &+ 4))
        guard ulen <= len && ulen >= 8 else { return .invalid(.udpTruncated) }
        if b.u16(o &+ 6) != 0 && checksumEnabled && !Checksum.verify(b, p, pseudoProto: 17) {
            return .invalid(.badChecksum)
        }
        let c = table.slab + idx
        if isNew { c.pointee.udpStreamDeadline = now &+ 2 &* TrackerCore.nsPerSecond }
        if c.pointee.status & StatusBit.seenReply != 0 {
            // Still active two seconds after creation: a stream.
            let stream = Int64(bitPattern: now &- c.pointee.udpStreamDeadline) > 0
            refresh(idx, timeout: stream ? udpStreamTimeout : udpTimeout, now: now, dir: dir, length: p.length)
            if stream && c.pointee.status & StatusBit.natClash == 0 { setAssured(idx) }
        } else {
            refresh(idx, timeout: udpTimeout, now: now, dir: dir, length: p.length)
        }
        return .accept
    }

    /// `udplite_error` + `nf_conntrack_udplite_packet`: checksum mandatory, coverage
    /// checked, and (kernel quirk) verified with protocol 17 in the pseudo-header.
    mutating func trackUDPLite(_ idx: Int, dir: UInt8, isNew: Bool, _ b: Bytes, _ p: L3Packet, now: UInt64) -> TrackAction {
        let o = p.l4Offset
        let len = p.l4Length
        guard len >= 8 else { return .invalid(.udpTruncated) }
        var cscov = Int(b.u16(o &+ 4))
        if cscov == 0 {
            cscov = len
        } else if cscov < 8 || cscov > len {
            return .invalid(.udpliteMalformed)
        }
        if b.u16(o &+ 6) == 0 { return .invalid(.udpliteMalformed) }
        if checksumEnabled && !Checksum.verify(b, p, pseudoProto: 17, coverage: cscov) {
            return .invalid(.badChecksum)
        }
        let c = table.slab + idx
        if c.pointee.status & StatusBit.seenReply != 0 {
            refresh(idx, timeout: udpStreamTimeout, now: now, dir: dir, length: p.length)
            if c.pointee.status & StatusBit.natClash == 0 { setAssured(idx) }
        } else {
            refresh(idx, timeout: udpTimeout, now: now, dir: dir, length: p.length)
        }
        return .accept
    }
}
