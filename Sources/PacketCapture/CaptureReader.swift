#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Streams packets out of a pcap or pcapng file through one fixed, reusable buffer.
///
/// The format is recognised from the first four bytes: pcap with microsecond
/// (`0xa1b2c3d4`) or nanosecond (`0xa1b23c4d`) timestamps in either byte order, or pcapng
/// (several sections, each in its own byte order, several interfaces with their own link
/// types and `if_tsresol` / `if_tsoffset`; enhanced, simple and obsolete packet blocks;
/// other blocks skipped). Nothing is allocated per packet.
///
/// ```swift
/// let reader = try CaptureReader(path: "trace.pcapng")
/// while let packet = try reader.next() {
///     print(packet.timestamp, packet.linkType, packet.bytes.count)
/// }
/// ```
///
/// A truncated or corrupt file delivers every packet before the damage, then throws a
/// ``CaptureError`` naming the byte offset of the bad record or block.
public final class CaptureReader {
    /// The default limit on a packet record or pcapng block length (16 MiB, as libpcap and
    /// Wireshark use for their largest link types).
    public static let defaultMaximumLength = 16 << 20

    /// The file's format (for pcap, with its timestamp precision).
    public internal(set) var format: CaptureFormat = .pcapng
    /// The byte order of the file (for pcapng, of the current section).
    public internal(set) var byteOrder: ByteOrder
    /// The interfaces of the current section (for pcap, the single implicit one). For pcapng
    /// this grows as interface description blocks are read, so it is complete for every
    /// interface a delivered packet names.
    public internal(set) var interfaces: [CaptureInterface] = [] {
        didSet { clocks = interfaces.map { InterfaceClock($0) } }
    }
    /// What the per-packet path needs of each interface, without the reference-counted name.
    var clocks: [InterfaceClock] = []
    /// Number of pcapng sections seen so far (1 for pcap).
    public internal(set) var sectionCount = 0
    /// Number of packets delivered so far.
    public internal(set) var packetCount = 0
    /// The limit on a packet record or block length; longer ones are an error.
    public let maximumLength: Int

    var input: InputBuffer
    var ownsDescriptor: Bool
    var swapped = false
    // pcap only
    var pcapFractionScale: Int64 = 1000

    /// Opens and reads the header of the capture file at `path` (`open(2)`); the reader
    /// closes the file when it is deinitialized.
    public convenience init(path: String, maximumLength: Int = CaptureReader.defaultMaximumLength) throws(CaptureError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .system(operation: "open \(path)", errno: errno) }
        try self.init(fileDescriptor: fd, ownsDescriptor: true, maximumLength: maximumLength)
    }

    /// Reads the header of a capture streamed from `fileDescriptor` (a file, a pipe, stdin).
    ///
    /// - Parameter ownsDescriptor: close the descriptor when the reader is deinitialized
    ///   (and when this initializer throws).
    public init(fileDescriptor: Int32, ownsDescriptor: Bool = false,
                maximumLength: Int = CaptureReader.defaultMaximumLength) throws(CaptureError) {
        precondition(maximumLength >= 64, "maximumLength too small")
        self.input = InputBuffer(fd: fileDescriptor, capacity: 256 << 10)
        self.ownsDescriptor = false
        self.maximumLength = maximumLength
        self.byteOrder = .host
        do {
            format = try readFileHeader()
        } catch {
            if ownsDescriptor { _ = Glibc.close(fileDescriptor) }
            throw error
        }
        self.ownsDescriptor = ownsDescriptor
    }

    deinit {
        if ownsDescriptor { _ = Glibc.close(input.fd) }
    }

    private func readFileHeader() throws(CaptureError) -> CaptureFormat {
        let n = try input.require(4)
        if n == 0 { throw .empty }
        if n < 4 { throw .truncated(what: "magic number", offset: 0, needed: 4, available: n) }
        let magic = input.cursor.loadUnaligned(as: UInt32.self)
        switch magic {
        case 0xa1b2_c3d4, 0xd4c3_b2a1, 0xa1b2_3c4d, 0x4d3c_b2a1:
            swapped = !(magic == 0xa1b2_c3d4 || magic == 0xa1b2_3c4d)
            let nanos = magic == 0xa1b2_3c4d || magic == 0x4d3c_b2a1
            pcapFractionScale = nanos ? 1 : 1000
            byteOrder = (ByteOrder.host == .littleEndian) != swapped ? .littleEndian : .bigEndian
            try readPcapHeader()
            return .pcap(nanos ? .nanoseconds : .microseconds)
        case 0x0a0d_0d0a:
            // The first block must be a section header; read it now so byteOrder is known.
            _ = try nextPcapngBlock()
            return .pcapng
        default:
            throw .badMagic(UInt32(bigEndian: magic))
        }
    }

    /// Bytes currently allocated for the read buffer (it grows only for records larger than
    /// itself, and only as far as the file truly has bytes).
    public var bufferCapacity: Int { input.capacity }

    /// The next packet, or `nil` at a clean end of the stream.
    ///
    /// The packet's bytes stay valid until the next call. After an error, the reader
    /// should not be used further.
    public func next() throws(CaptureError) -> CapturedPacket? {
        switch format {
        case .pcap: return try nextPcapRecord()
        case .pcapng:
            while true {
                switch try nextPcapngBlock() {
                case .packet(let p): return p
                case .other: continue
                case .end: return nil
                }
            }
        }
    }

    /// Calls `body` for every remaining packet, in order.
    public func forEach(_ body: (CapturedPacket) -> Void) throws(CaptureError) {
        while let p = try next() { body(p) }
    }

    // MARK: - Byte access

    @inline(__always)
    func u16(_ p: UnsafeRawPointer, _ at: Int) -> UInt16 {
        let v = p.loadUnaligned(fromByteOffset: at, as: UInt16.self)
        return swapped ? v.byteSwapped : v
    }

    @inline(__always)
    func u32(_ p: UnsafeRawPointer, _ at: Int) -> UInt32 {
        let v = p.loadUnaligned(fromByteOffset: at, as: UInt32.self)
        return swapped ? v.byteSwapped : v
    }

    @inline(__always)
    func u64(_ p: UnsafeRawPointer, _ at: Int) -> UInt64 {
        let v = p.loadUnaligned(fromByteOffset: at, as: UInt64.self)
        return swapped ? v.byteSwapped : v
    }
}
