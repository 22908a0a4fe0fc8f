/// GRE (`nf_conntrack_proto_gre.c`): keys from PPTP (v1) headers, 30 s unreplied,
/// 180 s once both directions were seen (then ASSURED). The two timeouts are copied into
/// the entry at creation (stored in seconds in the TCP area).
extension TrackerCore {
    
    mutating func trackGRE(_ idx: Int, dir: UInt8, isNew: Bool, _ b: Bytes, _ p: L3Packet, now: UInt64) -> TrackAction {
        let c = table.slab + idx
        if isNew {
            c.pointee.tcp.seen1.end = config.timeouts.gre
            c.pointee.tcp.seen1.maxEnd = config.timeouts.greStream
        }
        let status = c.pointee.status
        if status & StatusBit.seenReply != 0 {
            refresh(idx, timeout: UInt64(c.pointee.tcp.seen1.maxEnd) &* TrackerCore.nsPerSecond, now: now, dir: dir,
                    length: p.length)
            if status & StatusBit.natClash == 0 { setAssured(idx) }
        } else {
            refresh(idx, timeout: UInt64(c.pointee.tcp.seen1.end) &* TrackerCore.nsPerSecond, now: now, dir: dir,
                    length: p.length)
        }
        return .accept
    }
}

extension Connection {
    /// SCTP verification tag of direction `dir` (`proto.sctp.vtag[dir]`), in the TCP area.
    func sctpVtag(_ dir: UInt8) -> UInt32 { dir == 0 ? tcp.seen0.maxWin : tcp.seen1.maxWin }
    mutating func setSctpVtag(_ dir: UInt8, _ v: UInt32) {
        if dir == 0 { tcp.seen0.maxWin = v } else { tcp.seen1.maxWin = v }
    }
}
