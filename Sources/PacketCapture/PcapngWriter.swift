/// Writes a pcapng file: a section header block, an interface description block per
/// interface, and an enhanced packet block per packet.
///
/// ```swift
/// let writer = try PcapngWriter(path: "out.pcapng")
/// let eth = try writer.addInterface(linkType: .ethernet, name: "veth0")
/// let lo = try writer.addInterface(linkType: .raw, timestampResolution: .microseconds)
/// try writer.write(interface: eth, timestamp: now, bytes: frame)
/// try writer.close()
/// ```
public final class PcapngWriter {
    private var output: OutputBuffer
    private var ownsDescriptor: Bool
    private var closed = false
    /// The interfaces declared in the current section, in index order.
    public private(set) var interfaces: [CaptureInterface] = []

    /// Creates (or truncates) the file at `path` and writes a section header block.
    public convenience init(path: String, byteOrder: ByteOrder = .host,
                            application: String? = "swift-conntrack") throws(CaptureError) {
        let fd = try openForWriting(path)
        try self.init(fileDescriptor: fd, ownsDescriptor: true, byteOrder: byteOrder, application: application)
    }

    /// Writes a section header block to `fileDescriptor`.
    ///
    /// - Parameters:
    ///   - ownsDescriptor: close the descriptor in ``close()`` / when deinitialized.
    ///   - byteOrder: the byte order of the section (`.bigEndian` makes a "swapped" file on x86).
    ///   - application: the `shb_userappl` option, omitted when `nil`.
    public init(fileDescriptor: Int32, ownsDescriptor: Bool = false, byteOrder: ByteOrder = .host,
                application: String? = "swift-conntrack") throws(CaptureError) {
        self.ownsDescriptor = ownsDescriptor
        self.output = OutputBuffer(fd: fileDescriptor, byteOrder: byteOrder)
        try beginSection(application: application)
    }

    deinit {
        if !closed {
            try? output.flush()
            if ownsDescriptor { try? closeDescriptor(output.fd) }
        }
    }

    /// Starts a new section (a section header block); interfaces must be declared again.
    public func beginSection(application: String? = "swift-conntrack") throws(CaptureError) {
        var options = optionLength(application)
        if options > 0 { options += 4 }             // opt_endofopt
        try output.u32(0x0a0d_0d0a)
        try output.u32(UInt32(28 + options))
        try output.u32(0x1a2b_3c4d)                 // byte-order magic
        try output.u16(1)                           // major
        try output.u16(0)                           // minor
        try output.u64(UInt64(bitPattern: -1))     // section length: unknown
        if let application { try option(4, application) }   // shb_userappl
        if options > 0 { try output.u32(0) }        // opt_endofopt
        try output.u32(UInt32(28 + options))
        interfaces.removeAll()
    }

    /// Declares an interface (an interface description block) and returns its index.
    ///
    /// - Parameters:
    ///   - timestampResolution: `if_tsresol` (written unless it is the default, microseconds).
    ///   - timestampOffset: `if_tsoffset` in seconds (written unless 0).
    @discardableResult
    public func addInterface(linkType: LinkType, snapLength: UInt32 = 262_144, name: String? = nil,
                             timestampResolution: TimestampResolution = .nanoseconds,
                             timestampOffset: Int64 = 0) throws(CaptureError) -> Int {
        precondition(!closed, "PcapngWriter used after close()")
        guard linkType.rawValue <= 0xffff else { throw .invalidArgument("link type \(linkType.rawValue) does not fit pcapng") }
        switch timestampResolution {
        case .decimal(let e) where e > 19, .binary(let e) where e > 63:
            throw .invalidArgument("timestamp resolution \(timestampResolution) is finer than 64-bit counts allow")
        default: break
        }
        var options = optionLength(name)
        if timestampResolution != .microseconds { options += 8 }
        if timestampOffset != 0 { options += 12 }
        if options > 0 { options += 4 }
        let length = UInt32(20 + options)
        try output.u32(1)
        try output.u32(length)
        try output.u16(UInt16(linkType.rawValue))
        try output.u16(0)
        try output.u32(snapLength)
        if let name { try option(2, name) }          // if_name
        if timestampResolution != .microseconds {    // if_tsresol
            try output.u16(9)
            try output.u16(1)
            let byte: UInt8
            switch timestampResolution {
            case .decimal(let e): byte = e
            case .binary(let e): byte = 0x80 | e
            }
            try withUnsafeBytes(of: byte) { (b) throws(CaptureError) in try output.append(b) }
            try output.zeros(3)
        }
        if timestampOffset != 0 {                    // if_tsoffset
            try output.u16(14)
            try output.u16(8)
            try output.u64(UInt64(bitPattern: timestampOffset))
        }
        if options > 0 { try output.u32(0) }
        try output.u32(length)
        interfaces.append(CaptureInterface(linkType: linkType, snapLength: snapLength,
                                           timestampResolution: timestampResolution,
                                           timestampOffset: timestampOffset, name: name))
        return interfaces.count - 1
    }

    /// Appends an enhanced packet block.
    ///
    /// - Parameters:
    ///   - interface: an index returned by ``addInterface(linkType:snapLength:name:timestampResolution:timestampOffset:)``.
    ///   - timestamp: nanoseconds since the epoch (not before the interface's offset).
    ///   - bytes: the frame, starting at the link-layer header.
    ///   - originalLength: the length on the wire (defaults to `bytes.count`).
    public func write(interface: Int, timestamp: Int64, bytes: UnsafeRawBufferPointer,
                      originalLength: Int? = nil) throws(CaptureError) {
        precondition(!closed, "PcapngWriter used after close()")
        guard interface >= 0 && interface < interfaces.count else {
            throw .invalidArgument("interface \(interface) was not declared")
        }
        let i = interfaces[interface]
        let (shift, o) = i.timestampOffset.multipliedReportingOverflow(by: 1_000_000_000)
        let (relative, o2) = timestamp.subtractingReportingOverflow(shift)
        guard !o, !o2, relative >= 0 else {
            throw .invalidArgument("timestamp \(timestamp) ns is before the interface's offset")
        }
        let units = Self.units(UInt64(relative), i.timestampResolution)
        let padded = (bytes.count + 3) & ~3
        guard padded <= Int(UInt32.max) - 32 else { throw .invalidArgument("packet longer than 4 GiB") }
        let length = UInt32(32 + padded)
        try output.u32(6)
        try output.u32(length)
        try output.u32(UInt32(interface))
        try output.u32(UInt32(truncatingIfNeeded: units >> 32))
        try output.u32(UInt32(truncatingIfNeeded: units))
        try output.u32(UInt32(bytes.count))
        try output.u32(UInt32(truncatingIfNeeded: originalLength ?? bytes.count))
        try output.append(bytes)
        try output.zeros(padded - bytes.count)
        try output.u32(length)
    }

    /// Appends a packet read from another capture on interface `interface` of this writer.
    public func write(_ packet: CapturedPacket, interface: Int) throws(CaptureError) {
        try write(interface: interface, timestamp: packet.timestamp, bytes: packet.bytes,
                  originalLength: packet.originalLength)
    }

    /// Appends an enhanced packet block from a byte array.
    public func write(interface: Int, timestamp: Int64, bytes: [UInt8], originalLength: Int? = nil) throws(CaptureError) {
        try bytes.withUnsafeBytes { b in
            Result { () throws(CaptureError) in
                try write(interface: interface, timestamp: timestamp, bytes: b, originalLength: originalLength)
            }
        }.get()
    }

    /// Writes buffered blocks to the descriptor.
    public func flush() throws(CaptureError) {
        try output.flush()
    }

    /// Flushes, then closes the descriptor if the writer owns it. The writer is unusable afterwards.
    public func close() throws(CaptureError) {
        guard !closed else { return }
        closed = true
        defer { if ownsDescriptor { try? closeDescriptor(output.fd) } }
        try output.flush()
    }

    /// Nanoseconds to units of `resolution` (rounding down).
    static func units(_ ns: UInt64, _ resolution: TimestampResolution) -> UInt64 {
        switch resolution {
        case .decimal(let e) where e <= 9:
            return ns / powerOfTen(9 - Int(e))
        case .decimal(let e):
            return ns &* powerOfTen(Int(e) - 9)
        case .binary(let e):
            let seconds = ns / 1_000_000_000, fraction = ns % 1_000_000_000
            let shift = UInt64(min(e, 63))
            return (seconds << shift) &+ ((fraction << shift) / 1_000_000_000)
        }
    }

    private func optionLength(_ text: String?) -> Int {
        guard let text else { return 0 }
        return 4 + ((text.utf8.count + 3) & ~3)
    }

    private func option(_ code: UInt16, _ text: String) throws(CaptureError) {
        let bytes = Array(text.utf8)
        try output.u16(code)
        try output.u16(UInt16(truncatingIfNeeded: bytes.count))
        try bytes.withUnsafeBytes { b in Result { () throws(CaptureError) in try output.append(b) } }.get()
        try output.zeros(((bytes.count + 3) & ~3) - bytes.count)
    }
}
