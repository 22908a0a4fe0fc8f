/// How a pcapng interface counts time (`if_tsresol`).
public enum TimestampResolution: Hashable, Sendable, CustomStringConvertible {
    /// Units of 10^-exponent seconds (the default is 6, microseconds).
    case decimal(exponent: UInt8)
    /// Units of 2^-exponent seconds.
    case binary(exponent: UInt8)

    /// Microseconds, the pcapng default when an interface has no `if_tsresol`.
    public static let microseconds = TimestampResolution.decimal(exponent: 6)
    /// Nanoseconds.
    public static let nanoseconds = TimestampResolution.decimal(exponent: 9)

    /// `10^-6`, `2^-20`...
    public var description: String {
        switch self {
        case .decimal(let e): return "10^-\(e)"
        case .binary(let e): return "2^-\(e)"
        }
    }

    /// Converts a count of units to nanoseconds (saturating at `Int64.max`).
    @inlinable
    public func nanoseconds(_ units: UInt64) -> Int64 {
        switch self {
        case .decimal(let e) where e <= 9:
            let (v, o) = units.multipliedReportingOverflow(by: powerOfTen(9 - Int(e)))
            return o || v > UInt64(Int64.max) ? Int64.max : Int64(v)
        case .decimal(let e):
            // 10^-29 s and finer: every 64-bit count is below one nanosecond.
            return e > 28 ? 0 : Int64(units / powerOfTen(Int(e) - 9))
        case .binary(let e):
            let shift = UInt64(e)
            let seconds = e >= 64 ? 0 : units >> shift
            let fraction = e >= 64 ? units : units & ((1 << shift) &- 1)
            let (hi, lo) = fraction.multipliedFullWidth(by: 1_000_000_000)
            // (hi:lo) >> e, with e < 64 here or seconds == 0.
            let fractionNS = e == 0 ? 0 : (e >= 64 ? hi >> (shift - 64) : (lo >> shift) | (hi << (64 - shift)))
            let (s, o) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
            let (t, o2) = s.addingReportingOverflow(fractionNS)
            return o || o2 || t > UInt64(Int64.max) ? Int64.max : Int64(t)
        }
    }
}

@usableFromInline
func powerOfTen(_ n: Int) -> UInt64 {
    var v: UInt64 = 1
    for _ in 0..<n { v &*= 10 }
    return v
}
