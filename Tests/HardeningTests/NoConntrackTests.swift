import Conntrack
@testable import ConntrackTool
import Foundation
import XCTest

/// A kernel without netfilter netlink: `socket(AF_NETLINK, NETLINK_NETFILTER)` fails with
/// EPROTONOSUPPORT. This kernel has conntrack built in, so the failure is injected through
/// a source whose every operation fails the way `KernelSource` does then.
final class NoConntrackTests: XCTestCase {
    struct NoNetfilterSource: FlowSource {
        static let e = SourceError(errno: EPROTONOSUPPORT)
        func dump(table: FlowTable, family: AddressFamily?, filter: DumpFilter, zeroCounters: Bool,
                  _ body: (Flow) throws -> Void) throws { throw Self.e }
        func get(original: Tuple?, reply: Tuple?, zone: UInt16?, family: AddressFamily) throws -> Flow { throw Self.e }
        func create(_ flow: Flow) throws { throw Self.e }
        func update(_ flow: Flow, family: AddressFamily) throws { throw Self.e }
        func delete(_ flow: Flow) throws { throw Self.e }
        func flush(family: AddressFamily?) throws { throw Self.e }
        func count() throws -> UInt32 { throw Self.e }
        func cpuStatistics() throws -> [CPUStatistics] { throw Self.e }
        func dumpExpectations(family: AddressFamily, _ body: (Expectation) throws -> Void) throws { throw Self.e }
        func getExpectation(tuple: Tuple, family: AddressFamily) throws -> Expectation { throw Self.e }
        func createExpectation(_ e: Expectation) throws { throw Self.e }
        func deleteExpectation(tuple: Tuple, family: AddressFamily) throws { throw Self.e }
        func flushExpectations(family: AddressFamily) throws { throw Self.e }
        func expectationStatistics() throws -> [ExpectationStatistics] { throw Self.e }
        func subscribe(expectations: Bool, groups: UInt32, bufferSize: Int?) throws -> Int? { throw Self.e }
        func receiveEvents(timeoutMilliseconds: Int32, _ body: (SourceEvent) throws -> Void) throws { throw Self.e }
    }

    func testEveryKernelCommandSaysOneClearLine() {
        let env = ToolEnvironment(readFile: { _ in nil }, now: { (1_700_000_000, 0) }, ctime: { _ in "" },
                                  localNow: { (0, 0, 0, 0, 1, 1, 2023) }, shouldStop: { true }, programName: { _ in nil })
        let commands: [[String]] = [
            ["-L"], ["-L", "-o", "xml"], ["-D", "-p", "tcp"], ["-F"], ["-S"], ["-L", "expect"], ["-F", "expect"],
            ["-G", "-s", "1.1.1.1", "-d", "2.2.2.2", "-p", "udp", "--sport", "1", "--dport", "2"],
            ["-I", "-s", "1.1.1.1", "-d", "2.2.2.2", "-p", "udp", "--sport", "1", "--dport", "2", "-t", "10"],
        ]
        for c in commands {
            var err = ""
            var out: [UInt8] = []
            let status = runConntrack(arguments: ["conntrack"] + c, source: NoNetfilterSource(),
                                      stdout: OutputBuffer { out.append(contentsOf: $0) }, stderr: { err += $0 },
                                      environment: env)
            XCTAssertEqual(status, 1, "\(c)")
            XCTAssertEqual(err.filter { $0 == "\n" }.count, 1, "\(c): \(err)")
            if c == ["-S"] {
                // -S reads /proc/net/stat/nf_conntrack, which such a kernel does not have.
                XCTAssertEqual(err, "conntrack v1.4.7 (conntrack-tools): Can't open /proc interface\n")
            } else {
                XCTAssertTrue(err.contains("this kernel has no netfilter netlink (connection tracking) support"), "\(c): \(err)")
            }
        }
    }
}
