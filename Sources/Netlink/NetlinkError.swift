#if canImport(Glibc)
import Glibc
#endif

/// An error from the netlink layer: a failed system call, an error the kernel
/// answered with (`NLMSG_ERROR`), or a reply that could not be trusted.
///
/// `errno` is always the raw positive error number (`ENOENT`, `EEXIST`...), so callers
/// can map it to their own messages; `operation` names what was being done
/// (`"socket"`, `"recvmsg"`, or the caller's name for a request).
public struct NetlinkError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where the error came from.
    public enum Kind: Hashable, Sendable {
        /// A system call failed with `errno`.
        case system
        /// The kernel answered the request with `NLMSG_ERROR` carrying `-errno`.
        case kernel
        /// A dump reply carried `NLM_F_DUMP_INTR`: the table changed while it was
        /// being read, so the result is inconsistent (`errno` is `EINTR`).
        case dumpInterrupted
        /// A reply was cut short or not framed as netlink (`errno` is `EBADMSG` or `EMSGSIZE`).
        case malformedReply
    }

    /// The positive error number (`ENOENT`, `EEXIST`, ...).
    public var errno: Int32
    /// What was being done: a system call name or the caller's request name.
    public var operation: String
    /// Where the error came from.
    public var kind: Kind

    public init(errno: Int32, operation: String, kind: Kind = .system) {
        self.errno = errno
        self.operation = operation
        self.kind = kind
    }

    /// One line: `operation: strerror(errno)`.
    public var description: String {
        switch kind {
        case .dumpInterrupted: return "\(operation): dump interrupted by a table change (NLM_F_DUMP_INTR)"
        case .malformedReply: return "\(operation): malformed netlink reply (\(NetlinkError.message(for: errno)))"
        default: return "\(operation): \(NetlinkError.message(for: errno))"
        }
    }

    /// The C library's text for an error number.
    public static func message(for errno: Int32) -> String {
        guard let p = strerror(errno) else { return "error \(errno)" }
        return String(cString: p)
    }
}
