import Foundation
import Glibc
import ConntrackTestSupport

/// Which injector end a crafted packet leaves from. `a` is the side of the hosts
/// behind A (10.88.1.0/24, fd88:1::/64), `b` the side behind B.
enum Side: Sendable { case a, b }

/// The live three-namespace topology of `Scripts/diff-topology.sh`: injector ends A
/// and B around router R (namespaces `dfA-<pid>-n`, `dfR-<pid>-n`, `dfB-<pid>-n`).
final class Topology {
    let a: Namespace, r: Namespace, b: Namespace
    let macA: [UInt8], macRA: [UInt8], macB: [UInt8], macRB: [UInt8]
    private let injectA: FrameInjector
    private let injectB: FrameInjector
    /// Everything arriving at R, with kernel timestamps.
    let capture: FrameCapture
    /// Defaults of the per-netns sysctls a scenario may change, read once from R.
    private var sysctlDefaults: [String: String] = [:]
    private var changedSysctls: Set<String> = []

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scripts/diff-topology.sh").path

    /// `prefix` names the namespaces (`dfA-PID`...; the NAT suite builds its own
    /// `dnA-PID`... so that it can replace R's ruleset freely).
    init(prefix: String = "df") throws {
        Topology.removeStaleNamespaces()
        a = try Namespace(prefix: prefix + "A")
        r = try Namespace(prefix: prefix + "R")
        b = try Namespace(prefix: prefix + "B")
        let names = [a.name, r.name, b.name]
        let macs: [[UInt8]]
        do {
            macs = try runChecked([Topology.script, "up"] + names).stdout
                .split(whereSeparator: \.isWhitespace).map { Topology.parseMAC(String($0)) }
        } catch {
            a.remove(); r.remove(); b.remove()
            throw error
        }
        guard macs.count == 4 else { throw TestSupportError("diff-topology.sh printed no MAC addresses") }
        (macA, macRA, macB, macRB) = (macs[0], macs[1], macs[2], macs[3])
        injectA = try FrameInjector(namespace: a, interface: "a0")
        injectB = try FrameInjector(namespace: b, interface: "b0")
        capture = try FrameCapture(namespace: r)
    }

    /// Deletes `dfA-PID`/`dfR-PID`/`dfB-PID` (and `dn...`) namespaces left by test
    /// processes that died without cleaning up (a crash skips deinit); live processes'
    /// ones are kept.
    static func removeStaleNamespaces() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []
        let prefixes = ["dfA-", "dfR-", "dfB-", "dnA-", "dnR-", "dnB-"]
        for n in names where prefixes.contains(where: { n.hasPrefix($0) }) {
            guard let pid = Int32(n.dropFirst(4)), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            _ = try? ConntrackTestSupport.run(["ip", "netns", "del", n])
        }
    }

    /// Removes the three namespaces.
    func destroy() {
        a.remove(); r.remove(); b.remove()
    }

    static func parseMAC(_ s: String) -> [UInt8] {
        s.split(separator: ":").compactMap { UInt8($0, radix: 16) }
    }

    /// Wraps an IP packet in an Ethernet header addressed to R and sends it from `side`.
    func inject(_ ipPacket: [UInt8], from side: Side) throws {
        let v6 = (ipPacket.first ?? 0) >> 4 == 6
        let (dst, src) = side == .a ? (macRA, macA) : (macRB, macB)
        let frame = dst + src + (v6 ? [0x86, 0xdd] : [0x08, 0x00]) + ipPacket
        try (side == .a ? injectA : injectB).send(frame)
    }

    // MARK: - Router state

    /// Sets a per-netns conntrack sysctl in R (`net.netfilter.nf_conntrack_<name>`),
    /// remembering the default so `resetSysctls()` can restore it.
    func setSysctl(_ name: String, _ value: Int) throws {
        let key = "net.netfilter.nf_conntrack_\(name)"
        if sysctlDefaults[key] == nil {
            sysctlDefaults[key] = try r.runChecked(["sysctl", "-n", key]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try r.sysctl(key, String(value))
        changedSysctls.insert(key)
    }

    /// Restores every sysctl changed by `setSysctl`.
    func resetSysctls() throws {
        for key in changedSysctls { try r.sysctl(key, sysctlDefaults[key]!) }
        changedSysctls = []
    }

    /// Empties R's table (only R's: `conntrack -F` runs inside R).
    func flush() throws {
        try r.run(["conntrack", "-F"])
    }

    /// R's table: `conntrack -L -o extended`, parsed.
    func listTable() throws -> [KernelEntry] {
        try KernelEntry.parseListing(r.runChecked(["conntrack", "-L", "-o", "extended"]).stdout)
    }

    /// The per-state packet counters of R's `count` chain (`ct state X counter comment "X"`).
    func stateCounters() throws -> [String: Int] {
        var out: [String: Int] = [:]
        for line in try r.runChecked(["nft", "list", "chain", "inet", "t", "count"]).stdout.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard let i = f.firstIndex(of: "packets"), i + 1 < f.count, let n = Int(f[i + 1]),
                  let c = f.firstIndex(of: "comment"), c + 1 < f.count else { continue }
            out[String(f[c + 1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")))] = n
        }
        return out
    }

    /// R's conntrack statistics (`conntrack -S`), summed over CPUs.
    func statistics() throws -> [String: Int] {
        var out: [String: Int] = [:]
        for tok in try r.runChecked(["conntrack", "-S"]).stdout.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
            let kv = tok.split(separator: "=")
            guard kv.count == 2, kv[0] != "cpu", let n = Int(kv[1]) else { continue }
            out[String(kv[0]), default: 0] += n
        }
        return out
    }

    /// Starts `conntrack -E` in R and returns once it is subscribed to the event
    /// groups (its own netlink socket shows groups 0x7 in `/proc/PID/net/netlink`),
    /// so no entry created afterwards misses its event extension.
    func startEventListener() throws -> BackgroundProcess {
        let p = try r.background(["conntrack", "-E", "-o", "timestamp,extended"])
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            // The process's own sockets (by inode), so a listener elsewhere cannot fool us.
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(p.pid)/fd")) ?? []
            let inodes = Set(fds.compactMap { fd -> Substring? in
                guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(p.pid)/fd/\(fd)"),
                      link.hasPrefix("socket:[") else { return nil }
                return Substring(link.dropFirst(8).dropLast())
            })
            if !inodes.isEmpty, let table = try? String(contentsOfFile: "/proc/\(p.pid)/net/netlink", encoding: .utf8),
               table.split(separator: "\n").contains(where: { line in
                   let f = line.split(separator: " ", omittingEmptySubsequences: true)
                   return f.count > 9 && f[1] == "12" && f[3] == "00000007" && inodes.contains(f[9])
               }) {
                return p
            }
            if !p.process.isRunning { break }
            usleep(2000)
        }
        let result = p.stop()
        throw TestSupportError("conntrack -E did not subscribe within 5 s: \(result.stderr)")
    }
}
