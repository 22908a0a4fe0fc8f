import Foundation
import XCTest
@testable import ConntrackRuleset

/// Hostile input never crashes or hangs the parser: it parses or throws, and an error points
/// inside the input.
final class RobustnessTests: XCTestCase {
    private func check(_ text: String, _ what: @autoclosure () -> String) {
        let lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
        do {
            _ = try Ruleset.parse(text, file: "cut.nft")
        } catch {
            XCTAssertGreaterThanOrEqual(error.location.line, 1, what())
            XCTAssertLessThanOrEqual(error.location.line, lines + 1, what())
            XCTAssertGreaterThanOrEqual(error.location.column, 1, what())
            XCTAssertFalse(error.message.isEmpty, what())
        }
    }

    /// The `ruleset` fuzz target's seeds (and any finding added to them) parse or throw.
    func testFuzzCorpusReplays() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Fuzz/Corpus/ruleset").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertFalse(files.isEmpty)
        for f in files {
            let data = try Data(contentsOf: dir.appendingPathComponent(f))
            check(String(decoding: data, as: UTF8.self), f)
            // The samples are valid; the seeds named invalid-* are not.
            let valid = (try? Ruleset.parse(String(decoding: data, as: UTF8.self), file: f)) != nil
            XCTAssertEqual(valid, !f.hasPrefix("invalid-"), f)
        }
    }

    func testTruncationAtEveryByte() {
        for (name, text) in Samples.all {
            let bytes = Array(text.utf8)
            for cut in 0...bytes.count {
                check(String(decoding: bytes[0..<cut], as: UTF8.self), "\(name) cut at \(cut)")
            }
        }
    }

    func testRandomMutations() {
        // A fixed-seed generator: the same mutations every run.
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        let alphabet = Array("{}[]();,:/-=!<>&|^$@*.\"#\\ \t\n0123456789abcdefx".utf8)
        for (name, text) in Samples.all {
            let original = Array(text.utf8)
            for i in 0..<300 {
                var b = original
                for _ in 0..<(1 + Int(next() % 4)) {
                    guard !b.isEmpty else { break }
                    let at = Int(next() % UInt64(b.count))
                    switch next() % 3 {
                    case 0: b[at] = alphabet[Int(next() % UInt64(alphabet.count))]
                    case 1: b.remove(at: at)
                    default: b.insert(alphabet[Int(next() % UInt64(alphabet.count))], at: at)
                    }
                }
                check(String(decoding: b, as: UTF8.self), "\(name) mutation \(i)")
            }
        }
    }

    func testPathologicalInputs() {
        check(String(repeating: "{", count: 100_000), "open braces")
        check("table ip t { chain c { type filter hook input priority 0; tcp dport " + String(repeating: "{ ", count: 50_000),
              "nested sets")
        check(String(repeating: "a:", count: 50_000), "colons")
        check(String(repeating: "1.", count: 50_000), "dots")
        check("\"" + String(repeating: "x", count: 100_000), "unterminated string")
        check(String(repeating: "\\\n", count: 10_000), "continuations")
        check("table ip t { chain c { type filter hook input priority 0; ip saddr " + String(repeating: "1", count: 10_000),
              "long number")
        check("table ip t { chain c { type filter hook input priority 18446744073709551615; } }", "huge priority")
        check("table ip t { chain c { type filter hook input priority filter + 18446744073709551615; } }", "huge offset")
        check("table ip t { chain c { counter packets 99999999999999999999 } }", "overflowing number")
        check("\u{0}\u{1}\u{ff}é€", "binary")
        // Definitions that double at each level stop at the expansion limit instead of
        // growing for ever.
        var doubling = "define a0 = { 1, 2 }\n"
        for i in 1..<40 { doubling += "define a\(i) = { $a\(i - 1), $a\(i - 1) }\n" }
        check(doubling, "doubling defines")
        // Long jump chains and loops are walked without recursion.
        var ladder = "table ip t {\n chain c0 { type filter hook input priority 0; jump c1; }\n"
        for i in 1..<5000 { ladder += " chain c\(i) { jump c\(i + 1); }\n" }
        ladder += " chain c5000 { jump c1; }\n}\n"
        check(ladder, "long jump loop")
    }
}
