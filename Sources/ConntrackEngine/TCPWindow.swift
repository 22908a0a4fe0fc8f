/// TCP window tracking (`tcp_in_window` and its helpers), after Guido van Rooij's
/// "Real Stateful TCP Packet Filtering in IP Filter" with RFC 793 boundaries:
///
///     I.   seq <= sender.td_maxend
///     II.  seq + len >= sender.td_end - receiver.td_maxwin
///     III. sack <= receiver.td_end
///     IV.  sack >= receiver.td_end - MAXACKWINDOW(sender)
extension TrackerCore {
    @usableFromInline static let maxAckWindowConst: UInt32 = 66000

    /// `tcp_options`: window scale and SACK-permitted from the options of a SYN.
    mutating func tcpOptions(_ b: Bytes, _ seg: TCPSegment, into s: inout TCPSide) {
        var length = seg.optionsLength
        if length == 0 { return }
        var i = seg.optionsOffset
        s.scale = 0
        s.flags &= TCPFlag.beLiberal
        while length > 0 {
            let opcode = b.u8(i)
            i &+= 1
            switch opcode {
            case 0: return // EOL
            case 1: length &-= 1; continue // NOP
            default:
                if length < 2 { return }
                let opsize = Int(b.u8(i))
                i &+= 1
                if opsize < 2 || opsize > length { return }
                if opcode == 4 && opsize == 2 {
                    s.flags |= TCPFlag.sackPerm
                } else if opcode == 3 && opsize == 3 {
                    s.scale = min(b.u8(i), 14)
                    s.flags |= TCPFlag.windowScale
                }
                i &+= opsize &- 2
                length &-= opsize
            }
        }
    }

    /// `tcp_sack`: the highest right edge of the SACK blocks (if above `sack`).
    mutating func tcpSack(_ b: Bytes, _ seg: TCPSegment, _ sack: inout UInt32) {
        var length = seg.optionsLength
        if length == 0 { return }
        var i = seg.optionsOffset
        // Fast path: a lone aligned timestamp option.
        if length == 12 && b.u32(i) == 0x0101_080a { return }
        while length > 0 {
            let opcode = b.u8(i)
            i &+= 1
            switch opcode {
            case 0: return
            case 1: length &-= 1; continue
            default:
                if length < 2 { return }
                let opsize = Int(b.u8(i))
                i &+= 1
                if opsize < 2 || opsize > length { return }
                if opcode == 5 && opsize >= 10 && (opsize &- 2) % 8 == 0 {
                    var k = 0
                    while k < opsize &- 2 {
                        let edge = b.u32(i &+ k &+ 4)
                        if seqAfter(edge, sack) { sack = edge }
                        k &+= 8
                    }
                    return
                }
                i &+= opsize &- 2
                length &-= opsize
            }
        }
    }

    /// `tcp_init_sender`: (re)initialise a side from a SYN or SYN/ACK.
    mutating func tcpInitSender(_ sender: inout TCPSide, _ receiver: inout TCPSide, _ b: Bytes, _ seg: TCPSegment, dir: UInt8) {
        sender.end = seg.end
        sender.maxEnd = seg.end
        sender.maxWin = seg.win == 0 ? 1 : UInt32(seg.win)
        tcpOptions(b, seg, into: &sender)
        // RFC 1323: scaling only if both sides sent the option.
        if dir == 1 && !(sender.flags & TCPFlag.windowScale != 0 && receiver.flags & TCPFlag.windowScale != 0) {
            sender.scale = 0
            receiver.scale = 0
        }
    }

    /// `nf_tcp_store_invalid`: with be_liberal (sysctl or the sender's flag) every failure
    /// becomes an accept.
    @inline(__always)
    func tcpFail(_ sender: TCPSide, _ r: InvalidReason) -> InvalidReason {
        (config.tcpBeLiberal || sender.flags & TCPFlag.beLiberal != 0) ? .none : r
    }

    /// `tcp_in_window`. Returns `.none` to accept, an ignore reason (`isAcceptedIgnore`) or
    /// an invalid reason.
    @inline(__always)
    mutating func tcpInWindow(_ c: UnsafeMutablePointer<Connection>, dir: UInt8, index: UInt8, _ b: Bytes,
                     _ seg: TCPSegment) -> InvalidReason {
        var sender = c.pointee.tcp[dir]
        var receiver = c.pointee.tcp[dir ^ 1]
        defer {
            c.pointee.tcp[dir] = sender
            c.pointee.tcp[dir ^ 1] = receiver
        }
        var seq = seg.seq
        var ack = seg.ack
        var sack = seg.ack
        var end = seg.end
        var win = UInt32(seg.win)
        let state = c.pointee.state

        if receiver.flags & TCPFlag.sackPerm != 0 { tcpSack(b, seg, &sack) }
        if c.pointee.status & StatusBit.seqAdjust != 0, let hs = table.helpers {
            // NAT sequence mangling: acks are in the adjusted space of the other direction.
            let off = Self.seqOffset(hs[c - table.slab], dir: dir ^ 1, seq: ack &- 1)
            ack = ack &- off
            sack = sack &- off
        }

        if sender.maxWin == 0 {
            if seg.syn {
                tcpInitSender(&sender, &receiver, b, seg, dir: dir)
                // Simultaneous open
                if !seg.hasAck { return .none }
            } else {
                // Mid-connection: use what the packet tells.
                sender.end = end
                let swin = win << UInt32(sender.scale)
                sender.maxWin = swin == 0 ? 1 : swin
                sender.maxEnd = end &+ sender.maxWin
                if receiver.maxWin == 0 {
                    receiver.end = sack
                    receiver.maxEnd = sack
                } else if sack == receiver.end &+ 1 {
                    // Likely the answer to a keep-alive.
                    receiver.end &+= 1
                }
            }
        } else if seg.syn && seqAfter(end, sender.end)
                    && (state == TCPStateTable.ss || state == TCPStateTable.sr) {
            // RFC 793: a reinitialised TCP uses higher sequence numbers. Re-init this side.
            tcpInitSender(&sender, &receiver, b, seg, dir: dir)
            if dir == 1 && !seg.hasAck { return .none }
        }

        if !seg.hasAck {
            ack = receiver.end
            sack = receiver.end
        } else if seg.rst && ack == 0 {
            // Broken stacks: RST+ACK with ack 0.
            ack = receiver.end
            sack = receiver.end
        }

        if seg.rst && seq == 0 && state == TCPStateTable.ss {
            // RST answering a SYN.
            seq = sender.end
            end = sender.end
        }

        let maxAckWindow = max(sender.maxWin, TrackerCore.maxAckWindowConst)
        let seqOK = seqBefore(seq, sender.maxEnd &+ 1)
        if !seqOK {
            let overshot = end &- sender.maxEnd &+ 1
            let ackOK = seqAfter(sack, receiver.end &- maxAckWindow &- 1)
            let inRecvWin = receiver.maxWin != 0 && seqAfter(end, sender.end &- receiver.maxWin &- 1)
            if inRecvWin && ackOK && overshot <= receiver.maxWin && seqBefore(sack, receiver.end &+ 1) {
                // A peer sending a little more than the window allows: remember the data
                // so its ACK passes check III later.
                sender.end = end
                sender.flags |= TCPFlag.dataUnacknowledged
                return tcpFail(sender, .tcpOvershot)
            }
            return tcpFail(sender, .tcpSeqOverUpperBound)
        }
        if !seqBefore(sack, receiver.end &+ 1) { return tcpFail(sender, .tcpAckOverUpperBound) }
        let inRecvWin = receiver.maxWin == 0 || seqAfter(end, sender.end &- receiver.maxWin &- 1)
        if !inRecvWin { return tcpFail(sender, .tcpSeqUnderLowerBound) }
        if !seqAfter(sack, receiver.end &- maxAckWindow &- 1) { return tcpFail(sender, .tcpAckUnderLowerBound) }

        // Window scaling (RFC 1323) does not apply to SYNs.
        if !seg.syn { win <<= UInt32(sender.scale) }

        let swin = win &+ (sack &- ack)
        if sender.maxWin < swin { sender.maxWin = swin }
        if seqAfter(end, sender.end) {
            sender.end = end
            sender.flags |= TCPFlag.dataUnacknowledged
        }
        if seg.hasAck {
            if sender.flags & TCPFlag.maxAckSet == 0 {
                sender.maxAck = ack
                sender.flags |= TCPFlag.maxAckSet
            } else if seqAfter(ack, sender.maxAck) {
                sender.maxAck = ack
            }
        }
        if receiver.maxWin != 0 && seqAfter(end, sender.maxEnd) {
            receiver.maxWin &+= end &- sender.maxEnd
        }
        if seqAfter(sack &+ win, receiver.maxEnd &- 1) {
            receiver.maxEnd = sack &+ win
            if win == 0 { receiver.maxEnd &+= 1 }
        }
        if ack == receiver.end { receiver.flags &= ~TCPFlag.dataUnacknowledged }

        // Identical retransmissions of ACK-class packets.
        if index == TCPClass.ack {
            let t = c.pointee.tcp
            if t.lastDir == dir && t.lastSeq == seq && t.lastAck == ack && t.lastEnd == end && t.lastWin == seg.win {
                c.pointee.tcp.retrans &+= 1
            } else {
                c.pointee.tcp.lastDir = dir
                c.pointee.tcp.lastSeq = seq
                c.pointee.tcp.lastAck = ack
                c.pointee.tcp.lastEnd = end
                c.pointee.tcp.lastWin = seg.win
                c.pointee.tcp.retrans = 0
            }
        }
        return .none
    }
}
