/// One packet read from a capture file.
///
/// `bytes` points into the reader's buffer and stays valid only until the next call to
/// ``CaptureReader/next()`` (or until the reader is gone); copy what you need to keep.
public struct CapturedPacket {
    /// Time of capture in nanoseconds since the Unix epoch (UTC), after applying the
    /// interface's `if_tsoffset`. Simple packet blocks carry no time: they report 0.
    public var timestamp: Int64
    /// The link-layer header type of `bytes`.
    public var linkType: LinkType
    /// The pcapng interface index within its section (always 0 for pcap files).
    public var interfaceIndex: Int
    /// Bytes captured (`incl_len` / "Captured Packet Length"): equals `bytes.count`.
    public var capturedLength: Int { bytes.count }
    /// Length of the packet on the wire (`orig_len` / "Original Packet Length").
    public var originalLength: Int
    /// The captured frame, starting at the link-layer header.
    public var bytes: UnsafeRawBufferPointer
    /// Byte offset, from the start of the stream, of the packet record or block.
    public var offset: UInt64

    /// Creates a packet description (readers make these; tests and tools may too).
    @inlinable
    public init(timestamp: Int64, linkType: LinkType, interfaceIndex: Int, originalLength: Int,
                bytes: UnsafeRawBufferPointer, offset: UInt64) {
        self.timestamp = timestamp
        self.linkType = linkType
        self.interfaceIndex = interfaceIndex
        self.originalLength = originalLength
        self.bytes = bytes
        self.offset = offset
    }
}

/// How a pcapng interface counts time (`if_tsresol`).
public enum TimestampResolution: Hashable, Sendable, CustomStringConvertible {
    /// Units of 10^-exponent seconds (the default is 6, microseconds).
    case decimal(exponent: UInt8)
    /// Units of 2^-exponent seconds.
    case binary(exponent: UInt8)

    /// Microseconds, the pcapng default when an interface has no `if_tsresol`.
    public static let microseconds = TimestampResolution.decimal(exponent: 6)
    /// Nanoseconds.
    public static let nanoseconds = TimestampResolution.decimal(exponent: 9)

    /// `10^-6`, `2^-20`...
    public var description: String {
        switch self {
        case .decimal(let e): return "10^-\(e)"
        case .binary(let e): return "2^-\(e)"
        }
    }

    /// Converts a count of units to nanoseconds (saturating at `Int64.max`).
    @inlinable
    public func nanoseconds(_ units: UInt64) -> Int64 {
        switch self {
        case .decimal(let e) where e <= 9:
            let (v, o) = units.multipliedReportingOverflow(by: powerOfTen(9 - Int(e)))
            return o || v > UInt64(Int64.max) ? Int64.max : Int64(v)
        case .decimal(let e):
            return Int64(units / powerOfTen(Int(e) - 9))   // e <= 19 (checked when read)
        case .binary(let e):
            let shift = UInt64(e)
            let seconds = e >= 64 ? 0 : units >> shift
            let fraction = e >= 64 ? units : units & ((1 << shift) &- 1)
            let (hi, lo) = fraction.multipliedFullWidth(by: 1_000_000_000)
            // (hi:lo) >> e, with e < 64 here or seconds == 0.
            let fractionNS = e == 0 ? 0 : (e >= 64 ? hi >> (shift - 64) : (lo >> shift) | (hi << (64 - shift)))
            let (s, o) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
            let (t, o2) = s.addingReportingOverflow(fractionNS)
            return o || o2 || t > UInt64(Int64.max) ? Int64.max : Int64(t)
        }
    }
}

@usableFromInline
func powerOfTen(_ n: Int) -> UInt64 {
    var v: UInt64 = 1
    for _ in 0..<n { v &*= 10 }
    return v
}

/// One pcapng interface (from an interface description block), or the single implicit
/// interface of a pcap file.
public struct CaptureInterface: Hashable, Sendable {
    /// Link-layer header type of its packets.
    public var linkType: LinkType
    /// Snapshot length (0 means no limit).
    public var snapLength: UInt32
    /// `if_tsresol`.
    public var timestampResolution: TimestampResolution
    /// `if_tsoffset`: seconds added to every timestamp.
    public var timestampOffset: Int64
    /// `if_name`, when present.
    public var name: String?

    /// Creates an interface description.
    public init(linkType: LinkType, snapLength: UInt32, timestampResolution: TimestampResolution = .microseconds,
                timestampOffset: Int64 = 0, name: String? = nil) {
        self.linkType = linkType
        self.snapLength = snapLength
        self.timestampResolution = timestampResolution
        self.timestampOffset = timestampOffset
        self.name = name
    }
}
