import ConntrackTestSupport
import Foundation
import XCTest

/// Malformed command lines (Inputs/hostile-invocations.txt, one per line) must fail exactly
/// like conntrack-tools 1.4.7: same exit status, same standard error. Both run inside one
/// throwaway network namespace (flushed between cases), under `timeout 10`, each as argv[0]
/// "conntrack" (conntrack-tools prints argv[0] in some messages).
final class HostileInvocationTests: XCTestCase {
    struct Outcome: Equatable { var status: Int32; var stderr: String }

    static func cases() throws -> [(line: String, args: [String], known: Bool)] {
        let text = try String(contentsOf: Paths.inputs.appendingPathComponent("hostile-invocations.txt"), encoding: .utf8)
        return text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }
            .map { line in
                let known = line.hasPrefix("! ")
                let l = known ? String(line.dropFirst(2)) : line
                return (l, l == "(empty)" ? [] : splitArguments(l), known)
            }
    }

    /// Directories holding a `conntrack` link to each binary, so argv[0] is the same word.
    static func linkDirectory(_ name: String, to binary: String) throws -> String {
        let dir = NSTemporaryDirectory() + "harden-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/conntrack", withDestinationPath: binary)
        return dir
    }

    static func outcome(_ ns: NetworkNamespace, _ dir: String, _ args: [String]) throws -> Outcome {
        let r = try ns.run(["env", "PATH=\(dir):/usr/sbin:/usr/bin:/sbin:/bin", "timeout", "10", "conntrack"] + args)
        return Outcome(status: r.status, stderr: r.stderr)
    }

    func testMalformedInvocationsMatchConntrackTools() throws {
        try requireBothTools()
        let cases = try Self.cases()
        XCTAssertGreaterThanOrEqual(cases.count, 100)
        let ref = try Self.linkDirectory("ref", to: Paths.referenceConntrack)
        let ours = try Self.linkDirectory("ours", to: Paths.ourConntrack)
        let ns = try NetworkNamespace(prefix: "ctk-harden")
        defer { ns.remove() }
        var mismatches: [String] = []
        for c in cases {
            _ = try ns.run([Paths.referenceConntrack, "-F"])
            let expected = try Self.outcome(ns, ref, c.args)
            _ = try ns.run([Paths.referenceConntrack, "-F"])
            let got = try Self.outcome(ns, ours, c.args)
            if c.known {
                if got == expected { mismatches.append("conntrack \(c.line)\n  now matches: remove its \"!\" marker") }
                continue
            }
            if got != expected {
                mismatches.append("""
                    conntrack \(c.line)
                      conntrack-tools: exit \(expected.status): \(expected.stderr.debugDescription)
                      ours:            exit \(got.status): \(got.stderr.prefix(300).debugDescription)
                    """)
            }
            // Whatever the message, a malformed command never crashes (signals show as 128+n).
            XCTAssertLessThan(got.status, 124, "conntrack \(c.line) crashed or hung: \(got.stderr.prefix(300))")
        }
        let report = "\(mismatches.count) of \(cases.count) malformed invocations differ from conntrack-tools:\n"
            + mismatches.joined(separator: "\n")
        if let path = ProcessInfo.processInfo.environment["HARDEN_REPORT"] {
            try? report.write(toFile: path, atomically: true, encoding: .utf8)
        }
        XCTAssertTrue(mismatches.isEmpty, report)
    }
}
