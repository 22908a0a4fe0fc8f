import XCTest
import Conntrack
@testable import ConntrackTool

/// A fixed in-memory table: shows that the command layer runs in-process over any
/// `FlowSource` (the kernel, or the userspace engine for `--pcap`).
final class MemorySource: FlowSource {
    var flows: [Flow]
    var deleted: [Flow] = []
    init(_ flows: [Flow]) { self.flows = flows }
    func dump(table: FlowTable, family: AddressFamily?, filter: DumpFilter, zeroCounters: Bool, _ body: (Flow) throws -> Void) throws {
        for f in flows where family == nil || f.family == family {
            if let m = filter.mark, (f.mark ?? 0) & m.mask != m.value { continue }
            if let s = filter.status, (f.status?.rawValue ?? 0) & s.mask != s.value { continue }
            try body(f)
        }
    }
    func get(original: Tuple?, reply: Tuple?, zone: UInt16?, family: AddressFamily) throws -> Flow {
        guard let f = flows.first(where: { $0.original == original }) else { throw SourceError(errno: 2) }
        return f
    }
    func create(_ flow: Flow) throws {
        if flows.contains(where: { $0.original == flow.original }) { throw SourceError(errno: 17) }
        flows.append(flow)
    }
    func update(_ flow: Flow, family: AddressFamily) throws {}
    func delete(_ flow: Flow) throws { deleted.append(flow) }
    func flush(family: AddressFamily?) throws { flows.removeAll { family == nil || $0.family == family } }
    func count() throws -> UInt32 { UInt32(flows.count) }
    func cpuStatistics() throws -> [CPUStatistics] { [] }
    func dumpExpectations(family: AddressFamily, _ body: (Expectation) throws -> Void) throws {}
    func getExpectation(tuple: Tuple, family: AddressFamily) throws -> Expectation { throw SourceError(errno: 2) }
    func createExpectation(_ e: Expectation) throws { throw SourceError(errno: 2) }
    func deleteExpectation(tuple: Tuple, family: AddressFamily) throws { throw SourceError(errno: 2) }
    func flushExpectations(family: AddressFamily) throws {}
    func expectationStatistics() throws -> [ExpectationStatistics] { [] }
    func subscribe(expectations: Bool, groups: UInt32, bufferSize: Int?) throws -> Int? { throw SourceError(errno: 1) }
    func receiveEvents(timeoutMilliseconds: Int32, _ body: (SourceEvent) throws -> Void) throws {}
}

final class InProcessTests: XCTestCase {
    func table() -> [Flow] {
        func tcp(_ s: String, _ sp: UInt16, mark: UInt32) -> Flow {
            let t = Tuple(source: IPAddress(s)!, destination: IPAddress("10.0.0.2")!, protocol: 6, sourcePort: sp, destinationPort: 80)
            var f = Flow(original: t, reply: t.inverted())
            f.timeout = 100; f.status = [.seenReply, .assured, .confirmed]; f.mark = mark; f.use = 1
            f.protoInfo = .tcp(TCPInfo(state: TCPState.established.rawValue))
            return f
        }
        return [tcp("10.0.0.1", 1000, mark: 1), tcp("10.0.0.3", 1001, mark: 2)]
    }

    func run(_ args: String, _ source: MemorySource) -> (Int32, String, String) {
        var out: [UInt8] = []
        var err = ""
        let buffer = OutputBuffer { out.append(contentsOf: $0) }
        var env = ToolEnvironment.system
        env.readFile = { _ in nil }
        env.now = { (1000, 0) }
        let status = runConntrack(arguments: ["conntrack"] + args.split(separator: " ").map(String.init), source: source,
                                  stdout: buffer, stderr: { err += $0 }, environment: env)
        return (status, String(decoding: out, as: UTF8.self), err)
    }

    func testListFiltersInProcess() {
        let (status, out, err) = run("-L -m 2", MemorySource(table()))
        XCTAssertEqual(status, 0)
        XCTAssertEqual(out, "tcp      6 100 ESTABLISHED src=10.0.0.3 dst=10.0.0.2 sport=1001 dport=80 src=10.0.0.2 dst=10.0.0.3 sport=80 dport=1001 [ASSURED] mark=2 use=1\n")
        XCTAssertEqual(err, "conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n")
    }

    func testDeleteGoesThroughTheSource() {
        let s = MemorySource(table())
        let (status, _, err) = run("-D -s 10.0.0.1", s)
        XCTAssertEqual(status, 0)
        XCTAssertEqual(s.deleted.map { $0.original.sourcePort }, [1000])
        XCTAssertEqual(err, "conntrack v1.4.7 (conntrack-tools): 1 flow entries have been deleted.\n")
    }

    func testParseErrorNeedsNoSource() {
        let (status, out, err) = run("-L --sport 80 -p tcp", MemorySource([]))
        XCTAssertEqual(status, 2)
        XCTAssertEqual(out, "")
        XCTAssertEqual(err, "conntrack v1.4.7 (conntrack-tools): unknown option `--sport'\nTry `conntrack -h' or 'conntrack --help' for more information.\n")
    }

    func testJSONLines() {
        let (status, out, _) = run("-L -o json -p tcp --sport 1000", MemorySource(table()))
        XCTAssertEqual(status, 0)
        XCTAssertTrue(out.hasPrefix("{\"family\":\"ipv4\",\"protocol\":\"tcp\",\"protonum\":6,\"timeout\":100,\"state\":\"ESTABLISHED\""), out)
        XCTAssertEqual(out.split(separator: "\n").count, 1)
    }

    func testUsageWithoutCommand() {
        let (status, out, _) = run("", MemorySource([]))
        XCTAssertEqual(status, 0)
        XCTAssertTrue(out.hasPrefix("Command line interface for the connection tracking system. Version 1.4.7\nUsage: conntrack [commands] [options]\n"))
        XCTAssertTrue(out.hasSuffix("--mask-dst ip\t\t\tDestination mask address\n\n"))
    }
}
