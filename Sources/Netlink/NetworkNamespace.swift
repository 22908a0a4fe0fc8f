#if canImport(Glibc)
import Glibc
#endif
import CConntrackShims

/// Runs code with the calling thread inside another network namespace.
///
/// Sockets stay in the namespace they were created in, so opening a socket inside
/// `NetworkNamespace.withNamespace` and using it afterwards talks to that namespace's
/// kernel tables while the rest of the process stays where it was.
public enum NetworkNamespace {
    /// `setns(fd, CLONE_NEWNET)` (through the C shim: Glibc does not export `setns`).
    private static func setns(_ fd: Int32) throws {
        _ = try retryOnInterrupt("setns") { ct_setns_net(fd) }
    }

    /// The file system path of a namespace given by name (`/run/netns/NAME`) or path.
    public static func path(for nameOrPath: String) -> String {
        nameOrPath.contains("/") ? nameOrPath : "/run/netns/" + nameOrPath
    }

    /// Runs `body` on the calling thread inside the network namespace `nameOrPath`
    /// (a name under `/run/netns` or a path such as `/proc/PID/ns/net`), then switches
    /// the thread back. If switching back fails the process stops: continuing in the
    /// wrong namespace would silently act on the wrong table.
    public static func withNamespace<T>(_ nameOrPath: String, _ body: () throws -> T) throws -> T {
        let target = try retryOnInterrupt("open") { open(path(for: nameOrPath), O_RDONLY | O_CLOEXEC) }
        defer { close(target) }
        let original = try retryOnInterrupt("open") { open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC) }
        defer { close(original) }
        try setns(target)
        defer {
            do { try setns(original) } catch {
                fatalError("cannot return to the original network namespace: \(error)")
            }
        }
        return try body()
    }
}
