import Foundation
import CConntrackShims

/// A throwaway network namespace for tests: created with `ip netns add`, removed by
/// `remove()` (or on deinit). Nothing here touches the host's own namespace.
///
/// ```swift
/// let ns = try NetworkNamespace(prefix: "ctk")
/// defer { ns.remove() }
/// try ns.runChecked(["conntrack", "-I", "-p", "udp", ...])
/// ```
public final class NetworkNamespace: @unchecked Sendable {
    /// The namespace's name (under /run/netns).
    public let name: String
    private var removed = false
    nonisolated(unsafe) private static var counter = 0
    private static let counterLock = NSLock()

    /// Whether this process can create namespaces (root with `ip` available).
    public static var isAvailable: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")
            || (getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/sbin/ip"))
    }

    /// Creates a namespace named `<prefix>-<pid>-<n>` with loopback up.
    public init(prefix: String) throws {
        NetworkNamespace.counterLock.lock()
        NetworkNamespace.counter += 1
        let n = NetworkNamespace.counter
        NetworkNamespace.counterLock.unlock()
        name = "\(prefix)-\(getpid())-\(n)"
        // The module's free functions: the instance methods would run inside the namespace.
        _ = try? ConntrackTestSupport.run(["ip", "netns", "del", name])
        try ConntrackTestSupport.runChecked(["ip", "netns", "add", name])
        try ConntrackTestSupport.runChecked(["ip", "-n", name, "link", "set", "lo", "up"])
    }

    deinit { remove() }

    /// Deletes the namespace (idempotent).
    public func remove() {
        guard !removed else { return }
        removed = true
        _ = try? ConntrackTestSupport.run(["ip", "netns", "del", name])
    }

    /// Path of the namespace's handle (`/run/netns/NAME`).
    public var path: String { "/run/netns/\(name)" }

    /// Runs `argv` inside the namespace.
    @discardableResult
    public func run(_ argv: [String], stdin: String? = nil) throws -> ProcessResult {
        try ConntrackTestSupport.run(["ip", "netns", "exec", name] + argv, stdin: stdin)
    }

    /// Runs `argv` inside the namespace and throws unless it exits 0.
    @discardableResult
    public func runChecked(_ argv: [String], stdin: String? = nil) throws -> ProcessResult {
        try ConntrackTestSupport.runChecked(["ip", "netns", "exec", name] + argv, stdin: stdin)
    }

    /// Starts `argv` inside the namespace in the background.
    public func background(_ argv: [String]) throws -> BackgroundProcess {
        try BackgroundProcess(["ip", "netns", "exec", name] + argv)
    }

    /// Writes a per-namespace sysctl (e.g. `net.netfilter.nf_conntrack_acct`, `1`).
    public func sysctl(_ name: String, _ value: String) throws {
        try runChecked(["sysctl", "-q", "-w", "\(name)=\(value)"])
    }

    /// Runs `body` on the calling thread while it is switched into this namespace
    /// (`setns(CLONE_NEWNET)`), then switches back. Sockets created inside stay in
    /// this namespace.
    public func perform<T>(_ body: () throws -> T) throws -> T {
        let own = open("/proc/self/task/\(ct_gettid())/ns/net", O_RDONLY)
        guard own >= 0 else { throw TestSupportError("open own netns: errno \(errno)") }
        defer { close(own) }
        let target = open(path, O_RDONLY)
        guard target >= 0 else { throw TestSupportError("open \(path): errno \(errno)") }
        defer { close(target) }
        guard ct_setns_net(target) == 0 else { throw TestSupportError("setns \(name): errno \(errno)") }
        defer { _ = ct_setns_net(own) }
        return try body()
    }

    /// Loads an nft ruleset (text) into the namespace.
    public func nft(_ ruleset: String) throws {
        try runChecked(["nft", "-f", "-"], stdin: ruleset)
    }
}

/// Why a kernel test cannot run here, or nil when it can.
public func kernelTestSkipReason() -> String? {
    if getuid() != 0 { return "kernel tests need root (network namespaces)" }
    if !FileManager.default.fileExists(atPath: "/proc/sys/net/netfilter/nf_conntrack_max") {
        return "this kernel has no nf_conntrack"
    }
    return nil
}
