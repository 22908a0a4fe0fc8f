/// Big-endian reads from raw packet bytes. Callers check bounds once per header.
@usableFromInline
struct Bytes {
    @usableFromInline let base: UnsafeRawPointer
    @usableFromInline let count: Int

    @inline(__always)
    init(_ b: UnsafeRawBufferPointer) {
        base = b.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        count = b.count
    }

    @inline(__always)
    init(base: UnsafeRawPointer, count: Int) { self.base = base; self.count = count }

    @inline(__always)
    func u8(_ o: Int) -> UInt8 { base.load(fromByteOffset: o, as: UInt8.self) }
    @inline(__always)
    func u16(_ o: Int) -> UInt16 { UInt16(bigEndian: base.loadUnaligned(fromByteOffset: o, as: UInt16.self)) }
    @inline(__always)
    func u32(_ o: Int) -> UInt32 { UInt32(bigEndian: base.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
    @inline(__always)
    func u64(_ o: Int) -> UInt64 { UInt64(bigEndian: base.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
}

/// What the layer-3 parser found: addresses, the upper-layer protocol and where its header
/// starts. `length` is the datagram's layer-3 length (what accounting counts as bytes).
@usableFromInline
struct L3Packet {
    @usableFromInline var family: UInt8 = 2
    @usableFromInline var proto: UInt8 = 0
    @usableFromInline var srcHi: UInt64 = 0
    @usableFromInline var srcLo: UInt64 = 0
    @usableFromInline var dstHi: UInt64 = 0
    @usableFromInline var dstLo: UInt64 = 0
    /// Offset of the layer-4 header.
    @usableFromInline var l4Offset: Int = 0
    /// IPv4 total length / 40 + IPv6 payload length.
    @usableFromInline var length: Int = 0
    /// IPv6 hop limit / IPv4 TTL.
    @usableFromInline var hopLimit: UInt8 = 0
    /// Fragment data (when `isFragment`): IPv4 id or IPv6 identification, offset in bytes,
    /// more-fragments flag, and for IPv6 the offset of the fragment header and of the
    /// next-header byte that points to it.
    @usableFromInline var isFragment = false
    @usableFromInline var fragID: UInt32 = 0
    @usableFromInline var fragOffset: Int = 0
    @usableFromInline var moreFragments = false
    @usableFromInline var fragHeaderOffset: Int = 0
    @usableFromInline var fragPrevNextHeaderOffset: Int = 0
    init() {}

    var l4Length: Int { length &- l4Offset }
}

/// Parses an IPv4 or IPv6 header (IPv6: walks the extension headers like
/// `ipv6_skip_exthdr`). `inner` relaxes the length rules for packets quoted inside ICMP
/// errors, which are truncated by design. Returns a reason on failure.

func parseL3(_ b: Bytes, into p: inout L3Packet, inner: Bool = false) -> InvalidReason {
    guard b.count >= 1 else { return .truncatedIPHeader }
    let version = b.u8(0) >> 4
    if version == 4 {
        guard b.count >= 20 else { return .truncatedIPHeader }
        let ihl = Int(b.u8(0) & 0x0f) &* 4
        let total = Int(b.u16(2))
        guard ihl >= 20 else { return .badIPHeaderLength }
        if inner {
            guard ihl <= b.count else { return .badIPHeaderLength }
            p.length = min(total, b.count)
        } else {
            guard total <= b.count else { return .ipLengthExceedsPacket }
            guard ihl <= total else { return .badIPHeaderLength }
            p.length = total
        }
        p.family = 2
        p.proto = b.u8(9)
        p.hopLimit = b.u8(8)
        p.srcHi = UInt64(b.u32(12)) << 32
        p.srcLo = 0
        p.dstHi = UInt64(b.u32(16)) << 32
        p.dstLo = 0
        p.l4Offset = ihl
        let frag = b.u16(6)
        if frag & 0x3fff != 0 {
            p.isFragment = true
            p.fragID = UInt32(b.u16(4))
            p.fragOffset = Int(frag & 0x1fff) &* 8
            p.moreFragments = frag & 0x2000 != 0
        }
        return .none
    }
    guard version == 6 else { return .truncatedIPHeader }
    guard b.count >= 40 else { return .truncatedIPHeader }
    let payload = Int(b.u16(4))
    if inner {
        p.length = min(40 &+ payload, b.count)
    } else {
        guard 40 &+ payload <= b.count else { return .ipLengthExceedsPacket }
        p.length = 40 &+ payload
    }
    p.family = 10
    p.hopLimit = b.u8(7)
    p.srcHi = b.u64(8)
    p.srcLo = b.u64(16)
    p.dstHi = b.u64(24)
    p.dstLo = b.u64(32)
    var next = b.u8(6)
    var nextOffset = 6
    var off = 40
    let end = p.length
    // NEXTHDR_HOP 0, ROUTING 43, FRAGMENT 44, AUTH 51, NONE 59, DEST 60
    while next == 0 || next == 43 || next == 44 || next == 51 || next == 59 || next == 60 {
        if next == 59 { return .ipv6ExtensionHeaders }
        guard off &+ 8 <= end else { return .ipv6ExtensionHeaders }
        let hdrNext = b.u8(off)
        let hdrLen: Int
        if next == 44 {
            let fo = b.u16(off &+ 2)
            let m = fo & 1 != 0
            let offset = Int(fo & 0xfff8)
            if offset != 0 || m {
                p.isFragment = true
                p.fragID = b.u32(off &+ 4)
                p.fragOffset = offset
                p.moreFragments = m
                p.fragHeaderOffset = off
                p.fragPrevNextHeaderOffset = nextOffset
                p.proto = hdrNext
                p.l4Offset = off &+ 8
                return .none
            }
            hdrLen = 8
        } else if next == 51 {
            hdrLen = (Int(b.u8(off &+ 1)) &+ 2) &* 4
        } else {
            hdrLen = (Int(b.u8(off &+ 1)) &+ 1) &* 8
        }
        nextOffset = off
        next = hdrNext
        off &+= hdrLen
    }
    guard off <= end else { return .ipv6ExtensionHeaders }
    p.proto = next
    p.l4Offset = off
    return .none
}
