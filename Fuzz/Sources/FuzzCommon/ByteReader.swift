/// Reads a fuzzer input front to back; every read past the end yields zeros / empty
/// slices so targets never need to special-case short inputs.
public struct ByteReader {
    public var rest: UnsafeRawBufferPointer

    public init(_ bytes: UnsafeRawBufferPointer) { rest = bytes }

    public var isAtEnd: Bool { rest.isEmpty }

    public mutating func u8() -> UInt8 {
        guard let b = rest.first else { return 0 }
        rest = UnsafeRawBufferPointer(rebasing: rest.dropFirst())
        return b
    }

    /// Little-endian 16-bit value.
    public mutating func u16() -> UInt16 { UInt16(u8()) | UInt16(u8()) << 8 }

    /// Up to `n` bytes (fewer at the end of the input).
    public mutating func bytes(_ n: Int) -> UnsafeRawBufferPointer {
        let k = min(max(n, 0), rest.count)
        let r = UnsafeRawBufferPointer(rebasing: rest.prefix(k))
        rest = UnsafeRawBufferPointer(rebasing: rest.dropFirst(k))
        return r
    }
}

/// Splits `data` into records `[u8 time step][u16 LE length][length bytes]`, calling
/// `body(timeStep, bytes)` for each. The framing used by the packet-sequence targets and
/// by the seed corpora (see Scripts/fuzz.sh and Tests/HardeningTests/FuzzCorpusWriter).
public func forEachRecord(_ data: UnsafeRawBufferPointer, _ body: (UInt8, UnsafeRawBufferPointer) -> Void) {
    var r = ByteReader(data)
    while !r.isAtEnd {
        let step = r.u8()
        let n = Int(r.u16())
        body(step, r.bytes(n))
    }
}

/// Frames packets the way `forEachRecord` reads them (for writing seed corpora).
public func frameRecords(_ packets: [(step: UInt8, bytes: [UInt8])]) -> [UInt8] {
    var out: [UInt8] = []
    for p in packets {
        out.append(p.step)
        let n = min(p.bytes.count, 0xffff)
        out.append(UInt8(n & 0xff))
        out.append(UInt8(n >> 8))
        out.append(contentsOf: p.bytes.prefix(n))
    }
    return out
}
