/// Classic pcap: a 24-byte file header, then 16-byte record headers each followed by
/// `incl_len` bytes of packet.
extension CaptureReader {
    /// Snapshot lengths above this in a pcap file header are taken as corruption
    /// (libpcap's own largest per-link-type limit is 256 MiB for D-Bus).
    static let absurdSnapLength: UInt32 = 256 << 20

    func readPcapHeader() throws(CaptureError) {
        let n = try input.require(24)
        if n < 24 { throw .truncated(what: "pcap file header", offset: 0, needed: 24, available: n) }
        let p = input.cursor
        let major = u16(p, 4), minor = u16(p, 6)
        if major != 2 { throw .unsupportedVersion(major: major, minor: minor, offset: 4) }
        let snapLength = u32(p, 16)
        if snapLength > Self.absurdSnapLength { throw .absurdSnapLength(snapLength, offset: 16) }
        // The upper 16 bits hold FCS information and reserved bits.
        let linkType = LinkType(rawValue: u32(p, 20) & 0xffff)
        let precision: TimestampResolution = pcapFractionScale == 1 ? .nanoseconds : .microseconds
        interfaces = [CaptureInterface(linkType: linkType, snapLength: snapLength, timestampResolution: precision)]
        sectionCount = 1
        input.consume(24)
    }

    @inline(__always)
    func nextPcapRecord() throws(CaptureError) -> CapturedPacket? {
        let offset = input.offset
        var n = try input.require(16)
        if n < 16 {
            if n == 0 { return nil }
            throw .truncated(what: "packet record header", offset: offset, needed: 16, available: n)
        }
        var p = input.cursor
        let seconds = u32(p, 0), fraction = u32(p, 4)
        let capturedLength = Int(u32(p, 8)), originalLength = Int(u32(p, 12))
        if capturedLength > maximumLength {
            throw .tooLarge(what: "packet record", offset: offset, length: UInt64(capturedLength), limit: maximumLength)
        }
        n = try input.require(16 + capturedLength)
        if n < 16 + capturedLength {
            throw .truncated(what: "packet record", offset: offset, needed: capturedLength, available: n - 16)
        }
        p = input.cursor
        input.consume(16 + capturedLength)
        packetCount += 1
        return CapturedPacket(
            timestamp: Int64(seconds) * 1_000_000_000 + Int64(fraction) * pcapFractionScale,
            linkType: clocks[0].linkType, interfaceIndex: 0, originalLength: originalLength,
            bytes: UnsafeRawBufferPointer(start: p + 16, count: capturedLength), offset: offset)
    }
}
