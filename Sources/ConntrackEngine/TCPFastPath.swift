/// The common case of `nf_conntrack_tcp_packet`, done without the general machinery: a
/// pure ACK (PSH/URG/ECE/CWR allowed, no options) on an ESTABLISHED, ASSURED entry whose
/// sender side is initialised, inside every window bound.
///
/// It computes exactly what `trackTCP` + `tcpInWindow` would for such a packet (same
/// bounds, same updates, same timeout choice), touching only the fields it needs through
/// pointers. Every check happens before the first write: when one fails it returns false
/// having changed nothing, and the caller takes the general path, which decides the
/// packet the usual way (be_liberal, overshoot, invalid...).
extension TrackerCore {
    @inline(__always)
    static func tcpSide(_ c: UnsafeMutablePointer<Connection>, _ dir: UInt8) -> UnsafeMutablePointer<TCPSide> {
        let raw = UnsafeMutableRawPointer(c)
        let o = dir == 0 ? MemoryLayout<Connection>.offset(of: \Connection.tcp.seen0)!
                         : MemoryLayout<Connection>.offset(of: \Connection.tcp.seen1)!
        return (raw + o).assumingMemoryBound(to: TCPSide.self)
    }

    /// Returns true when the packet was handled (accepted, entry refreshed).
    @inline(__always)
    mutating func tcpFastAck(_ idx: Int, dir: UInt8, _ b: Bytes, o: Int, payload: Int, length: Int,
                             now: UInt64) -> Bool {
        let c = table.slab + idx
        let need = StatusBit.seenReply | StatusBit.assured
        guard c.pointee.state == TCPStateTable.es, c.pointee.status & need == need else { return false }
        let s = TrackerCore.tcpSide(c, dir)
        let r = TrackerCore.tcpSide(c, dir ^ 1)
        let sMaxWin = s.pointee.maxWin
        guard sMaxWin != 0 else { return false }
        let seq = b.u32(o &+ 4)
        let ack = b.u32(o &+ 8)
        let win16 = b.u16(o &+ 14)
        let end = seq &+ UInt32(truncatingIfNeeded: payload)
        let sMaxEnd = s.pointee.maxEnd
        let sEnd = s.pointee.end
        let rEnd = r.pointee.end
        let rMaxWin = r.pointee.maxWin
        let maxAckWindow = max(sMaxWin, TrackerCore.maxAckWindowConst)
        // I..IV (sack == ack: no SACK option).
        guard seqBefore(seq, sMaxEnd &+ 1),
              seqBefore(ack, rEnd &+ 1),
              rMaxWin == 0 || seqAfter(end, sEnd &- rMaxWin &- 1),
              seqAfter(ack, rEnd &- maxAckWindow &- 1) else { return false }

        // Updates, in tcp_in_window's order.
        let win = UInt32(win16) << UInt32(s.pointee.scale)
        if sMaxWin < win { s.pointee.maxWin = win }
        var sFlags = s.pointee.flags
        if seqAfter(end, sEnd) {
            s.pointee.end = end
            sFlags |= TCPFlag.dataUnacknowledged
        }
        if sFlags & TCPFlag.maxAckSet == 0 {
            s.pointee.maxAck = ack
            sFlags |= TCPFlag.maxAckSet
        } else if seqAfter(ack, s.pointee.maxAck) {
            s.pointee.maxAck = ack
        }
        s.pointee.flags = sFlags
        if rMaxWin != 0 && seqAfter(end, sMaxEnd) { r.pointee.maxWin = rMaxWin &+ (end &- sMaxEnd) }
        let top = ack &+ win
        if seqAfter(top, r.pointee.maxEnd &- 1) { r.pointee.maxEnd = win == 0 ? top &+ 1 : top }
        var rFlags = r.pointee.flags
        if ack == rEnd { rFlags &= ~TCPFlag.dataUnacknowledged; r.pointee.flags = rFlags }

        // Identical retransmissions of ACK-class packets; then lastIndex/lastDir.
        let t = UnsafeMutableRawPointer(c).advanced(by: MemoryLayout<Connection>.offset(of: \Connection.tcp)!)
            .assumingMemoryBound(to: TCPData.self)
        if t.pointee.lastDir == dir && t.pointee.lastSeq == seq && t.pointee.lastAck == ack
            && t.pointee.lastEnd == end && t.pointee.lastWin == win16 {
            t.pointee.retrans &+= 1
        } else {
            t.pointee.lastSeq = seq
            t.pointee.lastAck = ack
            t.pointee.lastEnd = end
            t.pointee.lastWin = win16
            t.pointee.retrans = 0
        }
        t.pointee.lastDir = dir
        t.pointee.lastIndex = TCPClass.ack

        // Timeout (state stays ESTABLISHED; ASSURED and SEEN_REPLY already set).
        let stateTO = tcpTimeout[Int(TCPStateTable.es)]
        let retransTO = tcpTimeout[Timeouts.tcpRetrans]
        let unackTO = tcpTimeout[Timeouts.tcpUnack]
        var timeout = stateTO
        if Int(t.pointee.retrans) >= config.tcpMaxRetrans && stateTO > retransTO {
            timeout = retransTO
        } else if (sFlags | rFlags) & TCPFlag.dataUnacknowledged != 0 && stateTO > unackTO {
            timeout = unackTO
        } else if win16 == 0 && stateTO > retransTO {
            timeout = retransTO
        }
        refresh(idx, timeout: timeout, now: now, dir: dir, length: length)
        return true
    }
}
