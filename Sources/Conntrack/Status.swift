/// Connection status bits, the kernel's `enum ip_conntrack_status` (`CTA_STATUS`).
public struct Status: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `IPS_EXPECTED`: created from an expectation.
    public static let expected = Status(rawValue: 1 << 0)
    /// `IPS_SEEN_REPLY`: a reply-direction packet was seen.
    public static let seenReply = Status(rawValue: 1 << 1)
    /// `IPS_ASSURED`: exempt from early drop.
    public static let assured = Status(rawValue: 1 << 2)
    /// `IPS_CONFIRMED`: in the hash table.
    public static let confirmed = Status(rawValue: 1 << 3)
    /// `IPS_SRC_NAT`: the reply tuple was changed by source NAT.
    public static let srcNAT = Status(rawValue: 1 << 4)
    /// `IPS_DST_NAT`: the reply tuple was changed by destination NAT.
    public static let dstNAT = Status(rawValue: 1 << 5)
    /// `IPS_SEQ_ADJUST`: TCP sequence adjustment active.
    public static let seqAdjust = Status(rawValue: 1 << 6)
    /// `IPS_SRC_NAT_DONE`: source NAT decision made (null bindings included).
    public static let srcNATDone = Status(rawValue: 1 << 7)
    /// `IPS_DST_NAT_DONE`: destination NAT decision made.
    public static let dstNATDone = Status(rawValue: 1 << 8)
    /// `IPS_DYING`: being deleted.
    public static let dying = Status(rawValue: 1 << 9)
    /// `IPS_FIXED_TIMEOUT`: packets do not refresh the timeout.
    public static let fixedTimeout = Status(rawValue: 1 << 10)
    /// `IPS_TEMPLATE`.
    public static let template = Status(rawValue: 1 << 11)
    /// `IPS_UNTRACKED` (obsolete; reused in the kernel as `IPS_NAT_CLASH`).
    public static let natClash = Status(rawValue: 1 << 12)
    /// `IPS_HELPER`: helper attached explicitly.
    public static let helper = Status(rawValue: 1 << 13)
    /// `IPS_OFFLOAD`: offloaded to a flowtable.
    public static let offload = Status(rawValue: 1 << 14)
    /// `IPS_HW_OFFLOAD`: offloaded to hardware.
    public static let hwOffload = Status(rawValue: 1 << 15)

    /// `IPS_NAT_MASK`
    public static let natMask: Status = [.srcNAT, .dstNAT]
    /// `IPS_NAT_DONE_MASK`
    public static let natDoneMask: Status = [.srcNATDone, .dstNATDone]
}
