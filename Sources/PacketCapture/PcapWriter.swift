/// Writes a classic pcap file: a 24-byte header, then one record per packet.
///
/// ```swift
/// let writer = try PcapWriter(path: "out.pcap", linkType: .ethernet, precision: .nanoseconds)
/// try writer.write(timestamp: 1_700_000_000_123_456_789, bytes: frame)
/// try writer.close()
/// ```
///
/// Output is buffered; call ``close()`` (or ``flush()``) to be sure it reached the file.
/// Packets are written as given, even when longer than the snapshot length.
public final class PcapWriter {
    /// Link type written in the file header.
    public let linkType: LinkType
    /// Timestamp precision (chooses the magic number).
    public let precision: TimestampPrecision
    private var output: OutputBuffer
    private var ownsDescriptor: Bool
    private var closed = false

    /// Creates (or truncates) the file at `path` and writes the file header.
    public convenience init(path: String, linkType: LinkType, snapLength: UInt32 = 262_144,
                            precision: TimestampPrecision = .microseconds,
                            byteOrder: ByteOrder = .host) throws(CaptureError) {
        let fd = try openForWriting(path)
        try self.init(fileDescriptor: fd, ownsDescriptor: true, linkType: linkType, snapLength: snapLength,
                      precision: precision, byteOrder: byteOrder)
    }

    /// Writes the file header to `fileDescriptor`.
    ///
    /// - Parameters:
    ///   - ownsDescriptor: close the descriptor in ``close()`` / when deinitialized.
    ///   - byteOrder: the byte order of every field (`.bigEndian` makes a "swapped" file on x86).
    public init(fileDescriptor: Int32, ownsDescriptor: Bool = false, linkType: LinkType,
                snapLength: UInt32 = 262_144, precision: TimestampPrecision = .microseconds,
                byteOrder: ByteOrder = .host) throws(CaptureError) {
        self.linkType = linkType
        self.precision = precision
        self.ownsDescriptor = ownsDescriptor
        self.output = OutputBuffer(fd: fileDescriptor, byteOrder: byteOrder)
        try output.u32(precision == .nanoseconds ? 0xa1b2_3c4d : 0xa1b2_c3d4)
        try output.u16(2)              // version_major
        try output.u16(4)              // version_minor
        try output.u32(0)              // thiszone
        try output.u32(0)              // sigfigs
        try output.u32(snapLength)
        try output.u32(linkType.rawValue)
    }

    deinit {
        if !closed {
            try? output.flush()
            if ownsDescriptor { try? closeDescriptor(output.fd) }
        }
    }

    /// Appends one packet record.
    ///
    /// - Parameters:
    ///   - timestamp: nanoseconds since the epoch; must be in `0 ..< 2^32` seconds.
    ///   - bytes: the frame, starting at the link-layer header.
    ///   - originalLength: the length on the wire (defaults to `bytes.count`).
    public func write(timestamp: Int64, bytes: UnsafeRawBufferPointer, originalLength: Int? = nil) throws(CaptureError) {
        precondition(!closed, "PcapWriter used after close()")
        let seconds = timestamp / 1_000_000_000
        guard timestamp >= 0, seconds <= Int64(UInt32.max) else {
            throw .invalidArgument("timestamp \(timestamp) ns does not fit a pcap record")
        }
        let fraction = timestamp % 1_000_000_000
        guard bytes.count <= Int(UInt32.max), (originalLength ?? 0) <= Int(UInt32.max) else {
            throw .invalidArgument("packet longer than 4 GiB")
        }
        try output.u32(UInt32(seconds))
        try output.u32(UInt32(precision == .nanoseconds ? fraction : fraction / 1000))
        try output.u32(UInt32(bytes.count))
        try output.u32(UInt32(originalLength ?? bytes.count))
        try output.append(bytes)
    }

    /// Appends a packet read from another capture (its time, bytes and original length).
    public func write(_ packet: CapturedPacket) throws(CaptureError) {
        try write(timestamp: packet.timestamp, bytes: packet.bytes, originalLength: packet.originalLength)
    }

    /// Appends one packet record from a byte array.
    public func write(timestamp: Int64, bytes: [UInt8], originalLength: Int? = nil) throws(CaptureError) {
        try bytes.withUnsafeBytes { b in
            Result { () throws(CaptureError) in try write(timestamp: timestamp, bytes: b, originalLength: originalLength) }
        }.get()
    }

    /// Writes buffered records to the descriptor.
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
}
