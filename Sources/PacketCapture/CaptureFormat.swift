/// The format of a capture file.
public enum CaptureFormat: Hashable, Sendable, CustomStringConvertible {
    /// Classic libpcap format with its timestamp precision.
    case pcap(TimestampPrecision)
    /// pcapng (sections, interface description blocks, packet blocks).
    case pcapng

    /// `pcap`, `pcap-nsec` or `pcapng`.
    public var description: String {
        switch self {
        case .pcap(.microseconds): return "pcap"
        case .pcap(.nanoseconds): return "pcap-nsec"
        case .pcapng: return "pcapng"
        }
    }
}

/// Timestamp precision of a classic pcap file, chosen by its magic number.
public enum TimestampPrecision: Hashable, Sendable {
    /// Magic `0xa1b2c3d4`: seconds and microseconds.
    case microseconds
    /// Magic `0xa1b23c4d`: seconds and nanoseconds.
    case nanoseconds
}

/// The byte order of the multi-byte fields of a file (or of one pcapng section).
public enum ByteOrder: Hashable, Sendable {
    /// Least significant byte first (x86, ARM as usually run).
    case littleEndian
    /// Most significant byte first ("network order", SPARC, s390).
    case bigEndian

    /// The byte order of the machine running this code.
    public static var host: ByteOrder {
        UInt16(1).littleEndian == 1 ? .littleEndian : .bigEndian
    }
}
