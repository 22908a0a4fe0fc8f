/// A byte buffer that hands its contents to a sink in chunks of at least 64 KiB
/// (or when flushed): one write system call per chunk instead of one per line.
public final class OutputBuffer {
    /// Bytes not yet handed to the sink.
    public var bytes: [UInt8] = []
    private let sink: (ArraySlice<UInt8>) -> Void
    /// Flush threshold.
    public let chunkSize: Int

    /// Creates a buffer writing to `sink`.
    public init(chunkSize: Int = 65_536, sink: @escaping (ArraySlice<UInt8>) -> Void) {
        self.sink = sink
        self.chunkSize = chunkSize
        bytes.reserveCapacity(chunkSize + 4096)
    }

    /// Appends a string.
    public func write(_ s: String) {
        bytes.append(ascii: s)
        flushIfNeeded()
    }

    /// Hands the buffer to the sink once it holds a full chunk.
    @inline(__always)
    public func flushIfNeeded() {
        if bytes.count >= chunkSize { flush() }
    }

    /// Hands everything buffered to the sink.
    public func flush() {
        guard !bytes.isEmpty else { return }
        sink(bytes[...])
        bytes.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}
