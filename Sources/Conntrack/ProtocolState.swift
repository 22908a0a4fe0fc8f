/// TCP connection states, the kernel's `enum tcp_conntrack` (`CTA_PROTOINFO_TCP_STATE`).
public enum TCPState: UInt8, Sendable, Hashable, CaseIterable {
    case none = 0, synSent, synRecv, established, finWait, closeWait, lastAck, timeWait, close, synSent2

    /// The name conntrack-tools prints (`SYN_SENT`, `ESTABLISHED`, ...).
    public var name: String {
        TCPState.names[Int(rawValue)]
    }
    /// Names indexed by state number, as conntrack-tools prints them.
    public static let names = ["NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
                               "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2"]
}

/// SCTP association states (`CTA_PROTOINFO_SCTP_STATE`).
public enum SCTPState: UInt8, Sendable, Hashable, CaseIterable {
    case none = 0, closed, cookieWait, cookieEchoed, established, shutdownSent, shutdownRecd,
         shutdownAckSent, heartbeatSent, heartbeatAcked

    /// The name conntrack-tools prints.
    public var name: String { SCTPState.names[Int(rawValue)] }
    /// Names indexed by state number.
    public static let names = ["NONE", "CLOSED", "COOKIE_WAIT", "COOKIE_ECHOED", "ESTABLISHED",
                               "SHUTDOWN_SENT", "SHUTDOWN_RECD", "SHUTDOWN_ACK_SENT",
                               "HEARTBEAT_SENT", "HEARTBEAT_ACKED"]
}

/// DCCP states (`CTA_PROTOINFO_DCCP_STATE`); Linux 6.18 no longer tracks DCCP.
public enum DCCPState: UInt8, Sendable, Hashable, CaseIterable {
    case none = 0, request, respond, partOpen, open, closeReq, closing, timeWait, ignore, invalid

    /// The name conntrack-tools prints.
    public var name: String { DCCPState.names[Int(rawValue)] }
    /// Names indexed by state number.
    public static let names = ["NONE", "REQUEST", "RESPOND", "PARTOPEN", "OPEN", "CLOSEREQ",
                               "CLOSING", "TIMEWAIT", "IGNORE", "INVALID"]
}

/// Per-protocol private state (`CTA_PROTOINFO`).
public enum ProtoInfo: Hashable, Sendable {
    /// `CTA_PROTOINFO_TCP`. Raw state number kept so out-of-range values survive.
    case tcp(TCPInfo)
    /// `CTA_PROTOINFO_SCTP`.
    case sctp(SCTPInfo)
    /// `CTA_PROTOINFO_DCCP`.
    case dccp(DCCPInfo)

    /// The raw state number of whichever protocol this is.
    public var state: UInt8 {
        switch self {
        case .tcp(let t): t.state
        case .sctp(let s): s.state
        case .dccp(let d): d.state
        }
    }
}

/// TCP private state as ctnetlink carries it.
public struct TCPInfo: Hashable, Sendable {
    /// `CTA_PROTOINFO_TCP_STATE` (a `TCPState` raw value).
    public var state: UInt8
    /// `CTA_PROTOINFO_TCP_WSCALE_ORIGINAL`
    public var windowScaleOriginal: UInt8?
    /// `CTA_PROTOINFO_TCP_WSCALE_REPLY`
    public var windowScaleReply: UInt8?
    /// `CTA_PROTOINFO_TCP_FLAGS_ORIGINAL`: (flags, mask).
    public var flagsOriginal: TCPFlagsMask?
    /// `CTA_PROTOINFO_TCP_FLAGS_REPLY`: (flags, mask).
    public var flagsReply: TCPFlagsMask?

    public init(state: UInt8, windowScaleOriginal: UInt8? = nil, windowScaleReply: UInt8? = nil,
                flagsOriginal: TCPFlagsMask? = nil, flagsReply: TCPFlagsMask? = nil) {
        self.state = state
        self.windowScaleOriginal = windowScaleOriginal
        self.windowScaleReply = windowScaleReply
        self.flagsOriginal = flagsOriginal
        self.flagsReply = flagsReply
    }
}

/// `struct nf_ct_tcp_flags`: per-direction TCP window-tracking flags and a mask.
public struct TCPFlagsMask: Hashable, Sendable {
    /// `IP_CT_TCP_FLAG_*` bits (WINDOW_SCALE 0x01, SACK_PERM 0x02, CLOSE_INIT 0x04,
    /// BE_LIBERAL 0x08, DATA_UNACKNOWLEDGED 0x10, MAXACK_SET 0x20).
    public var flags: UInt8
    /// Which bits `flags` sets (used on update).
    public var mask: UInt8
    public init(flags: UInt8, mask: UInt8) { self.flags = flags; self.mask = mask }
}

/// SCTP private state as ctnetlink carries it.
public struct SCTPInfo: Hashable, Sendable {
    /// `CTA_PROTOINFO_SCTP_STATE`
    public var state: UInt8
    /// `CTA_PROTOINFO_SCTP_VTAG_ORIGINAL`
    public var vtagOriginal: UInt32?
    /// `CTA_PROTOINFO_SCTP_VTAG_REPLY`
    public var vtagReply: UInt32?
    public init(state: UInt8, vtagOriginal: UInt32? = nil, vtagReply: UInt32? = nil) {
        self.state = state
        self.vtagOriginal = vtagOriginal
        self.vtagReply = vtagReply
    }
}

/// DCCP private state as ctnetlink carries it.
public struct DCCPInfo: Hashable, Sendable {
    /// `CTA_PROTOINFO_DCCP_STATE`
    public var state: UInt8
    /// `CTA_PROTOINFO_DCCP_ROLE` (0 client, 1 server)
    public var role: UInt8?
    /// `CTA_PROTOINFO_DCCP_HANDSHAKE_SEQ`
    public var handshakeSeq: UInt64?
    public init(state: UInt8, role: UInt8? = nil, handshakeSeq: UInt64? = nil) {
        self.state = state
        self.role = role
        self.handshakeSeq = handshakeSeq
    }
}
