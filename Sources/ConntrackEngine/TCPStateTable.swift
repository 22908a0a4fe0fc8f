import Conntrack

/// The TCP state machine as data: `tcp_conntracks[dir][class][old state]` of
/// `nf_conntrack_proto_tcp.c`. Cells are `TCPState` raw values, `iv` (10 = `sIV`, the packet
/// is invalid) or `ig` (11 = `sIG`, accepted without state change, remembered for resync).
public enum TCPStateTable {
    /// Packet class (`get_conntrack_index`): evaluated RST, SYN(+ACK), FIN, ACK, none.
    public enum PacketClass: UInt8, CaseIterable, Sendable {
        case syn = 0, synAck, fin, ack, rst, none
    }

    /// `sIV` (`TCP_CONNTRACK_MAX`)
    public static let iv: UInt8 = 10
    /// `sIG` (`TCP_CONNTRACK_IGNORE`)
    public static let ig: UInt8 = 11

    static let no: UInt8 = 0, ss: UInt8 = 1, sr: UInt8 = 2, es: UInt8 = 3, fw: UInt8 = 4
    static let cw: UInt8 = 5, la: UInt8 = 6, tw: UInt8 = 7, cl: UInt8 = 8, s2: UInt8 = 9

    /// The table, flattened as `[dir * 60 + class * 10 + old]`.
    /// Columns: NO SS SR ES FW CW LA TW CL S2.
    public static let cells: [UInt8] = [
        // ORIGINAL direction
        // syn: NO->SS new connection; SR/ES/FW/CW/LA ignored (we may be out of sync);
        //      TW/CL->SS reopen; S2 stays S2 (retransmitted SYN in simultaneous open)
        ss, ss, ig, ig, ig, ig, ig, ss, ss, s2,
        // synack: only valid as the answer to a reply-direction SYN (SR, S2 -> SR)
        iv, iv, sr, iv, iv, iv, iv, iv, iv, sr,
        // fin: SR/ES->FW (we close first); FW/CW/LA->LA; TW stays TW; CL stays CL
        iv, iv, fw, fw, la, la, la, tw, cl, iv,
        // ack: NO->ES pickup (tcp_loose); SR->ES handshake done; FW/CW->CW; LA/TW->TW; CL stays
        es, iv, es, es, cw, cw, tw, tw, cl, iv,
        // rst: any known state -> CL
        iv, cl, cl, cl, cl, cl, cl, cl, cl, cl,
        // none: no flags are never valid
        iv, iv, iv, iv, iv, iv, iv, iv, iv, iv,
        // REPLY direction
        // syn: SS->S2 simultaneous open; TW->SS reopen by the server; S2 stays
        iv, s2, iv, iv, iv, iv, iv, ss, iv, s2,
        // synack: SS/S2->SR; in later states ignored (possibly a stale retransmission)
        iv, sr, ig, ig, ig, ig, ig, ig, ig, sr,
        // fin: like the original direction
        iv, iv, fw, fw, la, la, la, tw, cl, iv,
        // ack: SS/S2 ignored (challenge ACK?); SR stays SR; ES; FW/CW->CW; LA/TW->TW; CL
        iv, ig, sr, es, cw, cw, tw, tw, cl, ig,
        // rst
        iv, cl, cl, cl, cl, cl, cl, cl, cl, cl,
        // none
        iv, iv, iv, iv, iv, iv, iv, iv, iv, iv,
    ]

    /// The cell for a direction (0 original, 1 reply), class and old state.
    public static func next(direction: UInt8, class cls: PacketClass, old: TCPState) -> UInt8 {
        cells[Int(direction) * 60 + Int(cls.rawValue) * 10 + Int(old.rawValue)]
    }

    /// `get_conntrack_index` from the TCP flag byte.
    @inlinable @inline(__always)
    public static func packetClass(flags: UInt8) -> PacketClass {
        if flags & 0x04 != 0 { return .rst }
        if flags & 0x02 != 0 { return flags & 0x10 != 0 ? .synAck : .syn }
        if flags & 0x01 != 0 { return .fin }
        if flags & 0x10 != 0 { return .ack }
        return .none
    }

    /// `tcp_valid_flags`: with PSH, ECE and CWR ignored, the FIN/SYN/RST/ACK/URG combination
    /// must be SYN, SYN+URG, SYN+ACK, RST, RST+ACK, FIN+ACK, FIN+ACK+URG, ACK or ACK+URG.
    @inlinable @inline(__always)
    public static func validFlags(_ flags: UInt8) -> Bool {
        switch flags & 0x37 {
        case 0x02, 0x22, 0x12, 0x04, 0x14, 0x11, 0x31, 0x10, 0x30: true
        default: false
        }
    }
}
