import Foundation
import ConntrackTestSupport
import CConntrackShims

/// A network namespace of the differential topology, named `<prefix>-<pid>` (one per
/// test process, so `Topology.removeStaleNamespaces` can tell a crashed run's
/// leftovers by the pid; ConntrackTestSupport's `NetworkNamespace` adds a counter).
final class Namespace {
    let name: String
    private var removed = false

    init(prefix: String) throws {
        name = "\(prefix)-\(getpid())"
        _ = try? ConntrackTestSupport.run(["ip", "netns", "del", name])
        try ConntrackTestSupport.runChecked(["ip", "netns", "add", name])
    }

    deinit { remove() }

    func remove() {
        guard !removed else { return }
        removed = true
        _ = try? ConntrackTestSupport.run(["ip", "netns", "del", name])
    }

    @discardableResult
    func run(_ argv: [String], stdin: String? = nil) throws -> ProcessResult {
        try ConntrackTestSupport.run(["ip", "netns", "exec", name] + argv, stdin: stdin)
    }

    @discardableResult
    func runChecked(_ argv: [String], stdin: String? = nil) throws -> ProcessResult {
        try ConntrackTestSupport.runChecked(["ip", "netns", "exec", name] + argv, stdin: stdin)
    }

    func background(_ argv: [String]) throws -> BackgroundProcess {
        try BackgroundProcess(["ip", "netns", "exec", name] + argv)
    }

    func sysctl(_ key: String, _ value: String) throws {
        try runChecked(["sysctl", "-q", "-w", "\(key)=\(value)"])
    }

    /// Runs `body` with the calling thread inside this namespace (`setns`), then
    /// switches back; sockets created in `body` stay in the namespace.
    func perform<T>(_ body: () throws -> T) throws -> T {
        let own = open("/proc/self/task/\(ct_gettid())/ns/net", O_RDONLY | O_CLOEXEC)
        guard own >= 0 else { throw TestSupportError("open own netns: errno \(errno)") }
        defer { close(own) }
        let target = open("/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
        guard target >= 0 else { throw TestSupportError("open /run/netns/\(name): errno \(errno)") }
        defer { close(target) }
        guard ct_setns_net(target) == 0 else { throw TestSupportError("setns \(name): errno \(errno)") }
        defer { precondition(ct_setns_net(own) == 0, "cannot switch back to the original netns") }
        return try body()
    }
}
