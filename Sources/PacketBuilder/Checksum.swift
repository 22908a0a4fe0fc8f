/// Internet checksum (RFC 1071) helpers used by the builder.
enum InternetChecksum {
    /// One's-complement sum of `bytes` folded into 32 bits (not yet complemented).
    static func sum(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt32 {
        var s = initial
        var i = 0
        while i + 1 < bytes.count {
            s &+= UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < bytes.count { s &+= UInt32(bytes[i]) << 8 }
        return s
    }

    /// Folds and complements a 32-bit sum.
    static func finish(_ s: UInt32) -> UInt16 {
        var v = s
        while v >> 16 != 0 { v = (v & 0xffff) &+ (v >> 16) }
        return ~UInt16(truncatingIfNeeded: v)
    }

    /// Sum of the TCP/UDP/ICMPv6 pseudo-header.
    static func pseudoHeader(source: IPAddress, destination: IPAddress, protocol proto: UInt8, length: Int) -> UInt32 {
        var s: UInt32 = sum(source.bytes)
        s = sum(destination.bytes, initial: s)
        if source.family == .ipv4 {
            s &+= UInt32(proto) &+ UInt32(length)
        } else {
            s &+= UInt32(length >> 16) &+ UInt32(length & 0xffff) &+ UInt32(proto)
        }
        return s
    }
}

/// CRC32c (Castagnoli), as SCTP uses it (RFC 4960 appendix B).
enum CRC32c {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xffff_ffff
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xff)] ^ (c >> 8) }
        return ~c
    }
}
