/// Layer-3 address family, with the kernel's numbers (`AF_INET`, `AF_INET6`).
public enum AddressFamily: UInt8, Sendable, Hashable, CustomStringConvertible {
    /// `AF_INET`
    case ipv4 = 2
    /// `AF_INET6`
    case ipv6 = 10

    /// The name conntrack-tools prints (`ipv4`, `ipv6`).
    public var description: String { self == .ipv4 ? "ipv4" : "ipv6" }
}

/// An IPv4 or IPv6 address, stored as 16 bytes in network order like the kernel's
/// `union nf_inet_addr` (an IPv4 address occupies the first four bytes).
///
/// ```swift
/// let a = IPAddress(ipv4: 0x0a00_0001)          // 10.0.0.1
/// let b = IPAddress("fd00::1")!                  // parsed with inet_pton rules
/// print(a, b)                                    // "10.0.0.1 fd00::1"
/// ```
public struct IPAddress: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// Bytes 0...7 of the address, big-endian (for IPv4: the address in the top 32 bits).
    public var high: UInt64
    /// Bytes 8...15 of the address, big-endian (zero for IPv4).
    public var low: UInt64
    /// The address family.
    public var family: AddressFamily

    /// Creates an IPv4 address from its 32-bit value in host order (`0x0a000001` is 10.0.0.1).
    @inlinable
    public init(ipv4 value: UInt32) {
        self.high = UInt64(value) << 32
        self.low = 0
        self.family = .ipv4
    }

    /// Creates an IPv6 address from its two 64-bit halves in host order.
    @inlinable
    public init(ipv6High high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
        self.family = .ipv6
    }

    /// Creates an address from raw network-order bytes: 4 bytes make IPv4, 16 make IPv6.
    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        var h: UInt64 = 0
        var l: UInt64 = 0
        var i = 0
        for b in bytes {
            if i < 8 { h |= UInt64(b) << UInt64(56 - 8 * i) } else if i < 16 { l |= UInt64(b) << UInt64(56 - 8 * (i - 8)) }
            i += 1
        }
        switch i {
        case 4: self.init(ipv4: UInt32(truncatingIfNeeded: h >> 32))
        case 16: self.init(ipv6High: h, low: l)
        default: return nil
        }
    }

    /// The all-zero address of a family.
    public static func zero(_ family: AddressFamily) -> IPAddress {
        family == .ipv4 ? IPAddress(ipv4: 0) : IPAddress(ipv6High: 0, low: 0)
    }

    /// The IPv4 value in host order (only meaningful for `.ipv4`).
    @inlinable
    public var ipv4Value: UInt32 { UInt32(truncatingIfNeeded: high >> 32) }

    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        let n = family == .ipv4 ? 4 : 16
        out.reserveCapacity(n)
        for i in 0..<n {
            out.append(i < 8 ? UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * i))
                             : UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * (i - 8))))
        }
        return out
    }

    /// Bitwise AND, used for masks (`--mask-src`, CIDR filters, expectation masks).
    public static func & (a: IPAddress, b: IPAddress) -> IPAddress {
        var r = a
        r.high &= b.high
        r.low &= b.low
        return r
    }

    /// The netmask with `prefix` leading one bits in `family`.
    public static func mask(prefix: Int, family: AddressFamily) -> IPAddress {
        let bits = family == .ipv4 ? 32 : 128
        let p = max(0, min(prefix, bits))
        if family == .ipv4 {
            let v: UInt32 = p == 0 ? 0 : ~UInt32(0) << UInt32(32 - p)
            return IPAddress(ipv4: v)
        }
        let h: UInt64 = p == 0 ? 0 : (p >= 64 ? ~0 : ~UInt64(0) << UInt64(64 - p))
        let l: UInt64 = p <= 64 ? 0 : (p == 128 ? ~0 : ~UInt64(0) << UInt64(128 - p))
        return IPAddress(ipv6High: h, low: l)
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        (a.family.rawValue, a.high, a.low) < (b.family.rawValue, b.high, b.low)
    }

    /// Text as `inet_ntop` prints it: dotted quad, or RFC 5952 IPv6 with glibc's
    /// embedded-IPv4 forms (`::ffff:1.2.3.4`, `::1.2.3.4`).
    public var description: String {
        if family == .ipv4 {
            let v = ipv4Value
            return "\(v >> 24).\((v >> 16) & 0xff).\((v >> 8) & 0xff).\(v & 0xff)"
        }
        var words = [UInt16](repeating: 0, count: 8)
        for i in 0..<4 {
            words[i] = UInt16(truncatingIfNeeded: high >> UInt64(48 - 16 * i))
            words[i + 4] = UInt16(truncatingIfNeeded: low >> UInt64(48 - 16 * i))
        }
        // Longest run of zero words (length >= 2), first one wins on ties, like glibc.
        var bestBase = -1, bestLen = 0, curBase = -1, curLen = 0
        for i in 0..<8 {
            if words[i] == 0 {
                if curBase == -1 { curBase = i; curLen = 1 } else { curLen += 1 }
            } else if curBase != -1 {
                if bestBase == -1 || curLen > bestLen { bestBase = curBase; bestLen = curLen }
                curBase = -1
            }
        }
        if curBase != -1, bestBase == -1 || curLen > bestLen { bestBase = curBase; bestLen = curLen }
        if bestBase != -1, bestLen < 2 { bestBase = -1 }
        var s = ""
        var i = 0
        while i < 8 {
            if bestBase != -1, i >= bestBase, i < bestBase + bestLen {
                if i == bestBase { s += ":" }
                i += 1
                continue
            }
            if i != 0 { s += ":" }
            if i == 6, bestBase == 0, bestLen == 6 || (bestLen == 5 && words[5] == 0xffff) {
                let v4 = UInt32(truncatingIfNeeded: low)
                s += "\(v4 >> 24).\((v4 >> 16) & 0xff).\((v4 >> 8) & 0xff).\(v4 & 0xff)"
                break
            }
            s += String(words[i], radix: 16)
            i += 1
        }
        if bestBase != -1, bestBase + bestLen == 8 { s += ":" }
        return s
    }
}

extension IPAddress {
    /// Parses an address with `inet_pton` rules: strict dotted-quad IPv4, or IPv6 text.
    public init?(_ text: some StringProtocol) {
        if let v4 = IPAddress.parseDottedQuad(Substring(text)) {
            self.init(ipv4: v4)
        } else if let (h, l) = IPAddress.parseIPv6(Substring(text)) {
            self.init(ipv6High: h, low: l)
        } else {
            return nil
        }
    }

    static func parseDottedQuad(_ s: Substring) -> UInt32? {
        var parts: [UInt32] = []
        var cur: UInt32 = 0
        var digits = 0
        for c in s.utf8 {
            if c == UInt8(ascii: ".") {
                if digits == 0 { return nil }
                parts.append(cur); cur = 0; digits = 0
            } else if c >= 48 && c <= 57 {
                if digits > 0 && cur == 0 { return nil }  // no leading zeros (inet_pton)
                cur = cur * 10 + UInt32(c - 48); digits += 1
                if cur > 255 { return nil }
            } else {
                return nil
            }
        }
        if digits == 0 { return nil }
        parts.append(cur)
        guard parts.count == 4 else { return nil }
        return parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3]
    }

    static func parseIPv6(_ s: Substring) -> (UInt64, UInt64)? {
        var words: [UInt16] = []
        var gap: Int? = nil
        var rest = s[...]
        if rest.hasPrefix("::") {
            gap = 0
            rest = rest.dropFirst(2)
            if rest.isEmpty { return (0, 0) }
        } else if rest.hasPrefix(":") {
            return nil
        }
        let groups = rest.split(separator: ":", omittingEmptySubsequences: false)
        for (idx, g) in groups.enumerated() {
            if g.isEmpty {
                // "::" in the middle (or a trailing "::")
                if gap != nil { if idx == groups.count - 1 && rest.hasSuffix("::") { continue }; return nil }
                gap = words.count
                continue
            }
            if idx == groups.count - 1, g.contains(".") {
                guard let v4 = parseDottedQuad(g) else { return nil }
                words.append(UInt16(v4 >> 16)); words.append(UInt16(v4 & 0xffff))
                continue
            }
            guard g.utf8.count <= 4, let w = UInt16(g, radix: 16) else { return nil }
            words.append(w)
        }
        if let gap {
            guard words.count <= 7 else { return nil }
            words.insert(contentsOf: repeatElement(0, count: 8 - words.count), at: gap)
        }
        guard words.count == 8 else { return nil }
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<4 { h = h << 16 | UInt64(words[i]); l = l << 16 | UInt64(words[i + 4]) }
        return (h, l)
    }
}
