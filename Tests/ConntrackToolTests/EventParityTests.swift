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

    func runEventCase(_ args: [String], signal: Int32 = SIGINT, intended: ParityCase.Intended? = nil,
                      line: UInt = #line) -> String? {
        let ns = Namespace()
        defer { ns.remove() }
        let real = Background(["ip", "netns", "exec", ns.name, Tools.real] + args)
        let ours = Background(["ip", "netns", "exec", ns.name, Tools.ours] + args)
        usleep(400_000)
        for g in EventParityTests.generator { _ = ns.run([Tools.real] + g) }
        usleep(400_000)
        let r = real.stop(signal: signal), o = ours.stop(signal: signal)
        let label = "[line \(line)] conntrack " + args.joined(separator: " ")
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
}
