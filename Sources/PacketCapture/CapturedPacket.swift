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

extension CapturedPacket {
    /// Where the IPv4 / IPv6 packet starts in ``bytes``, or why there is none
    /// (``LinkLayer/networkLayer(linkType:frame:)`` applied to this packet).
    @inlinable
    public var networkLayer: NetworkLayer {
        LinkLayer.networkLayer(linkType: linkType, frame: bytes)
    }

    /// The bytes from the IP header on, or `nil` for a frame that carries no IP.
    /// Valid as long as ``bytes`` is.
    @inlinable
    public var ipPacket: UnsafeRawBufferPointer? {
        guard let offset = networkLayer.offset else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[offset...])
    }
}
