#if canImport(Glibc)
import Glibc
#endif

/// Runs code with the calling thread inside another network namespace.
///
/// Sockets stay in the namespace they were created in, so opening a socket inside
/// `NetworkNamespace.withNamespace` and using it afterwards talks to that namespace's
/// kernel tables while the rest of the process stays where it was.
public enum NetworkNamespace {
    /// `CLONE_NEWNET`
    static let cloneNewNet: Int32 = 0x4000_0000

    private typealias SetnsFunction = @convention(c) (Int32, Int32) -> Int32

    /// `setns(2)`; looked up at run time because the Glibc module does not export it.
    private static func setns(_ fd: Int32, _ type: Int32) throws {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else {
            throw NetlinkError(errno: ENOSYS, operation: "setns")
        }
        let f = unsafeBitCast(symbol, to: SetnsFunction.self)
        _ = try retryOnInterrupt("setns") { f(fd, type) }
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
        try setns(target, cloneNewNet)
        defer {
            do { try setns(original, cloneNewNet) } catch {
                fatalError("cannot return to the original network namespace: \(error)")
            }
        }
        return try body()
    }
}
