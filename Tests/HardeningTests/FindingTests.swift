import ConntrackTestSupport
import Foundation
import XCTest

/// Replays of the crashing inputs the fuzzers found (RELIABILITY.md, "Findings"). Both are
/// fixed; these keep them fixed (a regression traps the test process).
final class FindingTests: XCTestCase {
    func input(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: Paths.inputs.appendingPathComponent(name)))
    }

    /// F1 (fuzz-netlink): an NLMSG_ERROR whose error field is INT32_MIN traps in
    /// `NetlinkMessage.errorNumber` (`-payload.loadUnaligned(as: Int32.self)` overflows).
    /// Fixed: `0 &- value`.
    func testF1NetlinkErrorNumberInt32Min() throws {
        let bytes = try input("netlink-error-int32-min.bin")
        _ = FuzzHarness.netlink(bytes, checkErrorNumber: true)
    }

    /// F2 (fuzz-cli): `conntrack -<combining mark>` (e.g. "-\u{651}") traps in
    /// `GetoptLong.next` (Getopt.swift:81, `nextchar!.utf8.first!`): the option word is
    /// stepped through by Character, and "-" plus a combining mark is a single Character, so
    /// `word.dropFirst(1)` is empty. conntrack-tools exits 2 with "unknown option".
    /// Fix: walk option words by UTF-8 bytes (`word.utf8.dropFirst(1)`, likewise for "--").
    func testF2CombiningMarkOptionInProcess() throws {
        let r = FuzzHarness.cli(try input("cli-getopt-combining-mark.bin"))
        XCTAssertEqual(r.status, 2, r.stderr)
    }

    /// F2 through the real binaries: same exit status as conntrack-tools.
    func testF2CombiningMarkOptionMatchesConntrackTools() throws {
        try requireBothTools()
        let ns = try NetworkNamespace(prefix: "ctk-harden")
        defer { ns.remove() }
        for arg in ["-\u{651}", "-\u{312}", "-L\u{301}", "--\u{651}"] {
            let expected = try ns.run([Paths.referenceConntrack, arg])
            let got = try ns.run([Paths.ourConntrack, arg])
            XCTAssertEqual(got.status, expected.status, "\(arg.unicodeScalars.map { String($0.value, radix: 16) }): \(got.stderr.prefix(200))")
        }
    }
}
