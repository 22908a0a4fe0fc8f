/// Why a packet got no conntrack (or, for a few TCP cases, why it was accepted without
/// a state change). Each case has a counter in `EngineCounters` and a description in the
/// words of the kernel's `nf_ct_l4proto_log_invalid` messages.
public enum InvalidReason: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case none = 0

    // Layer 3
    /// Shorter than an IPv4/IPv6 header, or not IP at all.
    case truncatedIPHeader
    /// IPv4 IHL < 5 or beyond the total length.
    case badIPHeaderLength
    /// IPv4 total length / IPv6 payload length larger than the bytes captured.
    case ipLengthExceedsPacket // dropped by ip_rcv_core / ipv6_rcv before conntrack (verdict .dropped, not counted)
    /// IPv4 header checksum wrong: `ip_rcv` drops the packet before conntrack sees it
    /// (PRE_ROUTING only; counted in no conntrack statistic).
    case badIPChecksum
    /// A non-first fragment that could not be reassembled (e.g. defrag off).
    case fragment
    /// IPv6 extension header chain ends in "no next header" or is truncated.
    case ipv6ExtensionHeaders
    /// The layer-4 header is too short to build a tuple (`nf_ct_get_tuple` failed).
    case truncatedL4Header

    // Defragmentation
    /// Overlapping fragments: the whole queue was dropped (`ip_frag_queue` / RFC 5722).
    case fragmentOverlap
    /// Fragment beyond 65535 bytes, bad length or inconsistent end.
    case fragmentMalformed
    /// Reassembly memory above the high threshold: fragment dropped.
    case fragmentMemoryLimit

    // Core
    /// `nf_conntrack_max` reached and nothing could be early-dropped: packet dropped.
    case tableFull
    /// No reply tuple can be built (e.g. ICMP type without inverse).
    case cannotInvert
    /// Layer-4 checksum wrong (`nf_conntrack_checksum=1`, PRE_ROUTING).
    case badChecksum

    // UDP / UDPLite
    /// UDP length field > available bytes or < 8.
    case udpTruncated
    /// UDPLite checksum zero (mandatory) or coverage out of range.
    case udpliteMalformed

    // ICMP / ICMPv6
    /// Header shorter than 8 bytes.
    case icmpShort
    /// ICMP/ICMPv6 checksum wrong (counted as `error`).
    case icmpBadChecksum
    /// ICMPv4 type > 18.
    case icmpBadType
    /// First packet of a connection is not a request type (echo reply alone, ...).
    case icmpCannotCreate
    /// ICMP error quoting a connection the table does not have.
    case icmpErrorNotFound
    /// ICMP error whose quoted packet has no usable header/tuple.
    case icmpErrorBadEmbedded
    /// ICMP error whose outer destination differs from the connection's.
    case icmpErrorAddressMismatch
    /// ICMPv6 redirect with bad source/hop limit or without options.
    case icmpv6BadRedirect

    // TCP
    /// Header < 20 bytes or data offset beyond the packet.
    case tcpTruncated
    /// Flag combination not in the kernel's `tcp_valid_flags` table.
    case tcpInvalidFlags
    /// First packet neither SYN nor (with `tcp_loose`) ACK.
    case tcpCannotCreate
    /// The state table says INVALID for (direction, flags, state).
    case tcpInvalidState
    /// Window check I failed.
    case tcpSeqOverUpperBound
    /// Window check III failed.
    case tcpAckOverUpperBound
    /// RST sequence before the peer's highest ACK.
    case tcpInvalidRST
    /// Accepted but ignored: the table says IGNORE (out of sync, remembered for resync).
    case tcpIgnored
    /// Accepted but ignored: window check II (old retransmission).
    case tcpSeqUnderLowerBound
    /// Accepted but ignored: window check IV (overly delayed ACK).
    case tcpAckUnderLowerBound
    /// Accepted but ignored: a few bytes more than the receive window.
    case tcpOvershot
    /// Accepted without state change: RFC 5961 challenge ACK in LAST_ACK.
    case tcpChallengeAck

    // SCTP
    /// Bad chunk layout (zero length, INIT not alone, no chunks, ...).
    case sctpMalformed
    /// First packet is ABORT / SHUTDOWN_COMPLETE / COOKIE_ACK or INIT with vtag != 0.
    case sctpCannotCreate
    /// Verification tag does not match the connection's.
    case sctpBadVtag
    /// The state table says INVALID.
    case sctpInvalidState

    // GRE
    /// GRE version 1 whose protocol is not PPP, or a short header.
    case greMalformed

    /// Whether the packet still gets a conntrack (accepted, no state change).
    public var isAcceptedIgnore: Bool {
        switch self {
        case .tcpIgnored, .tcpSeqUnderLowerBound, .tcpAckUnderLowerBound, .tcpOvershot, .tcpChallengeAck: true
        default: false
        }
    }

    /// Whether the kernel counts this case in the `error` statistic (ICMP error handler
    /// failures) rather than `invalid`.
    public var countsAsError: Bool {
        switch self {
        case .icmpShort, .icmpBadChecksum, .icmpBadType, .icmpErrorNotFound, .icmpErrorBadEmbedded,
             .icmpErrorAddressMismatch, .icmpv6BadRedirect: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .none: "none"
        case .truncatedIPHeader: "IP: truncated header"
        case .badIPHeaderLength: "IP: bad header length"
        case .badIPChecksum: "IP: bad header checksum (dropped before conntrack)"
        case .ipLengthExceedsPacket: "IP: length exceeds packet"
        case .fragment: "IP: fragment not reassembled"
        case .ipv6ExtensionHeaders: "IPv6: can't find upper-layer protocol"
        case .truncatedL4Header: "can't get tuple: truncated layer-4 header"
        case .fragmentOverlap: "defrag: overlapping fragments, queue dropped"
        case .fragmentMalformed: "defrag: malformed fragment"
        case .fragmentMemoryLimit: "defrag: memory limit reached"
        case .tableFull: "table full, dropping packet"
        case .cannotInvert: "can't invert tuple"
        case .badChecksum: "bad checksum"
        case .udpTruncated: "UDP: truncated/malformed packet"
        case .udpliteMalformed: "UDPLite: bad checksum coverage or zero checksum"
        case .icmpShort: "ICMP: short packet"
        case .icmpBadChecksum: "ICMP: bad checksum"
        case .icmpBadType: "ICMP: invalid icmp type"
        case .icmpCannotCreate: "ICMP: can't create new conn with this type"
        case .icmpErrorNotFound: "ICMP error: embedded tuple not found"
        case .icmpErrorBadEmbedded: "ICMP error: can't get embedded tuple"
        case .icmpErrorAddressMismatch: "ICMP error: outer daddr != inner"
        case .icmpv6BadRedirect: "ICMPv6: invalid redirect"
        case .tcpTruncated: "TCP: truncated packet"
        case .tcpInvalidFlags: "TCP: invalid tcp flag combination"
        case .tcpCannotCreate: "TCP: invalid new (not a SYN, or tcp_loose=0)"
        case .tcpInvalidState: "TCP: packet invalid in this state"
        case .tcpSeqOverUpperBound: "TCP: SEQ over upper bound"
        case .tcpAckOverUpperBound: "TCP: ACK over upper bound"
        case .tcpInvalidRST: "TCP: invalid rst"
        case .tcpIgnored: "TCP: packet ignored, state kept"
        case .tcpSeqUnderLowerBound: "TCP: SEQ under lower bound (retransmission)"
        case .tcpAckUnderLowerBound: "TCP: ACK under lower bound (delayed)"
        case .tcpOvershot: "TCP: more bytes than the window allows"
        case .tcpChallengeAck: "TCP: challenge-ack ignored"
        case .sctpMalformed: "SCTP: bad packet"
        case .sctpCannotCreate: "SCTP: invalid new"
        case .sctpBadVtag: "SCTP: verification tag mismatch"
        case .sctpInvalidState: "SCTP: invalid state transition"
        case .greMalformed: "GRE: bad header"
        }
    }
}
