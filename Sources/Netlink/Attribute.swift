/// A view of one netlink attribute (`struct nlattr` + payload), read in place.
///
/// Readers return `nil` when the payload is shorter than the value, so a decoder can
/// skip odd attributes instead of failing. Multi-byte integers are read big-endian
/// (`be16`...) as netfilter sends them, or in host order (`u32`...).
public struct Attribute {
    /// `nla_type & NLA_TYPE_MASK`
    public let type: UInt16
    /// Whether `NLA_F_NESTED` was set.
    public let isNested: Bool
    /// The payload (without padding).
    public let payload: UnsafeRawBufferPointer

    @inlinable
    public init(type: UInt16, isNested: Bool, payload: UnsafeRawBufferPointer) {
        self.type = type
        self.isNested = isNested
        self.payload = payload
    }

    /// The first payload byte.
    @inlinable public var u8: UInt8? { payload.count >= 1 ? payload[0] : nil }
    /// A big-endian 16-bit value.
    @inlinable public var be16: UInt16? {
        payload.count >= 2 ? UInt16(bigEndian: payload.loadUnaligned(as: UInt16.self)) : nil
    }
    /// A big-endian 32-bit value.
    @inlinable public var be32: UInt32? {
        payload.count >= 4 ? UInt32(bigEndian: payload.loadUnaligned(as: UInt32.self)) : nil
    }
    /// A big-endian 64-bit value.
    @inlinable public var be64: UInt64? {
        payload.count >= 8 ? UInt64(bigEndian: payload.loadUnaligned(as: UInt64.self)) : nil
    }
    /// A host-order 32-bit value.
    @inlinable public var u32: UInt32? {
        payload.count >= 4 ? payload.loadUnaligned(as: UInt32.self) : nil
    }
    /// A big-endian 64-bit value read at `offset`.
    @inlinable public func be64(at offset: Int) -> UInt64? {
        payload.count >= offset + 8
            ? UInt64(bigEndian: payload.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) : nil
    }
    /// A NUL-terminated string (the NUL and anything after it dropped). Allocates.
    public var string: String {
        var end = 0
        while end < payload.count, payload[end] != 0 { end += 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: payload[0..<end]), as: UTF8.self)
    }
    /// The nested attributes inside this one.
    @inlinable public var nested: Attributes { Attributes(payload) }
}

/// The attributes of a buffer (a message payload after its fixed header, or a nested
/// attribute's payload), walked in place without allocating.
public struct Attributes: Sequence {
    public let buffer: UnsafeRawBufferPointer
    @inlinable public init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }
    @inlinable public func makeIterator() -> AttributeIterator { AttributeIterator(buffer) }

    /// Whether every attribute is framed correctly (lengths inside the buffer).
    public var isWellFormed: Bool {
        var it = makeIterator()
        while it.next() != nil {}
        return !it.malformed
    }
}

/// Iterator of `Attributes`. An attribute whose length is shorter than its header or
/// runs past the buffer stops the walk and sets `malformed`.
public struct AttributeIterator: IteratorProtocol {
    @usableFromInline var base: UnsafeRawPointer?
    @usableFromInline var offset: Int
    @usableFromInline let count: Int
    /// Set when the walk stopped at a badly framed attribute.
    public var malformed = false

    @inlinable
    public init(_ buffer: UnsafeRawBufferPointer) {
        self.base = buffer.baseAddress
        self.offset = 0
        self.count = buffer.count
    }

    @inlinable
    public mutating func next() -> Attribute? {
        let remaining = count - offset
        guard remaining >= 4, let base else {
            if remaining > 0 { malformed = true }
            return nil
        }
        let p = base + offset
        let length = Int(p.loadUnaligned(as: UInt16.self))
        let rawType = p.loadUnaligned(fromByteOffset: 2, as: UInt16.self)
        guard length >= 4, length <= remaining else {
            malformed = true
            offset = count
            return nil
        }
        offset = min(offset + ((length + 3) & ~3), count)
        return Attribute(type: rawType & NetlinkConstants.attributeTypeMask,
                         isNested: rawType & NetlinkConstants.nestedFlag != 0,
                         payload: UnsafeRawBufferPointer(start: p + 4, count: length - 4))
    }
}
