import Foundation
import XCTest

/// `-o json` (new): every line is one JSON object whose fields agree with what the real
/// tool prints for the same table.
final class JSONOutputTests: XCTestCase {
    func testEveryLineIsAnObjectMatchingTheRealTool() throws {
        try XCTSkipUnless(Tools.available, "needs root, /usr/sbin/conntrack and a built .build/debug/conntrack")
        let ns = Namespace()
        defer { ns.remove() }
        XCTAssertEqual(ns.run([Tools.real, "-R", "-"], stdin: standardTable).status, 0)
        let json = ns.run([Tools.ours, "-L", "-o", "json"])
        let save = ns.run([Tools.real, "-L", "-o", "save"])
        XCTAssertEqual(json.status, 0)
        let lines = json.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, save.stdout.split(separator: "\n").count)
        var sources = Set<String>()
        for l in lines {
            let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any], String(l))
            let orig = try XCTUnwrap(obj["original"] as? [String: Any])
            XCTAssertNotNil(obj["reply"] as? [String: Any])
            XCTAssertNotNil(obj["protonum"] as? Int)
            sources.insert("\(orig["src"]!) \(orig["dst"]!) \(obj["protocol"]!)")
        }
        // Same set of (src, dst, protocol) as the real tool's save lines.
        var expected = Set<String>()
        for l in save.stdout.split(separator: "\n") {
            let w = l.split(separator: " ")
            func arg(_ k: String) -> String { w.firstIndex(of: Substring(k)).map { String(w[$0 + 1]) } ?? "" }
            var p = arg("-p")
            if p == "50" { p = "unknown" }
            expected.insert("\(arg("-s")) \(arg("-d")) \(p)")
        }
        XCTAssertEqual(sources, expected)
        XCTAssertEqual(json.stderr, "conntrack v1.4.7 (conntrack-tools): \(lines.count) flow entries have been shown.\n")
    }
}
