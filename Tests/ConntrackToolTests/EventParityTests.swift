import Foundation
import XCTest

/// A background process writing to temp files, stopped with a signal.
final class Background {
    let p = Process()
    let base = NSTemporaryDirectory() + "ctcli-bg-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    init(_ argv: [String]) {
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        FileManager.default.createFile(atPath: base + ".out", contents: nil)
        FileManager.default.createFile(atPath: base + ".err", contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        p.standardError = FileHandle(forWritingAtPath: base + ".err")
        p.standardInput = FileHandle.nullDevice
        try? p.run()
    }
    func stop(signal: Int32 = SIGINT) -> RunResult {
        kill(p.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(10)
        while p.isRunning && Date() < deadline { usleep(2000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        let status = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
        let out = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
        for s in [".out", ".err"] { try? FileManager.default.removeItem(atPath: base + s) }
        return RunResult(stdout: out, stderr: err, status: status)
    }
}

/// `-E` parity: both tools listen in the same namespace while the real tool creates,
/// updates and deletes entries; then both get SIGINT (or SIGTERM).
final class EventParityTests: XCTestCase {
    /// What happens while both listen (run by the real tool, one line each).
    static let generator: [[String]] = [
        ["-I", "-p", "tcp", "-s", "10.98.0.1", "-d", "10.98.0.2", "--sport", "1", "--dport", "80", "--state", "SYN_SENT", "-t", "100"],
        ["-I", "-p", "udp", "-s", "10.98.0.1", "-d", "10.98.0.3", "--sport", "2", "--dport", "53", "-t", "100", "-m", "3"],
        ["-I", "-p", "icmp", "-s", "10.98.0.1", "-d", "10.98.0.4", "--icmp-type", "8", "--icmp-code", "0", "--icmp-id", "4", "-t", "100"],
        ["-I", "-p", "udp", "-s", "fd98::1", "-d", "fd98::2", "--sport", "5", "--dport", "6", "-t", "100"],
        ["-U", "-p", "tcp", "-s", "10.98.0.1", "-d", "10.98.0.2", "--sport", "1", "-m", "9"],
        ["-U", "-p", "tcp", "-s", "10.98.0.1", "-d", "10.98.0.2", "--sport", "1", "-u", "ASSURED"],
        ["-D", "-p", "udp"],
        ["-D", "-p", "icmp"],
    ]

    /// Both tools listen with `args` in one fresh namespace while `scenario` runs; then
    /// both get `signal`.
    func listen(_ args: [String], signal: Int32 = SIGINT, scenario: EventScenario = .flows)
        -> (real: RunResult, ours: RunResult) {
        let ns = Namespace()
        defer { ns.remove() }
        scenario.prepare(ns)
        let real = Background(["ip", "netns", "exec", ns.name, Tools.real] + args)
        let ours = Background(["ip", "netns", "exec", ns.name, Tools.ours] + args)
        usleep(400_000)
        scenario.generate(ns)
        usleep(400_000)
        return (real.stop(signal: signal), ours.stop(signal: signal))
    }

    /// `nil` when ours matches the real tool (or the intended difference), else the report.
    func compareEvents(_ label: String, _ r: RunResult, _ o: RunResult, intended: ParityCase.Intended? = nil) -> String? {
        if let i = intended {
            if o.status != i.status || (i.stdout != nil && mask(o.stdout) != mask(i.stdout!))
                || (i.stderr != nil && mask(o.stderr) != mask(i.stderr!)) {
                return "\(label) (intended difference): ours\n\(o)\n(real: \(r))"
            }
            return nil
        }
        if r.status != o.status || mask(r.stdout) != mask(o.stdout) || mask(r.stderr) != mask(o.stderr) {
            return "\(label)\n=== real: \(r)\n=== ours: \(o)"
        }
        return nil
    }

    func runEventCase(_ args: [String], signal: Int32 = SIGINT, intended: ParityCase.Intended? = nil,
                      line: UInt = #line) -> String? {
        let (r, o) = listen(args, signal: signal)
        return compareEvents("[line \(line)] conntrack " + args.joined(separator: " "), r, o, intended: intended)
    }

    static let cases: [[String]] = [
        ["-E"], ["--event"], ["-E", "-o", "xml"], ["-E", "-o", "extended"], ["-E", "-o", "id"], ["-E", "-o", "save"],
        ["-E", "-o", "timestamp"], ["-E", "-o", "xml,timestamp"], ["-E", "-o", "userspace"], ["-E", "-e", "NEW"],
        ["-E", "-e", "UPDATES"], ["-E", "-e", "DESTROY"], ["-E", "-e", "NEW,DESTROY"], ["-E", "-e", "ALL"],
        ["-E", "-e", "D"], ["-E", "-p", "tcp"], ["-E", "-p", "icmp"], ["-E", "-f", "ipv6"], ["-E", "-s", "10.98.0.1"],
        ["-E", "-m", "3"], ["-E", "-d", "10.98.0.0/24"], ["-E", "-p", "udp", "--dport", "53"], ["-E", "-n"],
        ["-E", "-o", "extended,id"], ["-E", "conntrack"], ["-E", "expect"], ["-E", "expect", "-o", "xml"],
        ["-E", "-w", "0"],
    ]

    func testEvents() throws {
        try XCTSkipUnless(Tools.available, "needs root, /usr/sbin/conntrack and a built .build/debug/conntrack")
        var failures = 0
        for c in EventParityTests.cases {
            if let f = runEventCase(c) { XCTFail(f); failures += 1 }
        }
        if let f = runEventCase(["-E"], signal: SIGTERM) { XCTFail(f); failures += 1 }
        print("event parity: \(EventParityTests.cases.count + 1) cases, \(failures) failures")
    }

    /// 13.13: `-b` applies to the event socket; the NOTICE reports the size it really has.
    func testBufferSizeAppliesToEventSocket() throws {
        try XCTSkipUnless(Tools.available, "needs root")
        let r = runEventCase(["-E", "-b", "1048576"], intended: .init(status: 0, stdout: nil,
            stderr: "NOTICE: Netlink socket buffer size has been set to 2097152 bytes.\nconntrack v1.4.7 (conntrack-tools): 9 flow events have been shown.\n"))
        if let r { XCTFail(r) }
    }

    // MARK: - Expectation events (FTP helper, -I/-D/-F expect)

    /// `-E expect` while `EventScenario.ftp` runs.
    static let expectationCases: [[String]] = [
        ["-E", "expect"], ["--event", "expect"], ["-E", "e"], ["-E", ""], ["-E", "expect", "-o", "xml"],
        ["-E", "expect", "-o", "timestamp"], ["-E", "expect", "-o", "xml,timestamp"], ["-E", "expect", "-o", "id"],
        ["-E", "expect", "-o", "extended"], ["-E", "expect", "-o", "save"], ["-E", "expect", "-o", "userspace"],
        ["-E", "expect", "-o", "ktimestamp"], ["-o", "xml", "-E", "expect"],
    ]

    /// Options conntrack-tools 1.4.7 refuses with `-E expect` (only `-o` is legal there):
    /// ``Illegal option `--event-mask' with this command``, exit 2, even while events happen.
    static let refusedExpectationCases: [[String]] = [
        ["-E", "expect", "-e", "NEW"], ["-E", "expect", "-e", "DESTROY"], ["-E", "expect", "-p", "tcp"],
        ["-E", "expect", "-f", "ipv6"], ["-E", "expect", "-s", "127.0.0.1"], ["-E", "expect", "-b", "1048576"],
    ]

    /// Flow events (`-E`) while the FTP helper works: `helper=ftp` masters, the RELATED data connection.
    static let ftpFlowCases: [[String]] = [
        ["-E"], ["-E", "-o", "xml"], ["-E", "-o", "extended,id"], ["-E", "-e", "NEW"], ["-E", "-o", "save"],
        ["-E", "-f", "ipv6"],
    ]

    /// What the real tool's `-E expect` output must show, or `nil`: NEW and DESTROY events,
    /// including the IPv6 session, the DNAT session and the `-I expect` one (`proto=19`).
    func missingExpectationEvents(_ r: RunResult, xml: Bool) -> String? {
        let needles = xml
            ? ["<flow type=\"new\">", "<flow type=\"destroy\">", "<dport>50002</dport>", "<dst>127.0.0.2</dst>",
               "<layer4 protonum=\"19\""]
            : ["    [NEW] ", "[DESTROY] ", "dport=50002", "dst=127.0.0.2", "proto=19 "]
        let missing = needles.filter { !r.stdout.contains($0) }
        if r.status != 0 || !missing.isEmpty {
            return "the real tool did not show the scenario's expectation events (missing \(missing)):\n\(r)"
        }
        return nil
    }

    /// conntrack-tools prints the `-o timestamp` prefix of expectation events with
    /// `[%-8ld.%-6ld]`: microseconds left-justified and padded with spaces, never with zeros
    /// (flow events zero-pad them). Every line of `out` must have that shape.
    func badExpectationTimestamps(_ out: String) -> [String] {
        let re = try! NSRegularExpression(pattern: #"^\[\d{8,}\.(?=[0-9 ]{6}\]\t)(0|[1-9]\d{0,5}) *\]\t"#)
        return out.split(separator: "\n").map(String.init).filter {
            re.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) == nil
        }
    }

    func testExpectationEvents() throws {
        try XCTSkipUnless(Tools.available, "needs root, /usr/sbin/conntrack, nft, python3 and a built .build/debug/conntrack")
        var ran = 0, failures = 0
        func fail(_ s: String) { XCTFail(s); failures += 1 }
        for (c, signal) in EventParityTests.expectationCases.map({ ($0, SIGINT) })
            + [(["-E", "expect"], SIGTERM), (["-E", "expect", "-o", "xml"], SIGTERM)] {
            ran += 1
            let label = "conntrack " + c.joined(separator: " ") + (signal == SIGTERM ? " (SIGTERM)" : "")
            let (r, o) = listen(c, signal: signal, scenario: .ftp)
            let xml = c.contains { $0.contains("xml") }
            if let m = missingExpectationEvents(r, xml: xml) { fail(label + ": " + m); continue }
            if let f = compareEvents(label, r, o) { fail(f) }
            if c.contains("timestamp") && !xml {
                let badReal = badExpectationTimestamps(r.stdout), badOurs = badExpectationTimestamps(o.stdout)
                if !badReal.isEmpty { fail("\(label): real timestamp prefixes not as documented: \(badReal)") }
                if !badOurs.isEmpty { fail("\(label): our timestamp prefixes: \(badOurs)") }
            }
        }
        for c in EventParityTests.refusedExpectationCases {
            ran += 1
            let label = "conntrack " + c.joined(separator: " ")
            let (r, o) = listen(c, scenario: .ftp)
            if r.status != 2 || !r.stderr.contains("Illegal option") {
                fail("\(label): the real tool no longer refuses it:\n\(r)"); continue
            }
            if let f = compareEvents(label, r, o) { fail(f) }
        }
        print("expectation event parity: \(ran) cases, \(failures) failures")
    }

    func testFlowEventsAroundTheFTPHelper() throws {
        try XCTSkipUnless(Tools.available, "needs root, /usr/sbin/conntrack, nft, python3 and a built .build/debug/conntrack")
        var failures = 0
        for c in EventParityTests.ftpFlowCases {
            let label = "conntrack " + c.joined(separator: " ") + " (FTP helper)"
            let (r, o) = listen(c, scenario: .ftp)
            if r.status != 0 || !r.stdout.contains("21") {
                XCTFail("\(label): the real tool showed no FTP flow events:\n\(r)"); failures += 1; continue
            }
            if let f = compareEvents(label, r, o) { XCTFail(f); failures += 1 }
        }
        print("FTP flow event parity: \(EventParityTests.ftpFlowCases.count) cases, \(failures) failures")
    }
}
