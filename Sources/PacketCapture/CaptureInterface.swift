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

/// The trivial part of a ``CaptureInterface`` the per-packet path reads.
struct InterfaceClock {
    var linkType: LinkType
    var resolution: TimestampResolution
    var offset: Int64
    /// Nanoseconds per unit when that is a whole number (10^-0 ... 10^-9), else 0.
    var multiplier: UInt64

    init(_ i: CaptureInterface) {
        linkType = i.linkType
        resolution = i.timestampResolution
        offset = i.timestampOffset
        if case .decimal(let e) = resolution, e <= 9 { multiplier = powerOfTen(9 - Int(e)) } else { multiplier = 0 }
    }

    @inline(__always)
    func nanoseconds(_ units: UInt64) -> Int64 {
        if multiplier != 0 {
            let (v, o) = units.multipliedReportingOverflow(by: multiplier)
            if !o && v <= UInt64(Int64.max) { return Int64(v) }
        }
        return resolution.nanoseconds(units)
    }
}
