/// Constants of `linux/netlink.h` (not exported by the Glibc module).
public enum NetlinkConstants {
    /// `NETLINK_NETFILTER`
    public static let netfilterProtocol: Int32 = 12
    /// `SOL_NETLINK`
    public static let solNetlink: Int32 = 270
    /// `NETLINK_ADD_MEMBERSHIP`
    public static let addMembership: Int32 = 1
    /// `NETLINK_DROP_MEMBERSHIP`
    public static let dropMembership: Int32 = 2
    /// `NETLINK_NO_ENOBUFS`
    public static let noENOBUFS: Int32 = 5
    /// `NETLINK_CAP_ACK`: error replies carry only the request's header.
    public static let capAck: Int32 = 10
    /// `NETLINK_EXT_ACK`
    public static let extAck: Int32 = 11

    /// `NLMSG_NOOP`
    public static let noop: UInt16 = 1
    /// `NLMSG_ERROR`
    public static let error: UInt16 = 2
    /// `NLMSG_DONE`
    public static let done: UInt16 = 3
    /// `NLMSG_OVERRUN`
    public static let overrun: UInt16 = 4

    /// Size of `struct nlmsghdr`.
    public static let headerSize = 16
    /// Size of `struct nlattr`.
    public static let attributeHeaderSize = 4
    /// `NLA_F_NESTED`
    public static let nestedFlag: UInt16 = 0x8000
    /// `NLA_F_NET_BYTEORDER`
    public static let netByteOrderFlag: UInt16 = 0x4000
    /// `NLA_TYPE_MASK`
    public static let attributeTypeMask: UInt16 = 0x3fff

    /// Rounds up to the 4-byte netlink alignment (`NLMSG_ALIGN` / `NLA_ALIGN`).
    @inlinable
    public static func align(_ n: Int) -> Int { (n + 3) & ~3 }
}

/// Netlink message flags (`NLM_F_*`).
public struct MessageFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// `NLM_F_REQUEST`
    public static let request = MessageFlags(rawValue: 0x1)
    /// `NLM_F_MULTI`
    public static let multi = MessageFlags(rawValue: 0x2)
    /// `NLM_F_ACK`
    public static let ack = MessageFlags(rawValue: 0x4)
    /// `NLM_F_ECHO`
    public static let echo = MessageFlags(rawValue: 0x8)
    /// `NLM_F_DUMP_INTR`: the dump was interrupted by a change; its content is inconsistent.
    public static let dumpInterrupted = MessageFlags(rawValue: 0x10)
    /// `NLM_F_DUMP_FILTERED`
    public static let dumpFiltered = MessageFlags(rawValue: 0x20)
    /// `NLM_F_ROOT`
    public static let root = MessageFlags(rawValue: 0x100)
    /// `NLM_F_MATCH`
    public static let match = MessageFlags(rawValue: 0x200)
    /// `NLM_F_DUMP` (= ROOT|MATCH)
    public static let dump: MessageFlags = [.root, .match]
    /// `NLM_F_REPLACE`
    public static let replace = MessageFlags(rawValue: 0x100)
    /// `NLM_F_EXCL`
    public static let excl = MessageFlags(rawValue: 0x200)
    /// `NLM_F_CREATE`
    public static let create = MessageFlags(rawValue: 0x400)
    /// `NLM_F_APPEND`
    public static let append = MessageFlags(rawValue: 0x800)
}

/// A view of one netlink message (`struct nlmsghdr` + payload) inside a receive
/// buffer. Valid only while the buffer is (the body of a receive call).
public struct NetlinkMessage {
    /// `nlmsg_type`
    public let type: UInt16
    /// `nlmsg_flags`
    public let flags: MessageFlags
    /// `nlmsg_seq`
    public let sequence: UInt32
    /// `nlmsg_pid`: the sender's port id (0 for the kernel, or the requester's for events it caused).
    public let portID: UInt32
    /// The bytes after the header, up to `nlmsg_len`.
    public let payload: UnsafeRawBufferPointer

    @inlinable
    public init(type: UInt16, flags: MessageFlags, sequence: UInt32, portID: UInt32, payload: UnsafeRawBufferPointer) {
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
        self.payload = payload
    }

    /// For `NLMSG_ERROR` / `NLMSG_DONE`: the error number the kernel put first in the
    /// payload, made positive (0 for an ACK). `nil` if the payload is too short.
    public var errorNumber: Int32? {
        guard payload.count >= 4 else { return nil }
        // The kernel sends -errno; wrapping negation keeps a hostile INT32_MIN from trapping.
        return 0 &- payload.loadUnaligned(as: Int32.self)
    }
}

/// Walks the netlink messages of one datagram in place.
///
/// A message whose length field is shorter than its header or runs past the end of
/// the datagram stops the walk and sets `malformed`.
public struct MessageIterator: IteratorProtocol {
    @usableFromInline var rest: UnsafeRawBufferPointer
    /// Set when the walk stopped at a badly framed message.
    public private(set) var malformed = false

    @inlinable
    public init(_ datagram: UnsafeRawBufferPointer) { self.rest = datagram }

    public mutating func next() -> NetlinkMessage? {
        guard rest.count >= NetlinkConstants.headerSize else {
            if rest.count != 0 { malformed = true }
            return nil
        }
        let length = Int(rest.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        guard length >= NetlinkConstants.headerSize, length <= rest.count else {
            malformed = true
            return nil
        }
        let m = NetlinkMessage(
            type: rest.loadUnaligned(fromByteOffset: 4, as: UInt16.self),
            flags: MessageFlags(rawValue: rest.loadUnaligned(fromByteOffset: 6, as: UInt16.self)),
            sequence: rest.loadUnaligned(fromByteOffset: 8, as: UInt32.self),
            portID: rest.loadUnaligned(fromByteOffset: 12, as: UInt32.self),
            payload: UnsafeRawBufferPointer(rebasing: rest[NetlinkConstants.headerSize..<length]))
        let next = min(NetlinkConstants.align(length), rest.count)
        rest = UnsafeRawBufferPointer(rebasing: rest[next...])
        return m
    }
}
