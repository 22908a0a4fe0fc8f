#if canImport(Glibc)
import Glibc
#endif
import Conntrack
import Netlink

/// The outcome of `ConntrackClient.createBatch`.
public struct BatchResult: Sendable, Hashable {
    /// One refused entry: its position in the input and the kernel's errno.
    public struct Failure: Sendable, Hashable {
        public var index: Int
        public var errno: Int32
        public init(index: Int, errno: Int32) { self.index = index; self.errno = errno }
    }
    /// How many entries were sent.
    public var attempted = 0
    /// Entries the kernel refused (`EEXIST`, `ENOMEM` when the table is full...).
    public var failures: [Failure] = []
    /// How many were created.
    public var created: Int { attempted - failures.count }
}

extension ConntrackClient {
    /// Creates many entries fast: requests are packed back to back, about `chunkBytes`
    /// per `sendto`, without per-request ACKs; the kernel reports only failures, and a
    /// trailing `NLMSG_NOOP` with `NLM_F_ACK` marks the end of each chunk.
    ///
    /// Failures do not stop the batch; they are collected with the input index.
    /// - Throws: `ConntrackError` only when the exchange itself fails (e.g. `ENOBUFS`
    ///   if the error replies overflowed the receive buffer: the failure list would be
    ///   incomplete).
    public func createBatch<S: Sequence>(_ flows: S, flags: CreateFlags = [.create, .exclusive],
                                         chunkBytes: Int = 32 * 1024) throws -> BatchResult where S.Element == Flow {
        var result = BatchResult()
        var chunk = MessageBuilder(capacity: chunkBytes + 1024)
        var firstSequence: UInt32 = 0
        var firstIndex = 0
        let type = CT.type(CT.subsysConntrack, CT.new)
        let msgFlags = MessageFlags(rawValue: flags.rawValue).union(.request)
        for f in flows {
            let seq = socket.nextSequence()
            if chunk.messageCount == 0 { firstSequence = seq; firstIndex = result.attempted }
            chunk.beginMessage(type: type, flags: msgFlags, sequence: seq)
            chunk.append(bytes: [f.family.rawValue, 0, 0, 0])
            chunk.putFlow(f.preparedForCreate())
            chunk.endMessage()
            result.attempted += 1
            if chunk.bytes.count >= chunkBytes {
                try flushBatch(&chunk, firstSequence: firstSequence, firstIndex: firstIndex, into: &result)
            }
        }
        if chunk.messageCount > 0 {
            try flushBatch(&chunk, firstSequence: firstSequence, firstIndex: firstIndex, into: &result)
        }
        return result
    }

    private func flushBatch(_ chunk: inout MessageBuilder, firstSequence: UInt32, firstIndex: Int,
                            into result: inout BatchResult) throws {
        let count = UInt32(chunk.messageCount)
        let endSequence = socket.nextSequence()
        chunk.beginMessage(type: NetlinkConstants.noop, flags: [.request, .ack], sequence: endSequence)
        chunk.endMessage()
        try mapErrors("create batch") {
            try socket.send(chunk.bytes)
            chunk.removeAll()
            while true {
                guard let d = try socket.receiveDatagram() else { continue }
                var it = MessageIterator(d)
                while let m = it.next() {
                    guard m.type == NetlinkConstants.error else { continue }
                    if m.sequence == endSequence { return }
                    let offset = m.sequence &- firstSequence
                    guard offset < count, let e = m.errorNumber, e != 0 else { continue }
                    result.failures.append(.init(index: firstIndex + Int(offset), errno: e))
                }
            }
        }
    }
}
