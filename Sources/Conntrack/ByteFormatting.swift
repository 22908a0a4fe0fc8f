/// Allocation-free text building on byte arrays, used by the formatters.
///
/// The formatters append ASCII straight into a caller-owned `[UInt8]` so that printing a
/// dump of hundreds of thousands of flows costs no per-entry `String` allocations.
extension Array where Element == UInt8 {
    /// Appends the UTF-8 bytes of a string.
    @inlinable
    public mutating func append(ascii s: String) {
        var s = s
        s.withUTF8 { append(contentsOf: $0) }
    }

    /// Appends the bytes of a static string literal.
    @inlinable
    public mutating func append(literal s: StaticString) {
        s.withUTF8Buffer { append(contentsOf: $0) }
    }

    /// Appends `v` in decimal (`%u`, `%llu`).
    @inlinable
    public mutating func append(decimal v: UInt64) {
        if v < 10 { append(UInt8(truncatingIfNeeded: v) &+ 48); return }
        var digits = 0
        var x = v
        while x > 0 { digits += 1; x /= 10 }
        let base = count
        append(contentsOf: repeatElement(48, count: digits))
        x = v
        var i = base + digits - 1
        while x > 0 {
            self[i] = UInt8(truncatingIfNeeded: x % 10) &+ 48
            x /= 10
            i -= 1
        }
    }

    /// Appends a signed value in decimal (`%d`, `%ld`).
    @inlinable
    public mutating func append(signed v: Int64) {
        if v < 0 { append(UInt8(ascii: "-")); append(decimal: v == Int64.min ? UInt64(1) << 63 : UInt64(-v)) } else { append(decimal: UInt64(v)) }
    }

    /// Appends `v` in lower-case hexadecimal without prefix (`%x`).
    @inlinable
    public mutating func append(hex v: UInt64) {
        if v == 0 { append(48); return }
        var shift = (64 - v.leadingZeroBitCount + 3) / 4 * 4
        while shift > 0 {
            shift -= 4
            let d = UInt8(truncatingIfNeeded: (v >> UInt64(shift)) & 0xf)
            append(d < 10 ? d &+ 48 : d &+ 87)
        }
    }

    /// Appends an address as `inet_ntop`/`inet_ntoa` print it.
    @inlinable
    public mutating func append(address a: IPAddress) {
        if a.family == .ipv4 {
            let v = a.ipv4Value
            append(decimal: UInt64(v >> 24)); append(46)
            append(decimal: UInt64((v >> 16) & 0xff)); append(46)
            append(decimal: UInt64((v >> 8) & 0xff)); append(46)
            append(decimal: UInt64(v & 0xff))
        } else {
            append(ascii: a.description)
        }
    }

    /// Removes trailing spaces.
    @inlinable
    public mutating func trimTrailingSpaces(downTo floor: Int) {
        while count > floor, last == 32 { removeLast() }
    }
}
