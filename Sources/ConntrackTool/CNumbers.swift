/// C library number and address parsing exactly as conntrack-tools relies on it
/// (`strtoul(…, 0)`, `atoi`, `atol`, `strtol`, `inet_aton`).
enum CParse {
    private static func isSpace(_ c: UInt8) -> Bool { c == 32 || (c >= 9 && c <= 13) }

    /// `strtoul(s, &end, base)` on a 64-bit system: returns the value and how many bytes were used
    /// (0 if no digits).
    static func strtoul(_ s: String, base: Int = 0) -> (value: UInt64, used: Int) {
        let b = Array(s.utf8)
        var i = 0
        while i < b.count, isSpace(b[i]) { i += 1 }
        var negative = false
        if i < b.count, b[i] == 43 || b[i] == 45 { negative = b[i] == 45; i += 1 }
        var base = base
        if (base == 0 || base == 16), i + 1 < b.count, b[i] == 48, b[i + 1] | 0x20 == 120,
           i + 2 < b.count, hexValue(b[i + 2]) != nil {
            i += 2; base = 16
        } else if base == 0 {
            base = (i < b.count && b[i] == 48) ? 8 : 10
        }
        let start = i
        var v: UInt64 = 0
        var overflow = false
        while i < b.count, let d = hexValue(b[i]), d < base {
            let (m, o1) = v.multipliedReportingOverflow(by: UInt64(base))
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { overflow = true }
            v = a
            i += 1
        }
        if i == start { return (0, 0) }
        if overflow { return (UInt64.max, i) }
        return (negative ? 0 &- v : v, i)
    }

    /// `strtol(s, &end, base)`.
    static func strtol(_ s: String, base: Int = 10) -> (value: Int64, used: Int) {
        let b = Array(s.utf8)
        var i = 0
        while i < b.count, isSpace(b[i]) { i += 1 }
        var negative = false
        if i < b.count, b[i] == 43 || b[i] == 45 { negative = b[i] == 45; i += 1 }
        let start = i
        var v: Int64 = 0
        var overflow = false
        while i < b.count, let d = hexValue(b[i]), d < base {
            let (m, o1) = v.multipliedReportingOverflow(by: Int64(base))
            let (a, o2) = m.addingReportingOverflow(Int64(d))
            if o1 || o2 { overflow = true }
            v = a
            i += 1
        }
        if i == start { return (0, 0) }
        if overflow { return (negative ? Int64.min : Int64.max, i) }
        return (negative ? -v : v, i)
    }

    /// `atol`.
    static func atol(_ s: String) -> Int64 { strtol(s).value }
    /// `atoi` (the `long` result truncated to `int`).
    static func atoi(_ s: String) -> Int32 { Int32(truncatingIfNeeded: strtol(s).value) }

    private static func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case 48...57: Int(c - 48)
        case 97...122: Int(c - 87)
        case 65...90: Int(c - 55)
        default: nil
        }
    }

    /// glibc `inet_aton`: 1 to 4 parts, each decimal, octal (leading 0) or hex (0x);
    /// anything after a blank is ignored.
    static func inetAton(_ s: String) -> UInt32? {
        let b = Array(s.utf8)
        var i = 0
        var parts: [UInt32] = []
        var val: UInt64 = 0
        while true {
            guard i < b.count, b[i] >= 48, b[i] <= 57 else { return nil }
            var base: UInt64 = 10
            val = 0
            if b[i] == 48 {
                i += 1
                if i < b.count, b[i] | 0x20 == 120 { base = 16; i += 1 } else { base = 8 }
            }
            while i < b.count {
                let c = b[i]
                if c >= 48 && c <= 57 {
                    if base == 8 && c >= 56 { return nil }
                    val = val * base + UInt64(c - 48)
                } else if base == 16, let h = hexValue(c), h < 16 {
                    val = val * 16 + UInt64(h)
                } else {
                    break
                }
                if val > 0xffff_ffff { return nil }
                i += 1
            }
            if i < b.count, b[i] == 46 {
                if parts.count > 2 || val > 0xff { return nil }
                parts.append(UInt32(val))
                i += 1
                continue
            }
            break
        }
        if i < b.count, !isSpace(b[i]) { return nil }
        let v = UInt32(val)
        switch parts.count {
        case 0: return v
        case 1: return val > 0xff_ffff ? nil : parts[0] << 24 | v
        case 2: return val > 0xffff ? nil : parts[0] << 24 | parts[1] << 16 | v
        default: return val > 0xff ? nil : parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | v
        }
    }

    /// `inet_aton`, then `inet_pton(AF_INET6)`, as conntrack's `parse_inetaddr`.
    static func address(_ s: String) -> IPAddressParse? {
        if let v4 = inetAton(s) { return .init(address: .init(ipv4: v4)) }
        if let a = IPAddressParseHelper.ipv6(s) { return .init(address: a) }
        return nil
    }
}

import Conntrack

struct IPAddressParse { var address: IPAddress }

enum IPAddressParseHelper {
    static func ipv6(_ s: String) -> IPAddress? {
        guard s.contains(":"), let a = IPAddress(s), a.family == .ipv6 else { return nil }
        return a
    }
}
