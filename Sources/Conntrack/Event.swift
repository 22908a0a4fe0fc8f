/// The kind of a conntrack event as `conntrack -E` shows it.
public enum EventType: UInt8, Sendable, Hashable {
    /// `[NEW]`: `IPCTNL_MSG_CT_NEW` with `NLM_F_CREATE|NLM_F_EXCL` (NEW or RELATED).
    case new = 1
    /// `[UPDATE]`: `IPCTNL_MSG_CT_NEW` without create flags.
    case update = 2
    /// `[DESTROY]`: `IPCTNL_MSG_CT_DELETE`.
    case destroy = 4

    /// The bracketed label right-aligned in 9 columns (`    [NEW]`).
    public var label: String {
        switch self {
        case .new: "    [NEW]"
        case .update: " [UPDATE]"
        case .destroy: "[DESTROY]"
        }
    }
}

/// Kernel event bits, `enum ip_conntrack_events` (what changed).
public struct EventMask: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `IPCT_NEW`
    public static let new = EventMask(rawValue: 1 << 0)
    /// `IPCT_RELATED`
    public static let related = EventMask(rawValue: 1 << 1)
    /// `IPCT_DESTROY`
    public static let destroy = EventMask(rawValue: 1 << 2)
    /// `IPCT_REPLY`
    public static let reply = EventMask(rawValue: 1 << 3)
    /// `IPCT_ASSURED`
    public static let assured = EventMask(rawValue: 1 << 4)
    /// `IPCT_PROTOINFO`
    public static let protoInfo = EventMask(rawValue: 1 << 5)
    /// `IPCT_HELPER`
    public static let helper = EventMask(rawValue: 1 << 6)
    /// `IPCT_MARK`
    public static let mark = EventMask(rawValue: 1 << 7)
    /// `IPCT_SEQADJ`
    public static let seqAdj = EventMask(rawValue: 1 << 8)
    /// `IPCT_SECMARK`
    public static let secmark = EventMask(rawValue: 1 << 9)
    /// `IPCT_LABEL`
    public static let label = EventMask(rawValue: 1 << 10)
    /// `IPCT_SYNPROXY`
    public static let synproxy = EventMask(rawValue: 1 << 11)
}

/// One conntrack event: a flow snapshot and what kind of message carried it.
public struct Event: Hashable, Sendable {
    /// NEW, UPDATE or DESTROY.
    public var type: EventType
    /// The entry as the event describes it.
    public var flow: Flow
    /// Netlink port id of the process whose request caused it (`nlmsg_pid`), 0 for the kernel.
    public var portID: UInt32
    /// When the event was received or produced, nanoseconds since the epoch, if known.
    public var time: UInt64?

    public init(type: EventType, flow: Flow, portID: UInt32 = 0, time: UInt64? = nil) {
        self.type = type
        self.flow = flow
        self.portID = portID
        self.time = time
    }
}
