/// Expectation flags (`CTA_EXPECT_FLAGS`, `NF_CT_EXPECT_*`).
public struct ExpectationFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `NF_CT_EXPECT_PERMANENT`
    public static let permanent = ExpectationFlags(rawValue: 1)
    /// `NF_CT_EXPECT_INACTIVE`
    public static let inactive = ExpectationFlags(rawValue: 2)
    /// `NF_CT_EXPECT_USERSPACE`
    public static let userspace = ExpectationFlags(rawValue: 4)
}

/// An expected connection (`CTA_EXPECT_*`): a tuple with a mask that a future
/// connection's original tuple is matched against, created by a helper for a master.
public struct Expectation: Hashable, Sendable {
    /// `CTA_EXPECT_MASTER`
    public var master: Tuple
    /// `CTA_EXPECT_TUPLE`
    public var tuple: Tuple
    /// `CTA_EXPECT_MASK`
    public var mask: Tuple
    /// `CTA_EXPECT_TIMEOUT`: remaining seconds.
    public var timeout: UInt32?
    /// `CTA_EXPECT_ID`
    public var id: UInt32?
    /// `CTA_EXPECT_HELP_NAME`
    public var helper: String?
    /// `CTA_EXPECT_ZONE`
    public var zone: UInt16?
    /// `CTA_EXPECT_FLAGS`
    public var flags: ExpectationFlags?
    /// `CTA_EXPECT_CLASS`
    public var expectClass: UInt32?
    /// `CTA_EXPECT_NAT` direction and tuple.
    public var natDirection: UInt32?
    public var natTuple: Tuple?
    /// `CTA_EXPECT_FN`
    public var function: String?

    public init(master: Tuple, tuple: Tuple, mask: Tuple) {
        self.master = master
        self.tuple = tuple
        self.mask = mask
    }
}

/// One expectation event (`conntrack -E expect`).
public struct ExpectationEvent: Hashable, Sendable {
    /// NEW or DESTROY (UPDATE is not emitted by the kernel).
    public var type: EventType
    public var expectation: Expectation
    public var portID: UInt32
    public var time: UInt64?
    public init(type: EventType, expectation: Expectation, portID: UInt32 = 0, time: UInt64? = nil) {
        self.type = type; self.expectation = expectation; self.portID = portID; self.time = time
    }
}
