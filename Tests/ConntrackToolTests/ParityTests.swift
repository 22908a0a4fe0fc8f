import Foundation
import XCTest

/// Side-by-side runs of the real `conntrack` (conntrack-tools 1.4.7) and ours on the
/// same namespace's table: stdout, stderr and exit status must match after masking
/// ticking timeouts, ids and timestamps.
final class ParityTests: XCTestCase {
    func runCases(_ cases: [ParityCase]) throws {
        try XCTSkipUnless(Tools.available, "needs root, /usr/sbin/conntrack and a built .build/debug/conntrack")
        let runner = ParityRunner()
        for c in cases { runner.run(c) }
        for f in runner.failures { XCTFail(f) }
        print("parity: \(runner.ran) cases, \(runner.failures.count) failures")
    }

    func testParseErrorsUsageAndVersion() throws { try runCases(parseCases) }
    func testReadCommands() throws { try runCases(readCases) }
    func testModifyingCommands() throws { try runCases(modifyCases) }
    func testExpectations() throws { try runCases(expectationCases) }
    func testAccountingAndTimestamps() throws { try runCases(accountingCases) }
    func testLabelsAndLoadFiles() throws { try runCases(labelAndLoadCases) }
    func testIntendedDifferences() throws { try runCases(intendedCases) }
}
