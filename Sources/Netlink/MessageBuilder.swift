/// Builds netlink messages into one contiguous byte buffer: one request, or many
/// requests back to back for a batch sent with a single `sendto`.
///
/// ```swift
/// var b = MessageBuilder()
/// b.beginMessage(type: 0x0101, flags: [.request, .ack], sequence: 7)
/// b.append(bytes: [2, 0, 0, 0])                  // a fixed family header
/// let nest = b.beginNested(1)
/// b.put(2, be32: 0x0a000001)
/// b.endNested(nest)
/// b.endMessage()
/// ```
public struct MessageBuilder {
    /// The bytes built so far.
    public private(set) var bytes: [UInt8]
    @usableFromInline var messageStart = -1
    /// How many messages `endMessage` has closed.
    public private(set) var messageCount = 0

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Removes everything, keeping the capacity.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        messageStart = -1
        messageCount = 0
    }

    /// Starts a message: writes an `nlmsghdr` whose length `endMessage` fills in.
    public mutating func beginMessage(type: UInt16, flags: MessageFlags, sequence: UInt32, portID: UInt32 = 0) {
        precondition(messageStart < 0, "beginMessage inside a message")
        messageStart = bytes.count
        appendHost(UInt32(0))
        appendHost(type)
        appendHost(flags.rawValue)
        appendHost(sequence)
        appendHost(portID)
    }

    /// Closes the current message: sets `nlmsg_len` and pads to 4 bytes.
    public mutating func endMessage() {
        precondition(messageStart >= 0, "endMessage without beginMessage")
        pad()
        setHost(UInt32(bytes.count - messageStart), at: messageStart)
        messageStart = -1
        messageCount += 1
    }

    /// Appends raw bytes (a fixed header such as `nfgenmsg`).
    public mutating func append(bytes more: [UInt8]) { bytes.append(contentsOf: more) }

    /// Appends an attribute with a raw payload.
    public mutating func put(_ type: UInt16, bytes payload: [UInt8]) {
        appendHost(UInt16(4 + payload.count))
        appendHost(type)
        bytes.append(contentsOf: payload)
        pad()
    }

    /// Appends a one-byte attribute.
    public mutating func put(_ type: UInt16, u8 value: UInt8) {
        appendHost(UInt16(5)); appendHost(type); bytes.append(value); pad()
    }

    /// Appends a big-endian 16-bit attribute.
    public mutating func put(_ type: UInt16, be16 value: UInt16) {
        appendHost(UInt16(6)); appendHost(type); appendHost(value.bigEndian); pad()
    }

    /// Appends a big-endian 32-bit attribute.
    public mutating func put(_ type: UInt16, be32 value: UInt32) {
        appendHost(UInt16(8)); appendHost(type); appendHost(value.bigEndian)
    }

    /// Appends a host-order 32-bit attribute.
    public mutating func put(_ type: UInt16, u32 value: UInt32) {
        appendHost(UInt16(8)); appendHost(type); appendHost(value)
    }

    /// Appends a big-endian 64-bit attribute.
    public mutating func put(_ type: UInt16, be64 value: UInt64) {
        appendHost(UInt16(12)); appendHost(type); appendHost(value.bigEndian)
    }

    /// Appends a NUL-terminated string attribute.
    public mutating func put(_ type: UInt16, string: String) {
        var payload = Array(string.utf8)
        payload.append(0)
        put(type, bytes: payload)
    }

    /// Opens a nested attribute (with `NLA_F_NESTED` unless `flag` is false); returns
    /// the token to pass to `endNested`.
    public mutating func beginNested(_ type: UInt16, flag: Bool = true) -> Int {
        let start = bytes.count
        appendHost(UInt16(0))
        appendHost(flag ? type | NetlinkConstants.nestedFlag : type)
        return start
    }

    /// Closes a nested attribute opened by `beginNested`.
    public mutating func endNested(_ start: Int) {
        let length = bytes.count - start
        bytes[start] = UInt8(truncatingIfNeeded: length)
        bytes[start + 1] = UInt8(truncatingIfNeeded: length >> 8)
    }

    @usableFromInline mutating func pad() {
        while bytes.count & 3 != 0 { bytes.append(0) }
    }

    @usableFromInline mutating func appendHost<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) }
    }

    @usableFromInline mutating func setHost(_ v: UInt32, at offset: Int) {
        withUnsafeBytes(of: v) { raw in
            for i in 0..<4 { bytes[offset + i] = raw[i] }
        }
    }
}
