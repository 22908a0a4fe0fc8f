/// SCTP (`nf_conntrack_proto_sctp.c`, Linux 6.12+/6.18): basic chunk checks, CRC32c,
/// verification tags, the per-chunk state table and timeouts.
public enum SCTPStateTable {
    /// `sIV`
    public static let iv: UInt8 = 10
    static let no: UInt8 = 0, cl: UInt8 = 1, cw: UInt8 = 2, ce: UInt8 = 3, es: UInt8 = 4
    static let ss: UInt8 = 5, sr: UInt8 = 6, sa: UInt8 = 7, hs: UInt8 = 8

    /// Row index of a chunk type, nil for chunks that keep the state (DATA, SACK...).
    public static func row(chunkType t: UInt8) -> Int? {
        switch t {
        case 1: 0   // INIT
        case 2: 1   // INIT_ACK
        case 6: 2   // ABORT
        case 7: 3   // SHUTDOWN
        case 8: 4   // SHUTDOWN_ACK
        case 9: 5   // ERROR
        case 10: 6  // COOKIE_ECHO
        case 11: 7  // COOKIE_ACK
        case 14: 8  // SHUTDOWN_COMPLETE
        case 4: 9   // HEARTBEAT
        case 5: 10  // HEARTBEAT_ACK
        default: nil
        }
    }

    /// `sctp_conntracks[dir][row][state]`, flattened as `[dir * 110 + row * 10 + state]`.
    /// Columns: NO CL CW CE ES SS SR SA HS HA (HEARTBEAT_ACKED is never entered).
    public static let cells: [UInt8] = [
        // ORIGINAL
        // INIT: a new INIT goes to CLOSED (not COOKIE_WAIT) until the INIT_ACK
        cl, cl, cw, ce, es, cl, cl, sa, cw, iv,
        // INIT_ACK
        cl, cl, cw, ce, es, ss, sr, sa, cl, iv,
        // ABORT: everything closes
        cl, cl, cl, cl, cl, cl, cl, cl, cl, iv,
        // SHUTDOWN: ES -> SHUTDOWN_SENT
        cl, cl, cw, ce, ss, ss, sr, sa, cl, iv,
        // SHUTDOWN_ACK: out of the blue from NONE, or answering a SHUTDOWN
        sa, cl, cw, ce, es, sa, sa, sa, sa, iv,
        // ERROR
        cl, cl, cw, ce, es, ss, sr, sa, cl, iv,
        // COOKIE_ECHO: COOKIE_WAIT -> COOKIE_ECHOED
        cl, cl, ce, ce, es, ss, sr, sa, cl, iv,
        // COOKIE_ACK
        cl, cl, cw, es, es, ss, sr, sa, cl, iv,
        // SHUTDOWN_COMPLETE: SHUTDOWN_ACK_SENT -> CLOSED
        cl, cl, cw, ce, es, ss, sr, cl, cl, iv,
        // HEARTBEAT: may open a secondary-path entry
        hs, cl, cw, ce, es, ss, sr, sa, hs, iv,
        // HEARTBEAT_ACK
        cl, cl, cw, ce, es, ss, sr, sa, hs, iv,
        // REPLY
        // INIT
        iv, cl, cw, ce, es, ss, sr, sa, iv, iv,
        // INIT_ACK: CLOSED -> COOKIE_WAIT
        iv, cw, cw, ce, es, ss, sr, sa, iv, iv,
        // ABORT
        iv, cl, cl, cl, cl, cl, cl, cl, iv, iv,
        // SHUTDOWN: ES -> SHUTDOWN_RECD
        iv, cl, cw, ce, sr, ss, sr, sa, iv, iv,
        // SHUTDOWN_ACK
        iv, cl, cw, ce, es, sa, sa, sa, iv, iv,
        // ERROR: COOKIE_ECHOED -> CLOSED
        iv, cl, cw, cl, es, ss, sr, sa, iv, iv,
        // COOKIE_ECHO
        iv, cl, ce, ce, es, ss, sr, sa, iv, iv,
        // COOKIE_ACK: COOKIE_ECHOED -> ESTABLISHED
        iv, cl, cw, es, es, ss, sr, sa, iv, iv,
        // SHUTDOWN_COMPLETE
        iv, cl, cw, ce, es, ss, sr, cl, iv, iv,
        // HEARTBEAT
        iv, cl, cw, ce, es, ss, sr, sa, hs, iv,
        // HEARTBEAT_ACK: HEARTBEAT_SENT -> ESTABLISHED
        iv, cl, cw, ce, es, ss, sr, sa, es, iv,
    ]

    /// `sctp_new_state`.
    public static func next(direction: UInt8, state: UInt8, chunkType: UInt8) -> UInt8 {
        guard let r = row(chunkType: chunkType) else { return state }
        return cells[Int(direction) * 110 + r * 10 + Int(state)]
    }
}

@usableFromInline
enum SCTPChunkType {
    static let data: UInt8 = 0, initChunk: UInt8 = 1, initAck: UInt8 = 2, heartbeat: UInt8 = 4
    static let heartbeatAck: UInt8 = 5, abort: UInt8 = 6, shutdownAck: UInt8 = 8
    static let cookieEcho: UInt8 = 10, cookieAck: UInt8 = 11, shutdownComplete: UInt8 = 14
    /// `SCTP_FLAG_HEARTBEAT_VTAG_FAILED`, kept in `tcp.lastFlags`.
    static let heartbeatVtagFailed: UInt8 = 1
}

extension TrackerCore {
    /// `nf_conntrack_sctp_packet`.
    mutating func trackSCTP(_ idx: Int, dir: UInt8, isNew: Bool, _ b: Bytes, _ p: L3Packet, now: UInt64) -> TrackAction {
        let o = p.l4Offset
        let end = p.length
        // sctp_error
        guard p.l4Length >= 12 else { return .invalid(.sctpMalformed) }
        if checksumEnabled {
            let wire = UInt32(b.u8(o &+ 8)) | UInt32(b.u8(o &+ 9)) << 8 | UInt32(b.u8(o &+ 10)) << 16
                | UInt32(b.u8(o &+ 11)) << 24
            if wire != Checksum.sctpCRC(b, o, p.l4Length) { return .invalid(.badChecksum) }
        }
        let vtag = b.u32(o &+ 4)
        // do_basic_checks: chunk layout, and the map of chunk types present (types < 64).
        var map: UInt64 = 0
        var count = 0
        var off = o &+ 12
        var flag = false
        while off < end {
            guard off &+ 4 <= end else { break }
            let type = b.u8(off)
            let len = Int(b.u16(off &+ 2))
            if type == SCTPChunkType.initChunk || type == SCTPChunkType.initAck || type == SCTPChunkType.shutdownComplete {
                flag = true
            }
            if ((type == SCTPChunkType.cookieAck || type == SCTPChunkType.cookieEcho || flag) && count != 0) || len == 0 {
                return .invalid(.sctpMalformed)
            }
            if type < 64 { map |= 1 << UInt64(type) }
            off &+= (len &+ 3) & ~3
            count &+= 1
        }
        if count == 0 { return .invalid(.sctpMalformed) }
        @inline(__always) func has(_ t: UInt8) -> Bool { map & (1 << UInt64(t)) != 0 }

        let c = table.slab + idx
        if isNew {
            // Out of the blue (Sec 8.4): these never create an entry.
            if has(SCTPChunkType.abort) || has(SCTPChunkType.shutdownComplete) || has(SCTPChunkType.cookieAck) {
                return .invalid(.sctpCannotCreate)
            }
            if !sctpNew(c, b, p, vtag: vtag) { return .invalid(.sctpCannotCreate) }
        }
        // Verification tag (Sec 8.5)
        if !has(SCTPChunkType.initChunk) && !has(SCTPChunkType.shutdownComplete) && !has(SCTPChunkType.cookieEcho)
            && !has(SCTPChunkType.abort) && !has(SCTPChunkType.shutdownAck) && !has(SCTPChunkType.heartbeat)
            && !has(SCTPChunkType.heartbeatAck) && vtag != c.pointee.sctpVtag(dir) {
            return .invalid(.sctpBadVtag)
        }
        var oldState: UInt8 = 0
        var newState: UInt8 = 0
        var ignore = false
        off = o &+ 12
        while off &+ 4 <= end {
            let type = b.u8(off)
            let flags = b.u8(off &+ 1)
            let len = Int(b.u16(off &+ 2))
            let chunkOffset = off
            off &+= (len &+ 3) & ~3
            switch type {
            case SCTPChunkType.initChunk:
                if vtag != 0 { return .invalid(.sctpBadVtag) }
            case SCTPChunkType.abort, SCTPChunkType.shutdownComplete:
                let t = flags & 1 != 0
                if (!t && vtag != c.pointee.sctpVtag(dir)) || (t && vtag != c.pointee.sctpVtag(dir ^ 1)) {
                    return .invalid(.sctpBadVtag)
                }
            case SCTPChunkType.cookieEcho:
                if vtag != c.pointee.sctpVtag(dir) { return .invalid(.sctpBadVtag) }
            case SCTPChunkType.cookieAck:
                c.pointee.flags &= ~(ConnFlag.sctpInit0 | ConnFlag.sctpInit1)
            case SCTPChunkType.heartbeat:
                if c.pointee.sctpVtag(dir) == 0 {
                    c.pointee.setSctpVtag(dir, vtag)
                } else if vtag != c.pointee.sctpVtag(dir) {
                    if has(SCTPChunkType.data) || ignore { return .invalid(.sctpBadVtag) }
                    c.pointee.tcp.lastFlags |= SCTPChunkType.heartbeatVtagFailed
                    c.pointee.tcp.lastDir = dir
                    ignore = true
                    continue
                } else {
                    c.pointee.tcp.lastFlags &= ~SCTPChunkType.heartbeatVtagFailed
                }
            case SCTPChunkType.heartbeatAck:
                if c.pointee.sctpVtag(dir) == 0 {
                    c.pointee.setSctpVtag(dir, vtag)
                } else if vtag != c.pointee.sctpVtag(dir) {
                    if has(SCTPChunkType.data) || ignore { return .invalid(.sctpBadVtag) }
                    if c.pointee.tcp.lastFlags & SCTPChunkType.heartbeatVtagFailed == 0 || c.pointee.tcp.lastDir == dir {
                        return .invalid(.sctpBadVtag)
                    }
                    c.pointee.tcp.lastFlags &= ~SCTPChunkType.heartbeatVtagFailed
                    c.pointee.setSctpVtag(dir, vtag)
                    c.pointee.setSctpVtag(dir ^ 1, 0)
                } else {
                    c.pointee.tcp.lastFlags &= ~SCTPChunkType.heartbeatVtagFailed
                }
            default:
                break
            }
            oldState = c.pointee.state
            newState = SCTPStateTable.next(direction: dir, state: oldState, chunkType: type)
            if newState == SCTPStateTable.iv { return .invalid(.sctpInvalidState) }
            let initBit = dir == 0 ? ConnFlag.sctpInit0 : ConnFlag.sctpInit1
            let peerInitBit = dir == 0 ? ConnFlag.sctpInit1 : ConnFlag.sctpInit0
            if type == SCTPChunkType.initChunk {
                guard chunkOffset &+ 20 <= end else { return .invalid(.sctpMalformed) }
                let initTag = b.u32(chunkOffset &+ 4)
                // Do not record an INIT matching the peer's vtag (stale or retransmitted).
                if oldState == 0 || c.pointee.sctpVtag(dir ^ 1) != initTag {
                    if c.pointee.flags & initBit != 0 && c.pointee.flags & peerInitBit != 0 {
                        c.pointee.flags &= ~peerInitBit
                    }
                    c.pointee.flags |= initBit
                }
                c.pointee.setSctpVtag(dir ^ 1, initTag)
                // INIT retransmission on a confirmed entry: accept without refresh.
                if newState == SCTPStateTable.cl && oldState == SCTPStateTable.cl && !isNew { ignore = true }
            } else if type == SCTPChunkType.initAck {
                guard chunkOffset &+ 20 <= end else { return .invalid(.sctpMalformed) }
                let initTag = b.u32(chunkOffset &+ 4)
                let v = c.pointee.sctpVtag(dir ^ 1)
                if c.pointee.flags & peerInitBit == 0 && v != 0 && v != initTag { return .invalid(.sctpBadVtag) }
                // collision
                if c.pointee.flags & initBit != 0 && c.pointee.flags & peerInitBit != 0 && v != initTag {
                    return .invalid(.sctpBadVtag)
                }
                c.pointee.setSctpVtag(dir ^ 1, initTag)
            }
            c.pointee.state = newState
            if oldState != newState {
                c.pointee.eventMask |= EventBit.protoInfo
                if newState == SCTPStateTable.es { setAssured(idx) }
            }
        }
        if ignore { return .ignore(.none) }
        refresh(idx, timeout: sctpTimeout[Int(newState)], now: now, dir: dir, length: p.length)
        return .accept
    }

    /// `sctp_new`: which first packets may create an entry, and the vtags they set.
    mutating func sctpNew(_ c: UnsafeMutablePointer<Connection>, _ b: Bytes, _ p: L3Packet, vtag: UInt32) -> Bool {
        c.pointee.tcp = TCPData()
        c.pointee.state = 0
        var off = p.l4Offset &+ 12
        let end = p.length
        var any = false
        while off &+ 4 <= end {
            let type = b.u8(off)
            let len = Int(b.u16(off &+ 2))
            let s = SCTPStateTable.next(direction: 0, state: 0, chunkType: type)
            if s == 0 || s == SCTPStateTable.iv { return false }
            if type == SCTPChunkType.initChunk {
                if vtag != 0 { return false }
                guard off &+ 20 <= end else { return false }
                c.pointee.setSctpVtag(1, b.u32(off &+ 4))
            } else if type == SCTPChunkType.heartbeat {
                c.pointee.setSctpVtag(0, vtag)
            } else if type == SCTPChunkType.shutdownAck {
                c.pointee.setSctpVtag(1, vtag)
            }
            any = true
            off &+= (len &+ 3) & ~3
        }
        return any
    }
}
