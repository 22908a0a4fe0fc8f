import Foundation
import XCTest

/// Output of one process run.
struct RunResult: Equatable, CustomStringConvertible {
    var stdout: String
    var stderr: String
    var status: Int32
    var description: String { "exit \(status)\n--- stdout:\n\(stdout)--- stderr:\n\(stderr)" }
}

/// Runs a program, feeding `stdin`, collecting both streams.
func runProcess(_ argv: [String], stdin: String? = nil) -> RunResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = argv
    let base = NSTemporaryDirectory() + "ctcli-run-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    FileManager.default.createFile(atPath: base + ".out", contents: nil)
    FileManager.default.createFile(atPath: base + ".err", contents: nil)
    FileManager.default.createFile(atPath: base + ".in", contents: (stdin ?? "").data(using: .utf8))
    defer { for s in [".out", ".err", ".in"] { try? FileManager.default.removeItem(atPath: base + s) } }
    guard let o = FileHandle(forWritingAtPath: base + ".out"), let e = FileHandle(forWritingAtPath: base + ".err"),
          let i = FileHandle(forReadingAtPath: base + ".in") else {
        return RunResult(stdout: "", stderr: "cannot create temp files", status: -1)
    }
    p.standardOutput = o
    p.standardError = e
    p.standardInput = i
    do { try p.run() } catch { return RunResult(stdout: "", stderr: "spawn failed: \(error)", status: -1) }
    // Never hang a test run: anything still running after 20 s is killed.
    let deadline = Date().addingTimeInterval(20)
    while p.isRunning && Date() < deadline { usleep(2000) }
    if p.isRunning { kill(p.processIdentifier, SIGKILL) }
    p.waitUntilExit()
    try? o.close(); try? e.close(); try? i.close()
    let status = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
    let out = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
    let err = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
    return RunResult(stdout: out, stderr: err, status: status)
}

/// Paths of the two tools under comparison.
enum Tools {
    static let real = "/usr/sbin/conntrack"
    /// `.build/debug/conntrack` of this package (found from this file's path), or the
    /// binary named by `CT_PARITY_OURS` (e.g. the static release build).
    static let ours: String = {
        if let path = ProcessInfo.processInfo.environment["CT_PARITY_OURS"], !path.isEmpty { return path }
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent(".build/debug/conntrack").path
    }()
    static var available: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: real)
            && FileManager.default.isExecutableFile(atPath: ours)
    }
}

/// A throwaway network namespace (`ctcli-<pid>-<n>`); never the host's.
final class Namespace {
    nonisolated(unsafe) static var counter = 0
    let name: String
    init() {
        Namespace.counter += 1
        name = "ctcli-\(getpid())-\(Namespace.counter)"
        _ = runProcess(["ip", "netns", "del", name])
        _ = runProcess(["ip", "netns", "add", name])
        _ = runProcess(["ip", "-n", name, "link", "set", "lo", "up"])
    }
    func remove() { _ = runProcess(["ip", "netns", "del", name]) }
    deinit { remove() }

    /// Runs argv inside the namespace, optionally with a private /etc carrying a
    /// test `xtables/connlabel.conf` (never touching the host's /etc).
    func run(_ argv: [String], stdin: String? = nil, labels: Bool = false) -> RunResult {
        if labels {
            let etc = LabelEtc.path
            let quoted = argv.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
            return runProcess(["unshare", "-m", "--propagation", "private", "sh", "-c",
                               "mount --bind \(etc) /etc && exec ip netns exec \(name) \(quoted)"], stdin: stdin)
        }
        return runProcess(["ip", "netns", "exec", name] + argv, stdin: stdin)
    }
}

/// A copy of /etc with `xtables/connlabel.conf` (`0 foo`, `1 bar`, `5 baz`, `63 last`).
enum LabelEtc {
    static let path: String = {
        let dir = NSTemporaryDirectory() + "ctcli-etc-\(getpid())"
        _ = runProcess(["rm", "-rf", dir])
        _ = runProcess(["mkdir", "-p", dir])
        _ = runProcess(["sh", "-c", "cp -a /etc/. \(dir)/ 2>/dev/null; mkdir -p \(dir)/xtables"])
        try? "0 foo\n1 bar\n5 baz\n63 last\n".write(toFile: dir + "/xtables/connlabel.conf", atomically: true, encoding: .utf8)
        return dir
    }()
}

/// Masks what legitimately differs between two runs: ticking timeouts, ids,
/// timestamps, netlink port ids.
func mask(_ s: String) -> String {
    var s = s
    let rules: [(String, String)] = [
        (#"^(\s*\[[A-Z]+\] )?((?:ipv4|ipv6|unknown) +\d+ )?([a-z0-9]+ +\d+ )\d+ "#, "$1$2$3T "),
        (#"<timeout>\d+</timeout>"#, "<timeout>T</timeout>"),
        (#"-t \d+"#, "-t T"),
        (#"\bid=\d+"#, "id=I"),
        (#"<id>\d+</id>"#, "<id>I</id>"),
        (#"delta-time=\d+"#, "delta-time=D"),
        (#"<deltatime>\d+</deltatime>"#, "<deltatime>D</deltatime>"),
        (#"portid=\d+"#, "portid=P"),
        (#"\[\d+\.\d+ *\]\t"#, "[TS]\t"),
        (#"\[start=[^\]]*\]"#, "[start=S]"),
        (#"\[stop=[^\]]*\]"#, "[stop=S]"),
        (#"<start>\d+</start>"#, "<start>S</start>"),
        (#"<stop>\d+</stop>"#, "<stop>S</stop>"),
        (#"<when>.*?</when>"#, "<when>W</when>"),
        (#"^\d+ proto="#, "T proto="),
        (#"( \[UPDATE\]| \[NEW\]|\[DESTROY\]) \d+ proto="#, "$1 T proto="),
        (#" progname=\S+"#, ""),
        (#"Usage: \S+ "#, "Usage: PROG "),
    ]
    for (pattern, template) in rules {
        let re = try! NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
        s = re.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: template)
    }
    return s
}

func sortedLines(_ s: String) -> String {
    s.split(separator: "\n", omittingEmptySubsequences: false).sorted().joined(separator: "\n")
}

/// One parity case: the same arguments for both tools.
struct ParityCase {
    enum Mode {
        /// Both tools on one namespace (exact order compared).
        case readOnly
        /// Each tool on its own fresh copy of the table; outputs compared sorted, and
        /// the tables afterwards compared too.
        case modifying
    }
    enum Setup: Equatable { case empty, standard, custom(String) }
    /// What ours must produce when it deliberately differs (see IntendedDifferences.md).
    struct Intended {
        var status: Int32
        var stdout: String?
        var stderr: String?
    }
    var args: [String]
    var mode: Mode
    var setup: Setup = .standard
    var labels = false
    var stdin: String? = nil
    var intended: Intended? = nil
    var line: UInt = #line
}

/// The standard table, created by the real tool with `-R` (one process).
let standardTable = """
-I -p tcp -s 10.99.1.2 -d 10.99.2.2 --sport 40001 --dport 80 --state ESTABLISHED -u SEEN_REPLY,ASSURED -t 1000 -m 1
-I -p tcp -s 10.99.1.2 -d 10.99.2.3 --sport 40002 --dport 443 --state SYN_SENT -t 1000 -m 2
-I -p tcp -s 10.99.1.3 -d 10.99.2.2 --sport 40003 --dport 22 --state TIME_WAIT -u SEEN_REPLY -t 1000 -m 0x10
-I -p udp -s 10.99.1.3 -d 10.99.2.2 --sport 5000 --dport 53 -t 1000 -w 6
-I -p udp -s 10.99.1.4 -d 10.99.2.4 --sport 5001 --dport 53 -t 1000 -u SEEN_REPLY -m 2
-I -p icmp -s 10.99.1.2 -d 10.99.2.2 --icmp-type 8 --icmp-code 0 --icmp-id 77 -t 1000
-I -p tcp -s fd99:1::2 -d fd99:2::2 --sport 40004 --dport 22 --state ESTABLISHED -u SEEN_REPLY,ASSURED -t 1000
-I -p udp -s fd99:1::3 -d fd99:2::3 --sport 5002 --dport 53 -t 1000 -m 1
-I -p icmpv6 -s fd99:1::2 -d fd99:2::2 --icmpv6-type 128 --icmpv6-code 0 --icmpv6-id 5 -t 1000
-I -p sctp -s 10.99.1.5 -d 10.99.2.5 --sport 1000 --dport 2000 --state ESTABLISHED --orig-vtag 0 --reply-vtag 0 -t 1000
-I -p gre -s 10.99.1.6 -d 10.99.2.6 --srckey 1 --dstkey 2 -t 1000
-I -p udplite -s 10.99.1.7 -d 10.99.2.7 --sport 7 --dport 8 -t 1000
-I -p esp -s 10.99.1.8 -d 10.99.2.8 -t 1000
-I -p tcp -s 10.99.1.9 -d 10.99.3.1 --sport 1 --dport 80 --state ESTABLISHED -u SEEN_REPLY,ASSURED -t 1000 -g 10.99.2.9
-I -p tcp -s 10.99.1.10 -d 10.99.3.1 --sport 2 --dport 80 --state ESTABLISHED -t 1000 -n 10.99.5.5:7

"""

/// Runs parity cases and reports every mismatch.
final class ParityRunner {
    var failures: [String] = []
    var ran = 0

    func fill(_ ns: Namespace, _ setup: ParityCase.Setup, labels: Bool = false) {
        if labels {
            // Entries get the connlabel extension only once a rule in the netns uses `ct label`.
            _ = ns.run(["nft", "add", "table", "ip", "t"])
            _ = ns.run(["nft", "add chain ip t c { type filter hook prerouting priority 0; }"])
            _ = ns.run(["nft", "add", "rule", "ip", "t", "c", "ct", "label", "set", "1"])
        }
        let lines: String
        switch setup {
        case .empty: return
        case .standard: lines = standardTable
        case .custom(let l): lines = l
        }
        if labels {
            // conntrack-tools crashes on --label-add lines in -R files: one process per line.
            for l in lines.split(separator: "\n") {
                let r = ns.run([Tools.real] + l.split(separator: " ").map(String.init), labels: true)
                if r.status != 0 { failures.append("fill failed: \(r)") }
            }
            return
        }
        // Lines starting with "!" are shell commands run in the namespace first (sysctls).
        for l in lines.split(separator: "\n") where l.hasPrefix("!") {
            _ = ns.run(["sh", "-c", String(l.dropFirst())])
        }
        let r = ns.run([Tools.real, "-R", "-"], stdin: lines.split(separator: "\n").filter { !$0.hasPrefix("!") }.joined(separator: "\n") + "\n")
        if r.status != 0 { failures.append("fill failed: \(r)") }
    }

    func run(_ c: ParityCase) {
        ran += 1
        let label = "[line \(c.line)] conntrack " + c.args.joined(separator: " ")
        switch c.mode {
        case .readOnly:
            let ns = Namespace()
            defer { ns.remove() }
            fill(ns, c.setup, labels: c.labels)
            let real = ns.run([Tools.real] + c.args, stdin: c.stdin, labels: c.labels)
            let ours = ns.run([Tools.ours] + c.args, stdin: c.stdin, labels: c.labels)
            compare(label, real, ours, c, sorted: false)
        case .modifying:
            let a = Namespace(), b = Namespace()
            defer { a.remove(); b.remove() }
            fill(a, c.setup, labels: c.labels); fill(b, c.setup, labels: c.labels)
            let real = a.run([Tools.real] + c.args, stdin: c.stdin, labels: c.labels)
            let ours = b.run([Tools.ours] + c.args, stdin: c.stdin, labels: c.labels)
            compare(label, real, ours, c, sorted: true)
            if c.intended == nil {
                let ta = a.run([Tools.real, "-L", "-o", "extended"] + (c.labels ? ["-o", "labels"] : []), labels: c.labels)
                let tb = b.run([Tools.real, "-L", "-o", "extended"] + (c.labels ? ["-o", "labels"] : []), labels: c.labels)
                let la = sortedLines(mask(ta.stdout)), lb = sortedLines(mask(tb.stdout))
                if la != lb { failures.append("\(label): tables differ afterwards\nreal:\n\(la)\nours:\n\(lb)") }
            }
        }
    }

    func compare(_ label: String, _ real: RunResult, _ ours: RunResult, _ c: ParityCase, sorted: Bool) {
        let norm: (String) -> String = { sorted ? sortedLines(mask($0)) : mask($0) }
        if let i = c.intended {
            var ok = ours.status == i.status
            if let o = i.stdout { ok = ok && norm(ours.stdout) == norm(o) }
            if let e = i.stderr { ok = ok && mask(ours.stderr) == mask(e) }
            if !ok { failures.append("\(label) (intended difference): ours\n\(ours)\nexpected exit \(i.status) stdout \(i.stdout ?? "-") stderr \(i.stderr ?? "-")\n(real: \(real))") }
            return
        }
        if real.status != ours.status || norm(real.stdout) != norm(ours.stdout) || mask(real.stderr) != mask(ours.stderr) {
            failures.append("\(label)\n=== real: \(real)\n=== ours: \(ours)")
        }
    }
}
