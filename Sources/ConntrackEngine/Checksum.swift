/// Internet checksum (RFC 1071) and CRC32c, as `nf_checksum` and SCTP use them.
@usableFromInline
enum Checksum {
    /// One's-complement sum of `count` bytes at `offset`, folded to 32 bits (not inverted).
    static func sum(_ b: Bytes, _ offset: Int, _ count: Int, initial: UInt64 = 0) -> UInt64 {
        var s = initial
        var i = offset
        let end = offset &+ count
        while i &+ 8 <= end {
            let v = b.u64(i)
            s &+= v >> 32
            s &+= v & 0xffff_ffff
            i &+= 8
        }
        while i &+ 2 <= end {
            s &+= UInt64(b.u16(i))
            i &+= 2
        }
        if i < end { s &+= UInt64(b.u8(i)) << 8 }
        return s
    }

    
    static func fold(_ s: UInt64) -> UInt16 {
        var s = s
        while s >> 16 != 0 { s = (s & 0xffff) &+ (s >> 16) }
        return UInt16(truncatingIfNeeded: s)
    }

    /// Whether the layer-4 checksum of `p` verifies, with a pseudo-header carrying
    /// `pseudoProto` and covering `coverage` bytes (nil: the whole layer-4 length).
    static func verify(_ b: Bytes, _ p: L3Packet, pseudoProto: UInt8, coverage: Int? = nil) -> Bool {
        let len = p.l4Length
        var s: UInt64 = 0
        if p.family == 2 {
            s &+= p.srcHi >> 48 &+ (p.srcHi >> 32) & 0xffff &+ p.dstHi >> 48 &+ (p.dstHi >> 32) & 0xffff
            s &+= UInt64(pseudoProto) &+ UInt64(len)
        } else {
            s &+= p.srcHi >> 32 &+ p.srcHi & 0xffff_ffff &+ p.srcLo >> 32 &+ p.srcLo & 0xffff_ffff
            s &+= p.dstHi >> 32 &+ p.dstHi & 0xffff_ffff &+ p.dstLo >> 32 &+ p.dstLo & 0xffff_ffff
            s &+= UInt64(len) &+ UInt64(pseudoProto)
        }
        s = sum(b, p.l4Offset, coverage ?? len, initial: s)
        return fold(s) == 0xffff
    }

    /// IPv4 header checksum (`ip_fast_csum`): five 32-bit words for the usual 20 bytes.
    @inline(__always)
    static func ipv4HeaderValid(_ b: Bytes, _ length: Int) -> Bool {
        if length != 20 { return verifyPlain(b, 0, length) }
        var s = UInt64(b.u32(0)) &+ UInt64(b.u32(4)) &+ UInt64(b.u32(8)) &+ UInt64(b.u32(12)) &+ UInt64(b.u32(16))
        s = (s & 0xffff_ffff) &+ (s >> 32)
        s = (s & 0xffff) &+ (s >> 16)
        s = (s & 0xffff) &+ (s >> 16)
        s = (s & 0xffff) &+ (s >> 16)
        return s == 0xffff
    }

    /// ICMPv4: no pseudo-header.
    static func verifyPlain(_ b: Bytes, _ offset: Int, _ count: Int) -> Bool {
        fold(sum(b, offset, count)) == 0xffff
    }

    /// CRC32c (Castagnoli), reflected, as SCTP's checksum.
    @usableFromInline
    static let crc32cTable: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    /// SCTP CRC32c over the packet with the checksum field (bytes 8...11) taken as zero.
    @usableFromInline
    static func sctpCRC(_ b: Bytes, _ offset: Int, _ count: Int) -> UInt32 {
        crc32cTable.withUnsafeBufferPointer { t in
            var c: UInt32 = 0xffff_ffff
            for i in 0..<count {
                let byte: UInt8 = (i >= 8 && i < 12) ? 0 : b.u8(offset &+ i)
                c = t[Int((c ^ UInt32(byte)) & 0xff)] ^ (c >> 8)
            }
            return ~c
        }
    }
}
