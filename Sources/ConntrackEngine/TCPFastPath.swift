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
        // Sequence-adjusted (NATed FTP) entries take the general path.
        guard c.pointee.state == TCPStateTable.es, c.pointee.status & (need | StatusBit.seqAdjust) == need else { return false }
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

extension TrackerCore {
    /// The fast path straight from the lookup (skipping `trackExisting` / `trackTCP`): the
    /// packet is TCP, the caller sets no mark, and the entry has no cached events. Same
    /// `tcp_error` checks as `trackTCP` (length, data offset 5, checksum when wanted).
    @inline(__always)
    mutating func tcpFastExisting(_ idx: Int, dir: UInt8, _ b: Bytes, _ p: L3Packet, now: UInt64) -> Bool {
        let o = p.l4Offset
        let len = p.l4Length
        guard len >= 20, b.u16(o &+ 12) & 0xf017 == 0x5010 else { return false }
        if table.slab[idx].eventMask != 0 { return false }
        if checksumEnabled && !Checksum.verify(b, p, pseudoProto: 6) { return false }
        return tcpFastAck(idx, dir: dir, b, o: o, payload: len &- 20, length: p.length, now: now)
    }
}

extension TrackerCore {
    /// IPv4 entry to the fast path, before the general parser: a 20-byte IPv4 header, not a
    /// fragment, TCP with a 20-byte header and ACK-only control bits, no mark to set. The
    /// lookup is the general path's first one (original-direction zone); anything else
    /// (no entry, other zone, expired, cached events, bad checksum, out of window) returns
    /// nil with nothing changed and the packet takes the general path.
    @inline(__always)
    mutating func fastIPv4TCPAck(_ b: Bytes, now: UInt64, metadata: PacketMetadata, hash: UInt64 = 0) -> Verdict? {
        guard b.count >= 40, b.u8(0) == 0x45, b.u8(9) == 6, b.u16(6) & 0x3fff == 0,
              b.u16(32) & 0xf017 == 0x5010, metadata.setMark == nil else { return nil }
        let total = Int(b.u16(2))
        guard total >= 40, total <= b.count else { return nil }
        if checksumWanted && !Checksum.ipv4HeaderValid(b, 20) { return nil }
        let src = UInt64(b.u32(12)) << 32
        let dst = UInt64(b.u32(16)) << 32
        let key = FlowKey(srcHi: src, srcLo: 0, dstHi: dst, dstLo: 0, sport: b.u16(20), dport: b.u16(22),
                          proto: 6, family: 2, zone: metadata.zone.id(for: 0))
        // `hash`, when given, is the batch pipeline's hash of this same key (a hint: a wrong
        // one can only make the lookup miss, and the general path then looks up again).
        guard let r = findIPv4(key, hash: hash != 0 ? hash : key.hash(seed: table.seed)) else { return nil }
        let idx = Int(r >> 1)
        let dir = UInt8(truncatingIfNeeded: r & 1)
        // A NATed entry's packets go on to be rewritten towards the reply tuple, whose
        // addresses live in the NAT extension, and for original-direction packets the
        // firewall checks the masquerade interface beside them: load them now, while the
        // entry's own cache lines are on their way, instead of hundreds of instructions
        // later when NAT asks.
        if let n = table.natReply {
            var w = n[idx].srcHi
            if dir == 0, let l = table.natLink { w ^= UInt64(l[idx].masqueradeInterface) }
            batchSink ^= w
        }
        let c = table.slab + idx
        guard c.pointee.zoneID(for: dir) == metadata.zone.id(for: dir),
              Int64(bitPattern: c.pointee.expires &- now) > 0,
              c.pointee.eventMask == 0 else { return nil }
        if checksumEnabled {
            var p = L3Packet()
            p.family = 2; p.proto = 6; p.srcHi = src; p.dstHi = dst; p.l4Offset = 20; p.length = total
            if !Checksum.verify(b, p, pseudoProto: 6) { return nil }
        }
        guard tcpFastAck(idx, dir: dir, b, o: 20, payload: total &- 40, length: total, now: now) else { return nil }
        return Verdict(connection: ConnectionHandle(index: UInt32(truncatingIfNeeded: idx)),
                       direction: dir == 1 ? .reply : .original, state: .established)
    }
}

extension TrackerCore {
    /// `ConnectionTable.find` for an IPv4 key, inlined into the fast path: the probe reads
    /// the table's pointers in place (no copy of the table for a call) and compares the
    /// IPv4 tuple words directly. Entries whose reply tuple lives in the NAT extension are
    /// compared through the general `matches`.
    @inline(__always)
    mutating func findIPv4(_ key: FlowKey, hash: UInt64) -> UInt32? {
        let slots = table.slots
        let mask = table.slotMask
        let slab = table.slab
        let tag = ConnectionTable.tag(hash)
        var i = Int(truncatingIfNeeded: tag) & mask
        while true {
            let s = slots[i]
            if s == 0 { return nil }
            if s >> 32 == tag {
                let ref = UInt32(truncatingIfNeeded: s) &- 1
                let c = slab + Int(ref >> 1)
                if c.pointee.proto == key.proto && c.pointee.family == 2 && c.pointee.srcLo == 0 && c.pointee.dstLo == 0 {
                    if ref & 1 == 0 {
                        if c.pointee.srcHi == key.srcHi && c.pointee.dstHi == key.dstHi && c.pointee.sport == key.sport
                            && c.pointee.dport == key.dport && c.pointee.zoneID(for: 0) == key.zone { return ref }
                    } else if c.pointee.flags & ConnFlag.natReply == 0 {
                        if c.pointee.dstHi == key.srcHi && c.pointee.srcHi == key.dstHi && c.pointee.rsport == key.sport
                            && c.pointee.rdport == key.dport && c.pointee.zoneID(for: 1) == key.zone { return ref }
                    } else if natReplyMatches(Int(ref >> 1), key) {
                        return ref
                    }
                }
            }
            i = (i &+ 1) & mask
        }
    }

    /// Whether the reply tuple of NATed entry `i` (addresses in the NAT extension) is `key`.
    @inline(never)
    mutating func natReplyMatches(_ i: Int, _ key: FlowKey) -> Bool {
        table.matches(i, key, dir: 1)
    }
}
