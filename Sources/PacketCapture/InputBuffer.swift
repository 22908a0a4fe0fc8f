#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A fixed, reusable read buffer over a file descriptor (`read(2)`, EINTR retried).
///
/// The window `[start, end)` holds bytes not yet consumed. `require(_:)` slides the window to
/// the front and reads until enough bytes are present or the stream ends. The buffer grows
/// (by doubling) only when it is already full of real data, so a lying length field can make
/// it at most twice as large as the bytes the file truly has.
struct InputBuffer: ~Copyable {
    let fd: Int32
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    /// First unconsumed byte.
    private(set) var start = 0
    /// One past the last byte read.
    private(set) var end = 0
    /// File offset of `base[0]`.
    private var baseOffset: UInt64 = 0
    /// `read` returned 0.
    private(set) var atEOF = false

    init(fd: Int32, capacity: Int) {
        self.fd = fd
        self.capacity = capacity
        self.base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// Bytes available without reading.
    var available: Int { end - start }

    /// The file offset of the first unconsumed byte.
    var offset: UInt64 { baseOffset &+ UInt64(start) }

    /// Pointer to the first unconsumed byte.
    var cursor: UnsafeRawPointer { UnsafeRawPointer(base + start) }

    /// Consumes `n` available bytes.
    mutating func consume(_ n: Int) {
        precondition(n <= available)
        start += n
    }

    /// Ensures at least `n` bytes are available, reading as needed. Returns the number of
    /// bytes available, which is less than `n` only when the stream ended.
    @inline(__always)
    mutating func require(_ n: Int) throws(CaptureError) -> Int {
        if end - start >= n { return end - start }
        return try fill(n)
    }

    @inline(never)
    private mutating func fill(_ n: Int) throws(CaptureError) -> Int {
        while end - start < n && !atEOF {
            if start + n > capacity {
                // Slide what is left to the front.
                let left = end - start
                if start > 0 {
                    if left > 0 { (base).copyMemory(from: base + start, byteCount: left) }
                    baseOffset &+= UInt64(start)
                    start = 0
                    end = left
                }
                if n > capacity && end == capacity {
                    // Full of real data and still short: grow, at most doubling.
                    let newCapacity = min(n, capacity * 2)
                    let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
                    newBase.copyMemory(from: base, byteCount: end)
                    base.deallocate()
                    base = newBase
                    capacity = newCapacity
                }
            }
            let got = read(fd, base + end, capacity - end)
            if got > 0 {
                end += got
            } else if got == 0 {
                atEOF = true
            } else if errno != EINTR {
                throw .system(operation: "read", errno: errno)
            }
        }
        return end - start
    }
}
