import Foundation
import XCTest
import ConntrackTestSupport
import Conntrack

/// The differential suite: every scenario runs through a router namespace whose kernel
/// tracks it; the kernel's table and events are then compared with the userspace
/// engine fed the very packets the router received.
///
/// `DIFF_ONLY=tcp.rst` (a name prefix) runs only matching scenarios;
/// `DIFF_VERBOSE=1` prints the kernel's lines for each scenario.
final class DifferentialTests: XCTestCase {
    static let shared = SharedTopology(label: "Differential summary")

    override class func setUp() {
        super.setUp()
        shared.build { try Topology() }
    }

    override class func tearDown() {
        shared.finish()
        super.tearDown()
    }

    func topologyOrSkip() throws -> Topology { try DifferentialTests.shared.topologyOrSkip() }

    func testTCP() throws { try runScenarios(TCPScenarios.all) }
    func testUDP() throws { try runScenarios(UDPScenarios.all) }
    func testICMP() throws { try runScenarios(ICMPScenarios.all) }
    func testSCTPGREGenericFragments() throws { try runScenarios(OtherScenarios.all) }

    /// Real traffic (ping, HTTP, nc, UDP, an ICMP error, one invalid packet) captured
    /// with tcpdump in R.
    func testRealTraffic() throws {
        let topo = try topologyOrSkip()
        var attempt = 0
        var obs: KernelObservation
        while true {
            do { obs = try topo.observeRealTraffic(); break } catch let e as CaptureIncomplete {
                attempt += 1
                if attempt == 3 { throw e }
            }
        }
        XCTAssertGreaterThan(obs.packets.count, 30, "tcpdump in R captured too little")
        let summaries = obs.table.map(\.summary)
        XCTAssertEqual(summaries.filter { $0 == "tcp TIME_WAIT assured" }.count, 4, "\(obs.table.map(\.line))")
        XCTAssertTrue(summaries.contains("udp unreplied"), "port-unreachable flow missing: \(summaries)")
        if ProcessInfo.processInfo.environment["DIFF_VERBOSE"] != nil {
            for e in obs.table { print("   table: \(e.line)") }
        }
        compareWithEngine("real_traffic", knobs: [], obs, realTraffic: true)
    }

    /// Feeds the packets R received to the engine and compares table and events;
    /// scenarios listed in `KnownDivergences` must still differ.
    /// `realTraffic`: packets from real stacks (checksums not re-verified by R, both
    /// directions processed concurrently: see `runEngine` and `Comparison.events`).
    func compareWithEngine(_ name: String, knobs: [KnobSetting], _ obs: KernelObservation, realTraffic: Bool = false,
                           file: StaticString = #filePath, line: UInt = #line) {
        let engine: EngineObservation
        do {
            engine = try runEngine(knobs: knobs, packets: obs.packets, listedAt: obs.listedAt, checksumsVerified: realTraffic)
        } catch {
            XCTFail("[\(name)] engine run failed: \(error)", file: file, line: line)
            return
        }
        var diffs = Comparison.tables(kernel: obs.table, engine: engine.flows)
            + Comparison.events(kernel: obs.events, engine: engine.events, concurrent: realTraffic)
            + Comparison.counts(kernelStates: obs.states, kernelStatistics: obs.statistics, engine: engine)
        if !diffs.isEmpty {
            // The engine's verdict per packet (`#n state(reason)`), invalid ones only for long runs.
            let verdicts = engine.verdicts.enumerated().compactMap { (i, v) -> String? in
                if obs.packets.count > 40 && v.state != .invalid { return nil }
                return "#\(i + 1) \(v.state)" + (v.reason == .none ? "" : "(\(v.reason))")
            }
            diffs.append("engine verdicts: " + verdicts.joined(separator: ", "))
        }
        let known = KnownDivergences.reasons[name]
        DifferentialTests.shared.results.append((name, diffs.isEmpty))
        switch (diffs.isEmpty, known) {
        case (true, nil): break
        case (false, nil):
            XCTFail("[\(name)] engine differs from the kernel:\n  " + diffs.joined(separator: "\n  "), file: file, line: line)
        case (true, let reason?):
            XCTFail("[\(name)] now agrees with the kernel: remove it from KnownDivergences (was: \(reason))",
                    file: file, line: line)
        case (false, let reason?):
            print("[\(name)] known divergence (\(reason)):\n  " + diffs.joined(separator: "\n  "))
        }
    }

    /// The live comparison can fail: the kernel runs a scenario with `tcp_loose=0`, the
    /// engine replays it with the default `tcp_loose=1` and must be reported different.
    func testDivergenceIsDetected() throws {
        let topo = try topologyOrSkip()
        guard let s = TCPScenarios.all.first(where: { $0.name == "tcp.pickup_strict" }) else {
            return XCTFail("scenario tcp.pickup_strict is gone")
        }
        let obs = try topo.observe(s)
        XCTAssertEqual(obs.table.count, 0, "the kernel with tcp_loose=0 must not pick the connection up")
        let engine = try runEngine(knobs: [], packets: obs.packets, listedAt: obs.listedAt)
        let diffs = Comparison.tables(kernel: obs.table, engine: engine.flows)
            + Comparison.events(kernel: obs.events, engine: engine.events)
            + Comparison.counts(kernelStates: obs.states, kernelStatistics: obs.statistics, engine: engine)
        XCTAssertTrue(diffs.contains { $0.hasPrefix("extra in engine") }, "\(diffs)")
        XCTAssertTrue(diffs.contains { $0.hasPrefix("ct state counts") }, "\(diffs)")
    }

    /// The shipped sample capture is readable and holds the traffic it claims.
    func testShippedSample() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let packets = try readCapture(path: root.appendingPathComponent("Samples/sample.pcap").path)
        XCTAssertGreaterThan(packets.count, 30)
        let table = try KernelEntry.parseListing(String(contentsOf: root.appendingPathComponent("Samples/sample.conntrack.txt"),
                                                        encoding: .utf8))
        XCTAssertEqual(table.count, 9)
        XCTAssertEqual(Set(table.map { IPProtocol.name($0.proto) }), ["tcp", "udp", "icmp", "icmpv6"])

        // The engine replaying the sample must end with the table the router had (no root needed).
        let text = try String(contentsOf: root.appendingPathComponent("Samples/sample.conntrack.txt"), encoding: .utf8)
        guard let first = text.split(separator: "\n").first, first.hasPrefix("# listed at "),
              let listedAt = UInt64(first.dropFirst("# listed at ".count)) else {
            return XCTFail("Samples/sample.conntrack.txt lacks its `# listed at NS` line")
        }
        let engine = try runEngine(knobs: [], packets: packets, listedAt: listedAt)
        let diffs = Comparison.tables(kernel: table, engine: engine.flows)
        XCTAssertEqual(diffs, [], "the engine replaying Samples/sample.pcap differs from the router's table:\n"
                       + diffs.joined(separator: "\n"))
        XCTAssertEqual(engine.verdicts.filter { $0.state == .invalid }.count, 1, "the sample holds one INVALID packet")
        XCTAssertEqual(engine.verdicts.filter { $0.state == .related }.count, 1, "the sample holds one RELATED packet")
    }

    func runScenarios(_ scenarios: [Scenario], file: StaticString = #filePath, line: UInt = #line) throws {
        let topo = try topologyOrSkip()
        let only = ProcessInfo.processInfo.environment["DIFF_ONLY"]
        let verbose = ProcessInfo.processInfo.environment["DIFF_VERBOSE"] != nil
        for s in scenarios where only == nil || s.name.hasPrefix(only!) {
            let obs: KernelObservation
            do { obs = try topo.observe(s) } catch {
                XCTFail("[\(s.name)] kernel run failed: \(error)", file: file, line: line)
                continue
            }
            if verbose {
                print("== \(s.name): \(obs.packets.count) packets")
                for e in obs.table { print("   table: \(e.line)") }
                for e in obs.events { print("   event: \(e.line)") }
            }
            if obs.packets.count != s.steps.reduce(0, { $0 + $1.packets.count }) {
                XCTFail("[\(s.name)] R received \(obs.packets.count) packets, the scenario sent "
                        + "\(s.steps.reduce(0, { $0 + $1.packets.count }))", file: file, line: line)
            }
            compareWithEngine(s.name, knobs: s.knobs, obs, file: file, line: line)
            if let expect = s.expect {
                let got = obs.table.map(\.summary).sorted()
                if got != expect.sorted() {
                    XCTFail("[\(s.name)] the kernel did not do what the scenario claims: expected \(expect.sorted()), "
                            + "kernel has \(got)\n" + obs.table.map { "  " + $0.line }.joined(separator: "\n"),
                            file: file, line: line)
                }
            }
        }
    }
}
