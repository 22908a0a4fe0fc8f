#if canImport(Glibc)
import Glibc
#endif

extension NetlinkSocket {
    /// Sends a request and reads its replies until the kernel's ACK (`isDump == false`,
    /// the request must carry `NLM_F_ACK`) or `NLMSG_DONE` (`isDump == true`).
    ///
    /// `body` sees every reply message with sequence number `sequence` that is not a
    /// control message, as it is received; it returns `false` if it could not decode
    /// the message, which is then counted in `malformedMessages` and skipped.
    ///
    /// - Throws: `NetlinkError` of kind `.kernel` for an `NLMSG_ERROR` reply,
    ///   `.dumpInterrupted` when a dump message carried `NLM_F_DUMP_INTR` (the rest of
    ///   the dump is read and dropped first, so the socket stays usable), or whatever
    ///   `body` threw (likewise after draining the dump).
    public func request(_ bytes: [UInt8], sequence: UInt32, operation: String, isDump: Bool,
                        _ body: (NetlinkMessage) throws -> Bool) throws {
        try send(bytes)
        try readReplies(sequence: sequence, operation: operation, isDump: isDump, body)
    }

    /// Reads replies of an already sent request (see `request`).
    public func readReplies(sequence: UInt32, operation: String, isDump: Bool,
                            _ body: (NetlinkMessage) throws -> Bool) throws {
        var reader = ReplyReader(sequence: sequence, operation: operation, isDump: isDump)
        defer { malformedMessages += reader.malformed }
        while true {
            guard let datagram = try receiveDatagram() else { continue }
            if try reader.consume(datagram, body) { return }
        }
    }
}

/// The reply half of a request, without the socket: fed datagram by datagram, it
/// finds the end (ACK or `NLMSG_DONE`), turns `NLMSG_ERROR` into `NetlinkError`,
/// notices `NLM_F_DUMP_INTR`, counts undecodable messages, and keeps draining a dump
/// after `body` failed so the socket stays in step.
public struct ReplyReader {
    public let sequence: UInt32
    public let operation: String
    public let isDump: Bool
    /// Messages skipped as badly framed or refused by the decoder.
    public private(set) var malformed = 0
    /// Whether a message carried `NLM_F_DUMP_INTR`.
    public private(set) var interrupted = false
    var pending: (any Error)? = nil

    public init(sequence: UInt32, operation: String, isDump: Bool) {
        self.sequence = sequence
        self.operation = operation
        self.isDump = isDump
    }

    /// Processes one datagram. Returns `true` when the reply is complete.
    public mutating func consume(_ datagram: UnsafeRawBufferPointer, _ body: (NetlinkMessage) throws -> Bool) throws -> Bool {
        var it = MessageIterator(datagram)
        defer { if it.malformed { malformed += 1 } }
        while let m = it.next() {
            guard m.sequence == sequence else { continue }  // a stale reply of an abandoned request
            switch m.type {
            case NetlinkConstants.error:
                let e = m.errorNumber ?? EBADMSG
                if e != 0 { throw pending ?? NetlinkError(errno: e, operation: operation, kind: .kernel) }
                if !isDump {
                    if let pending { throw pending }
                    return true
                }
            case NetlinkConstants.done:
                if let e = m.errorNumber, e > 0 {
                    throw pending ?? NetlinkError(errno: e, operation: operation, kind: .kernel)
                }
                if let pending { throw pending }
                if interrupted || m.flags.contains(.dumpInterrupted) {
                    throw NetlinkError(errno: EINTR, operation: operation, kind: .dumpInterrupted)
                }
                return true
            case NetlinkConstants.noop, NetlinkConstants.overrun:
                continue
            default:
                if m.flags.contains(.dumpInterrupted) { interrupted = true }
                // After an interruption the rest is only drained: never hand out an
                // inconsistent table as if it were whole.
                if interrupted || pending != nil { continue }
                do {
                    if try !body(m) { malformed += 1 }
                } catch {
                    if !isDump { throw error }
                    pending = error
                }
            }
        }
        return false
    }
}
