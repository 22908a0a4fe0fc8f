#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A fixed write buffer over a file descriptor (`write(2)`, EINTR and short writes handled),
/// writing integers in a chosen byte order.
struct OutputBuffer: ~Copyable {
    let fd: Int32
    let swapped: Bool
    private let base: UnsafeMutableRawPointer
    private let capacity: Int
    private var count = 0

    init(fd: Int32, byteOrder: ByteOrder, capacity: Int = 64 << 10) {
        self.fd = fd
        self.swapped = byteOrder != .host
        self.capacity = capacity
        self.base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    mutating func flush() throws(CaptureError) {
        try writeAll(UnsafeRawBufferPointer(start: base, count: count))
        count = 0
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(CaptureError) {
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n >= 0 {
                done += n
            } else if errno != EINTR {
                throw .system(operation: "write", errno: errno)
            }
        }
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) throws(CaptureError) {
        if bytes.count > capacity - count {
            try flush()
            if bytes.count > capacity {
                try writeAll(bytes)
                return
            }
        }
        if bytes.count > 0 {
            (base + count).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            count += bytes.count
        }
    }

    mutating func zeros(_ n: Int) throws(CaptureError) {
        let z: UInt32 = 0
        var left = n
        while left > 0 {
            let k = min(left, 4)
            try withUnsafeBytes(of: z) { (b) throws(CaptureError) in try append(UnsafeRawBufferPointer(rebasing: b[0..<k])) }
            left -= k
        }
    }

    mutating func u16(_ v: UInt16) throws(CaptureError) {
        let x = swapped ? v.byteSwapped : v
        try withUnsafeBytes(of: x) { (b) throws(CaptureError) in try append(b) }
    }

    mutating func u32(_ v: UInt32) throws(CaptureError) {
        let x = swapped ? v.byteSwapped : v
        try withUnsafeBytes(of: x) { (b) throws(CaptureError) in try append(b) }
    }

    mutating func u64(_ v: UInt64) throws(CaptureError) {
        let x = swapped ? v.byteSwapped : v
        try withUnsafeBytes(of: x) { (b) throws(CaptureError) in try append(b) }
    }
}

func openForWriting(_ path: String) throws(CaptureError) -> Int32 {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    if fd < 0 { throw .system(operation: "open \(path)", errno: errno) }
    return fd
}

func closeDescriptor(_ fd: Int32) throws(CaptureError) {
    if Glibc.close(fd) != 0 { throw .system(operation: "close", errno: errno) }
}
