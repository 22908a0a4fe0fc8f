import Netlink

/// A failed ctnetlink operation: the raw error number and what was being done.
///
/// The kernel's answers are kept as they are (`ENOENT` for a missing entry, `EEXIST`
/// for a duplicate, `EINVAL`, `EOPNOTSUPP`, `EBUSY`...), so a CLI can print
/// conntrack-tools' own message for each.
public struct ConntrackError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The positive error number (`ENOENT`, `EEXIST`, ...).
    public var errno: Int32
    /// The operation: `"dump"`, `"get"`, `"create"`, `"update"`, `"delete"`, `"flush"`,
    /// `"statistics"`, ..., or a system call name (`"socket"`, `"recvmsg"`).
    public var operation: String
    /// Whether the kernel answered (`NLMSG_ERROR`) rather than a system call failing.
    public var fromKernel: Bool
    /// The dump was interrupted by a concurrent change (`NLM_F_DUMP_INTR`, errno `EINTR`):
    /// what was delivered may be inconsistent; dump again.
    public var dumpInterrupted: Bool

    public init(errno: Int32, operation: String, fromKernel: Bool = true, dumpInterrupted: Bool = false) {
        self.errno = errno
        self.operation = operation
        self.fromKernel = fromKernel
        self.dumpInterrupted = dumpInterrupted
    }

    init(_ e: NetlinkError, operation: String) {
        self.init(errno: e.errno, operation: e.kind == .system ? "\(operation): \(e.operation)" : operation,
                  fromKernel: e.kind == .kernel, dumpInterrupted: e.kind == .dumpInterrupted)
    }

    /// One line: `operation: strerror(errno)`.
    public var description: String {
        dumpInterrupted ? "\(operation): dump interrupted by a concurrent table change"
                        : "\(operation): \(NetlinkError.message(for: errno))"
    }
}

/// Runs `body`, turning netlink errors into `ConntrackError` for `operation`.
@inline(__always)
func mapErrors<T>(_ operation: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as NetlinkError {
        throw ConntrackError(e, operation: operation)
    }
}
