#if canImport(Glibc)
import FuzzCommon
import Glibc
#endif
import Conntrack
@testable import ConntrackTool

// (e) The conntrack command line. The input is split on NUL bytes into argv (after
// "conntrack"); the command runs against DeniedSource, which lists one fixed flow and
// refuses everything else with EPERM, so no input can reach the kernel, a file or the
// clock. The --pcap/--now/--sysctl extraction runs too, without opening any file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCLI(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var argv = ["conntrack"]
    var current: [UInt8] = []
    for i in 0..<size {
        if data[i] == 0 {
            argv.append(String(decoding: current, as: UTF8.self))
            current.removeAll(keepingCapacity: true)
        } else {
            current.append(data[i])
        }
    }
    if !current.isEmpty { argv.append(String(decoding: current, as: UTF8.self)) }
    guard argv.count <= 64 else { return 0 }
    _ = CaptureOptions.extract(from: argv)
    let out = OutputBuffer(sink: { _ in })
    _ = runConntrack(arguments: argv, source: DeniedSource(), stdout: out, stderr: { _ in },
                     environment: DeniedSource.environment)
    return 0
}

/// A flow source without privileges: dumps list one flow, every change fails with EPERM.
struct DeniedSource: FlowSource {
    nonisolated(unsafe) static let environment = ToolEnvironment(
        readFile: { _ in nil }, now: { (1_700_000_000, 0) }, ctime: { _ in "Tue Nov 14 22:13:20 2023" },
        localNow: { (22, 13, 20, 2, 14, 11, 2023) }, shouldStop: { true }, programName: { _ in nil })

    static let flow: Flow = {
        let a = IPAddress(ipv4: 0xc000_0201), b = IPAddress(ipv4: 0xc633_6402)
        var f = Flow(original: Tuple(source: a, destination: b, protocol: 6, sourcePort: 40000, destinationPort: 80),
                     reply: Tuple(source: b, destination: a, protocol: 6, sourcePort: 80, destinationPort: 40000))
        f.status = Status(rawValue: 0x18e)
        f.timeout = 431_999
        f.mark = 7
        f.protoInfo = .tcp(TCPInfo(state: 3))
        return f
    }()

    func dump(table: FlowTable, family: AddressFamily?, filter: DumpFilter, zeroCounters: Bool,
              _ body: (Flow) throws -> Void) throws { try body(Self.flow) }
    func get(original: Tuple?, reply: Tuple?, zone: UInt16?, family: AddressFamily) throws -> Flow { Self.flow }
    func create(_ flow: Flow) throws { throw SourceError(errno: EPERM) }
    func update(_ flow: Flow, family: AddressFamily) throws { throw SourceError(errno: EPERM) }
    func delete(_ flow: Flow) throws { throw SourceError(errno: EPERM) }
    func flush(family: AddressFamily?) throws { throw SourceError(errno: EPERM) }
    func count() throws -> UInt32 { 1 }
    func cpuStatistics() throws -> [CPUStatistics] { throw SourceError(errno: EPERM) }
    func dumpExpectations(family: AddressFamily, _ body: (Expectation) throws -> Void) throws {}
    func getExpectation(tuple: Tuple, family: AddressFamily) throws -> Expectation { throw SourceError(errno: ENOENT) }
    func createExpectation(_ e: Expectation) throws { throw SourceError(errno: EPERM) }
    func deleteExpectation(tuple: Tuple, family: AddressFamily) throws { throw SourceError(errno: EPERM) }
    func flushExpectations(family: AddressFamily) throws { throw SourceError(errno: EPERM) }
    func expectationStatistics() throws -> [ExpectationStatistics] { throw SourceError(errno: EPERM) }
    func subscribe(expectations: Bool, groups: UInt32, bufferSize: Int?) throws -> Int? { throw SourceError(errno: EPERM) }
    func receiveEvents(timeoutMilliseconds: Int32, _ body: (SourceEvent) throws -> Void) throws {}
}

@_cdecl("fuzz_cli_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, { fuzzCLI($0, $1) })
}
