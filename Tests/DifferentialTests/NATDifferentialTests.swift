import Foundation
import XCTest
import ConntrackTestSupport
import Conntrack

/// The NAT and stateful-filtering differential suite: per scenario R loads the
/// scenario's ruleset file with `nft -f` and the engine's `Firewall` parses the same
/// file; the packets entering and leaving R are captured and compared with what the
/// engine forwards, then tables (reply tuples, status bits), events, rule counters and
/// statistics. `DIFF_ONLY` / `DIFF_VERBOSE` as in `DifferentialTests`.
final class NATDifferentialTests: XCTestCase {
    static let shared = SharedTopology(label: "NAT differential summary")

    override class func setUp() {
        super.setUp()
        shared.build { try Topology(prefix: "dn") }
    }

    override class func tearDown() {
        shared.finish()
        super.tearDown()
    }

    func topologyOrSkip() throws -> Topology { try NATDifferentialTests.shared.topologyOrSkip() }

    func testSNAT() throws { try run(NATScenarios.snat) }
    func testDNATMasqueradeRedirect() throws { try run(NATScenarios.dnat + NATScenarios.masquerade + NATScenarios.redirect) }
    func testNATClashesAndICMP() throws { try run(NATScenarios.clashes + NATScenarios.icmp) }
    func testNATProtocolsAndIPv6() throws { try run(NATScenarios.protocols + NATScenarios.ipv6) }
    func testFragmentsThroughTheRouter() throws { try run(NATScenarios.fragments) }
    func testFTPHelperThroughNAT() throws { try run(HelperScenarios.all) }
    func testStatefulFilter() throws { try run(FilterScenarios.all) }
    func testMasqueradeSourceAddress() throws { try run(SourceAddressScenarios.all) }
    func testLocallyGenerated() throws { try run(LocalScenarios.all) }

    /// Scenario names are unique and there are enough of them (the issue asks for 40).
    func testCatalogue() {
        let all = NATScenarios.all + FilterScenarios.all + HelperScenarios.all + SourceAddressScenarios.all
            + LocalScenarios.all
        XCTAssertEqual(Set(all.map(\.name)).count, all.count, "duplicate scenario names")
        XCTAssertGreaterThanOrEqual(all.count, 40)
        for s in all {
            if let p = s.path { XCTAssertEqual(p.count, s.steps.count, "\(s.name): path has one mark per packet") }
        }
    }

    /// The comparison can fail: the kernel runs a scenario, the engine the same packets
    /// with a different NAT address (bytes and reply tuples must differ) or a port range
    /// next to the kernel's (the random-port check must object).
    func testDivergenceIsDetected() throws {
        let topo = try topologyOrSkip()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dfN-\(getpid())-div")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, from, to, expected) in [
            ("snat.single_address", "10.88.2.200", "10.88.2.201", ["forwarded bytes differ", "reply tuple"]),
            ("masq.to_ports", ":30000-30099", ":30100-30199", ["outside 30000...30099"]),
        ] {
            guard let s = NATScenarios.all.first(where: { $0.name == name }) else { return XCTFail("scenario \(name) is gone") }
            let path = dir.appendingPathComponent("\(name).nft").path
            try s.ruleset.write(toFile: path, atomically: true, encoding: .utf8)
            let k = try topo.observeNAT(s, rulesetPath: path)
            let other = s.ruleset.replacingOccurrences(of: from, with: to)
            XCTAssertNotEqual(other, s.ruleset)
            let e = try runNATEngine(s, rulesetText: other, rulesetPath: path, kernel: k)
            let diffs = NATComparison.all(s, kernel: k, engine: e)
            for x in expected { XCTAssertTrue(diffs.contains { $0.contains(x) }, "\(name): no '\(x)' in \(diffs)") }
        }
    }

    func run(_ scenarios: [NATScenario], file: StaticString = #filePath, line: UInt = #line) throws {
        let topo = try topologyOrSkip()
        let only = ProcessInfo.processInfo.environment["DIFF_ONLY"]
        let verbose = ProcessInfo.processInfo.environment["DIFF_VERBOSE"] != nil
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dfN-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for s in scenarios where only == nil || s.name.hasPrefix(only!) {
            let path = dir.appendingPathComponent("\(s.name).nft").path
            try s.ruleset.write(toFile: path, atomically: true, encoding: .utf8)
            let k: NATKernelObservation
            do { k = try topo.observeNAT(s, rulesetPath: path) } catch {
                XCTFail("[\(s.name)] kernel run failed: \(error)", file: file, line: line)
                NATDifferentialTests.shared.results.append((s.name, false))
                continue
            }
            if verbose {
                print("== \(s.name): \(k.packets.count) packets")
                for (i, p) in k.packets.enumerated() {
                    print("   #\(i + 1) \(p.fromRouter ? "sent by R" : "in \(p.side)") \(NATComparison.describe(p.input))"
                          + p.outputs.map { " -> \($0.interface) \(NATComparison.describe($0.bytes))" }.joined())
                }
                for f in k.flows { print("   table: \(NATComparison.describe(f))") }
                for (key, c) in k.counters.sorted(by: { $0.key.description < $1.key.description }) {
                    print("   counter \(key): \(c.packets) \(c.bytes)")
                }
            }
            checkExpectations(s, k, file: file, line: line)
            compare(s, k, rulesetPath: path, file: file, line: line)
        }
    }

    /// What the reference predicts the kernel does (so a scenario that stops testing its
    /// case is noticed).
    func checkExpectations(_ s: NATScenario, _ k: NATKernelObservation, file: StaticString, line: UInt) {
        if k.packets.count != s.steps.count {
            XCTFail("[\(s.name)] R received \(k.packets.count) packets, the scenario sent \(s.steps.count)", file: file, line: line)
        }
        if let expect = s.expect {
            let got = k.flows.map(natSummary).sorted()
            if got != expect.sorted() {
                XCTFail("[\(s.name)] the kernel did not do what the scenario claims: expected \(expect.sorted()), kernel has "
                        + "\(got)\n" + k.flows.map { "  " + NATComparison.describe($0) }.joined(separator: "\n"),
                        file: file, line: line)
            }
        }
        if let path = s.path {
            let got = String(k.packets.map { $0.outputs.isEmpty ? "x" : ">" })
            if got != path {
                XCTFail("[\(s.name)] the kernel forwarded \(got), the scenario claims \(path)", file: file, line: line)
            }
        }
    }

    func compare(_ s: NATScenario, _ k: NATKernelObservation, rulesetPath: String, file: StaticString, line: UInt) {
        var diffs: [String]
        do {
            let e = try runNATEngine(s, rulesetText: s.ruleset, rulesetPath: rulesetPath, kernel: k)
            diffs = NATComparison.all(s, kernel: k, engine: e)
            if ProcessInfo.processInfo.environment["DIFF_VERBOSE"] != nil {
                for (kp, ep) in e.endpoints.kernelToEngine { print("   random choice: kernel \(kp), engine \(ep)") }
            }
        } catch {
            diffs = ["engine run failed: \(error)"]
        }
        let known = KnownDivergences.reasons[s.name]
        NATDifferentialTests.shared.results.append((s.name, diffs.isEmpty))
        switch (diffs.isEmpty, known) {
        case (true, nil): break
        case (false, nil):
            XCTFail("[\(s.name)] engine differs from the kernel:\n  " + diffs.joined(separator: "\n  "), file: file, line: line)
        case (true, let reason?):
            XCTFail("[\(s.name)] now agrees with the kernel: remove it from KnownDivergences (was: \(reason))",
                    file: file, line: line)
        case (false, let reason?):
            print("[\(s.name)] known divergence (\(reason)):\n  " + diffs.joined(separator: "\n  "))
        }
    }
}
