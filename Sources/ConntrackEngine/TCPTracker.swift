/// TCP (`nf_conntrack_proto_tcp.c`): flag validation, the state table, the special cases
/// applied after the table lookup, and timeout selection. Window tracking is in
/// `TCPWindow.swift`.
@usableFromInline
enum TCPFlag {
    /// `IP_CT_TCP_FLAG_WINDOW_SCALE`
    @usableFromInline static let windowScale: UInt8 = 0x01
    /// `IP_CT_TCP_FLAG_SACK_PERM`
    @usableFromInline static let sackPerm: UInt8 = 0x02
    /// `IP_CT_TCP_FLAG_CLOSE_INIT`
    @usableFromInline static let closeInit: UInt8 = 0x04
    /// `IP_CT_TCP_FLAG_BE_LIBERAL`
    @usableFromInline static let beLiberal: UInt8 = 0x08
    /// `IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED`
    @usableFromInline static let dataUnacknowledged: UInt8 = 0x10
    /// `IP_CT_TCP_FLAG_MAXACK_SET`
    @usableFromInline static let maxAckSet: UInt8 = 0x20
    /// `IP_CT_EXP_CHALLENGE_ACK` (last_flags only)
    @usableFromInline static let expChallengeAck: UInt8 = 0x40
    /// `IP_CT_TCP_SIMULTANEOUS_OPEN` (last_flags only)
    @usableFromInline static let simultaneousOpen: UInt8 = 0x80
}

/// Packet classes as raw numbers (`TCP_SYN_SET`...).
@usableFromInline
enum TCPClass {
    @usableFromInline static let syn: UInt8 = 0
    @usableFromInline static let synAck: UInt8 = 1
    @usableFromInline static let fin: UInt8 = 2
    @usableFromInline static let ack: UInt8 = 3
    @usableFromInline static let rst: UInt8 = 4
    @usableFromInline static let none: UInt8 = 5
}

/// The fields of one TCP segment the tracker needs.
@usableFromInline
struct TCPSegment {
    @usableFromInline var seq: UInt32
    @usableFromInline var ack: UInt32
    @usableFromInline var end: UInt32
    @usableFromInline var win: UInt16
    @usableFromInline var flags: UInt8
    @usableFromInline var optionsOffset: Int
    @usableFromInline var optionsLength: Int
    var syn: Bool { flags & 0x02 != 0 }
    var hasAck: Bool { flags & 0x10 != 0 }
    var rst: Bool { flags & 0x04 != 0 }
    var fin: Bool { flags & 0x01 != 0 }
}

/// Modular sequence comparisons (`before`, `after`).
@inline(__always) func seqBefore(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) < 0 }
@inline(__always) func seqAfter(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: b &- a) < 0 }

extension TrackerCore {
    @inline(__always)
    func tcpStateTimeout(_ s: UInt8) -> UInt64 { tcpTimeout[Int(s)] }

    /// `nf_conntrack_tcp_packet`.
    mutating func trackTCP(_ idx: Int, dir: UInt8, isNew: Bool, _ b: Bytes, _ p: L3Packet, now: UInt64) -> TrackAction {
        let o = p.l4Offset
        let len = p.l4Length
        // tcp_error
        guard len >= 20 else { return .invalid(.tcpTruncated) }
        let doff = Int(b.u8(o &+ 12) >> 4) &* 4
        guard doff >= 20 && len >= doff else { return .invalid(.tcpTruncated) }
        if checksumEnabled && !Checksum.verify(b, p, pseudoProto: 6) { return .invalid(.badChecksum) }
        let flags = b.u8(o &+ 13)
        guard TCPStateTable.validFlags(flags) else { return .invalid(.tcpInvalidFlags) }
        // Pure ACK without options on an established entry: see TCPFastPath.swift.
        if !isNew && flags & 0x17 == 0x10 && doff == 20
            && tcpFastAck(idx, dir: dir, b, o: o, payload: len &- 20, length: p.length, now: now) {
            return .accept
        }

        let seq = b.u32(o &+ 4)
        var seg = TCPSegment(seq: seq, ack: b.u32(o &+ 8), end: 0, win: b.u16(o &+ 14), flags: flags,
                             optionsOffset: o &+ 20, optionsLength: doff &- 20)
        seg.end = seq &+ UInt32(truncatingIfNeeded: len &- doff)
            &+ (seg.syn ? 1 : 0) &+ (seg.fin ? 1 : 0)
        let index = TCPStateTable.packetClass(flags: flags).rawValue
        let c = table.slab + idx

        if isNew && !tcpNew(c, b, seg, index: index) { return .invalid(.tcpCannotCreate) }

        var old = c.pointee.state
        var new = tcpCells[Int(dir) &* 60 &+ Int(index) &* 10 &+ Int(old)]
        var skipWindow = false

        if new == TCPStateTable.ss && old >= TCPStateTable.tw {
            // Reopen of a closed/aborted connection: kill it and start over.
            let t = c.pointee.tcp
            if ((t.seen0.flags | t.seen1.flags) & TCPFlag.closeInit) != 0
                || (t.lastDir == dir && t.lastIndex == TCPClass.rst) {
                return .reopen
            }
            new = TCPStateTable.ig
        }
        switch new {
        case TCPStateTable.ig:
            if index == TCPClass.synAck && c.pointee.tcp.lastIndex == TCPClass.syn
                && c.pointee.tcp.lastDir != dir && seg.ack == c.pointee.tcp.lastEnd {
                // The SYN/ACK answers a SYN we ignored: both ends are in sync, we are not.
                old = TCPStateTable.ss
                new = TCPStateTable.sr
                let ld = c.pointee.tcp.lastDir
                var s = c.pointee.tcp[ld]
                s.end = c.pointee.tcp.lastEnd
                s.maxEnd = c.pointee.tcp.lastEnd
                s.maxWin = c.pointee.tcp.lastWin == 0 ? 1 : UInt32(c.pointee.tcp.lastWin)
                s.scale = c.pointee.tcp.lastWscale
                c.pointee.tcp.lastFlags &= ~TCPFlag.expChallengeAck
                s.flags = c.pointee.tcp.lastFlags
                c.pointee.tcp[ld] = s
                var r = c.pointee.tcp[dir]
                r.end = 0; r.maxEnd = 0; r.maxWin = 0; r.maxAck = 0; r.scale = 0
                r.flags &= TCPFlag.beLiberal
                c.pointee.tcp[dir] = r
            } else {
                c.pointee.tcp.lastIndex = index
                c.pointee.tcp.lastDir = dir
                c.pointee.tcp.lastSeq = seg.seq
                c.pointee.tcp.lastEnd = seg.end
                c.pointee.tcp.lastWin = seg.win
                if index == TCPClass.syn && dir == 0 {
                    var seen = TCPSide()
                    tcpOptions(b, seg, into: &seen)
                    var lf: UInt8 = 0
                    c.pointee.tcp.lastWscale = 0
                    if seen.flags & TCPFlag.windowScale != 0 {
                        lf |= TCPFlag.windowScale
                        c.pointee.tcp.lastWscale = seen.scale
                    }
                    if seen.flags & TCPFlag.sackPerm != 0 { lf |= TCPFlag.sackPerm }
                    if old == TCPStateTable.la { lf |= TCPFlag.expChallengeAck }
                    c.pointee.tcp.lastFlags = lf
                }
                if old == TCPStateTable.ss && index == TCPClass.ack && dir == 1 {
                    c.pointee.tcp.lastAck = seg.ack
                }
                return .ignore(.tcpIgnored)
            }
        case TCPStateTable.iv:
            return .invalid(.tcpInvalidState)
        case TCPStateTable.tw:
            if old == TCPStateTable.la && index == TCPClass.ack && c.pointee.tcp.lastDir != dir
                && c.pointee.tcp.lastIndex == TCPClass.syn
                && c.pointee.tcp.lastFlags & TCPFlag.expChallengeAck != 0 {
                c.pointee.tcp.lastFlags &= ~TCPFlag.expChallengeAck
                return .ignore(.tcpChallengeAck)
            }
        case TCPStateTable.s2:
            c.pointee.tcp.lastFlags |= TCPFlag.simultaneousOpen
        case TCPStateTable.sr:
            if dir == 1 && index == TCPClass.ack && c.pointee.tcp.lastFlags & TCPFlag.simultaneousOpen != 0 {
                new = TCPStateTable.es
            }
        case TCPStateTable.cl:
            if index == TCPClass.rst {
                switch tcpCheckRST(c, dir: dir, seg: seg, old: old, new: &new) {
                case 0: break
                case 1: skipWindow = true
                default: return .invalid(.tcpInvalidRST)
                }
            }
        default:
            break
        }

        if !skipWindow {
            let res = tcpInWindow(c, dir: dir, index: index, b, seg)
            if res != .none {
                if res.isAcceptedIgnore { return .ignore(res) }
                tcpHandleInvalid(c, dir: dir, index: index, now: now)
                return .invalid(res)
            }
        }

        // in_window:
        c.pointee.tcp.lastIndex = index
        c.pointee.tcp.lastDir = dir
        c.pointee.state = new
        if old != new && new == TCPStateTable.fw {
            if dir == 0 { c.pointee.tcp.seen0.flags |= TCPFlag.closeInit } else { c.pointee.tcp.seen1.flags |= TCPFlag.closeInit }
        }
        let stateTO = tcpStateTimeout(new)
        var timeout: UInt64
        if Int(c.pointee.tcp.retrans) >= config.tcpMaxRetrans && stateTO > tcpTimeout[Timeouts.tcpRetrans] {
            timeout = tcpTimeout[Timeouts.tcpRetrans]
        } else if index == TCPClass.rst {
            timeout = tcpTimeout[8]
        } else if (c.pointee.tcp.seen0.flags | c.pointee.tcp.seen1.flags) & TCPFlag.dataUnacknowledged != 0
                    && stateTO > tcpTimeout[Timeouts.tcpUnack] {
            timeout = tcpTimeout[Timeouts.tcpUnack]
        } else if c.pointee.tcp.lastWin == 0 && stateTO > tcpTimeout[Timeouts.tcpRetrans] {
            timeout = tcpTimeout[Timeouts.tcpRetrans]
        } else {
            timeout = stateTO
        }
        if new != old { c.pointee.eventMask |= EventBit.protoInfo }

        if c.pointee.status & StatusBit.seenReply == 0 {
            if seg.rst {
                // Only reply is a RST: delete at once (counted first).
                account(idx, dir: dir, length: p.length)
                return .acceptAndKill
            }
            if index == TCPClass.syn && old == TCPStateTable.ss {
                // Retransmitted SYN: no refresh, so port reuse can't keep the entry alive.
                return .accept
            }
            if new == TCPStateTable.es && timeout > tcpTimeout[Timeouts.tcpUnack] {
                timeout = tcpTimeout[Timeouts.tcpUnack]
            }
        } else if c.pointee.status & StatusBit.assured == 0
                    && (old == TCPStateTable.sr || old == TCPStateTable.es) && new == TCPStateTable.es {
            setAssured(idx)
        }
        refresh(idx, timeout: timeout, now: now, dir: dir, length: p.length)
        return .accept
    }

    /// `tcp_new`: may this first packet create an entry? Initialises the window data.
    mutating func tcpNew(_ c: UnsafeMutablePointer<Connection>, _ b: Bytes, _ seg: TCPSegment, index: UInt8) -> Bool {
        let new = tcpCells[Int(index) &* 10]
        if new >= TCPStateTable.iv { return false }
        if new == TCPStateTable.ss {
            c.pointee.tcp = TCPData()
            var s = TCPSide()
            s.end = seg.end
            s.maxWin = seg.win == 0 ? 1 : UInt32(seg.win)
            s.maxEnd = s.end
            tcpOptions(b, seg, into: &s)
            c.pointee.tcp.seen0 = s
        } else if !config.tcpLoose {
            return false
        } else {
            c.pointee.tcp = TCPData()
            var s = TCPSide()
            s.end = seg.end
            s.maxWin = seg.win == 0 ? 1 : UInt32(seg.win)
            s.maxEnd = s.end &+ s.maxWin
            // Picked up mid-stream: assume SACK and check windows liberally, both ways.
            s.flags = TCPFlag.sackPerm | TCPFlag.beLiberal
            c.pointee.tcp.seen0 = s
            c.pointee.tcp.seen1.flags = TCPFlag.sackPerm | TCPFlag.beLiberal
        }
        c.pointee.tcp.lastIndex = TCPClass.none
        return true
    }

    /// RST validation of the CLOSE case. Returns 0 = continue with the window check,
    /// 1 = accept without window check, 2 = invalid. May set `new` back to the old state.
    mutating func tcpCheckRST(_ c: UnsafeMutablePointer<Connection>, dir: UInt8, seg: TCPSegment, old: UInt8,
                     new: inout UInt8) -> Int {
        let st = c.pointee.state
        // tcp_can_early_drop: closing states skip all checks (tuple may be reused already).
        if st == TCPStateTable.fw || st == TCPStateTable.la || st == TCPStateTable.tw
            || st == TCPStateTable.cl || st == TCPStateTable.cw {
            return 1
        }
        let t = c.pointee.tcp
        let peer = t[dir ^ 1]
        let established = st == TCPStateTable.es && c.pointee.status & StatusBit.assured != 0
        if peer.flags & TCPFlag.maxAckSet != 0 && t.lastIndex != TCPClass.syn {
            let seq = seg.seq
            if seq == 0 && !established { return 0 }
            if seqBefore(seq, peer.maxAck) && !config.tcpIgnoreInvalidRST { return 2 }
            if !established || seq == peer.maxAck { return 0 }
            if t.lastIndex == TCPClass.ack && t.lastDir == dir && seq == t.lastEnd { return 0 }
            // In window but inexact: keep the state to allow a challenge ACK.
            new = old
        }
        let status = c.pointee.status
        if ((status & StatusBit.seenReply != 0 && t.lastIndex == TCPClass.syn && t.lastDir != dir)
            || (status & StatusBit.assured == 0 && t.lastIndex == TCPClass.ack))
            && seg.ack == t.lastEnd {
            // RST answering a SYN or ACK we let through while out of sync.
            return 1
        }
        if old == TCPStateTable.ss && t.lastIndex == TCPClass.ack && t.lastDir == 1 && seg.seq == t.lastAck {
            // RST answering a challenge ACK we let through.
            return 1
        }
        return 0
    }

    /// `nf_tcp_handle_invalid`: an invalid FIN/RST on an ASSURED entry may shorten its
    /// timeout to UNACK when the other side sent the previous FIN/RST.
    mutating func tcpHandleInvalid(_ c: UnsafeMutablePointer<Connection>, dir: UInt8, index: UInt8, now: UInt64) {
        let st = c.pointee.status
        if st & StatusBit.assured == 0 || st & StatusBit.fixedTimeout != 0 { return }
        guard index == TCPClass.rst || index == TCPClass.fin else { return }
        let t = c.pointee.tcp
        if t.lastDir != dir && (t.lastIndex == TCPClass.fin || t.lastIndex == TCPClass.rst) {
            let remaining = Int64(bitPattern: c.pointee.expires &- now)
            if remaining < 120 * Int64(TrackerCore.nsPerSecond) { return }
            let to = tcpTimeout[Timeouts.tcpUnack]
            if UInt64(remaining) > to { c.pointee.expires = now &+ to }
        } else {
            c.pointee.tcp.lastIndex = index
            c.pointee.tcp.lastDir = dir
        }
    }
}
