import Conntrack
import ConntrackKernel

/// The kernel's table through ctnetlink: the default source of the `conntrack` command.
///
/// A dump holds its socket busy, so changes made while dumping (`-D`) go through a
/// second client, as conntrack-tools does with its "modifier" socket.
public final class KernelSource: FlowSource {
    private var clientStorage: ConntrackClient?
    private var modifierStorage: ConntrackClient?

    public init() {}

    private func client() throws -> ConntrackClient {
        if let c = clientStorage { return c }
        let c = try wrap { try ConntrackClient() }
        clientStorage = c
        return c
    }

    private func modifier() throws -> ConntrackClient {
        if let c = modifierStorage { return c }
        let c = try wrap { try ConntrackClient() }
        modifierStorage = c
        return c
    }

    private func wrap<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as ConntrackError {
            throw SourceError(errno: e.errno)
        }
    }

    public func dump(table: FlowTable, family: AddressFamily?, filter: DumpFilter, zeroCounters: Bool,
                     _ body: (Flow) throws -> Void) throws {
        var k = KernelFilter()
        if let m = filter.mark { k.mark = m.value; k.markMask = m.mask }
        if let s = filter.status { k.status = Status(rawValue: s.value); k.statusMask = Status(rawValue: s.mask) }
        let t: DumpTable = table == .conntrack ? .conntrack : table == .dying ? .dying : .unconfirmed
        let c = try client()
        try wrap { try c.dump(table: t, family: family, filter: k, zeroCounters: zeroCounters, body) }
    }

    public func get(original: Tuple?, reply: Tuple?, zone: UInt16?, family: AddressFamily) throws -> Flow {
        let c = try modifier()
        return try wrap { try c.get(original: original, reply: reply, zone: zone, family: family) }
    }

    public func create(_ flow: Flow) throws {
        let c = try modifier()
        try wrap { try c.create(flow) }
    }

    public func update(_ flow: Flow, family: AddressFamily) throws {
        let c = try modifier()
        try wrap { try c.update(flow, family: family) }
    }

    public func delete(_ flow: Flow) throws {
        let c = try modifier()
        try wrap { try c.delete(original: flow.original, zone: flow.zone, family: flow.family) }
    }

    public func flush(family: AddressFamily?) throws {
        let c = try client()
        // Version 1 makes the kernel honour the family (conntrack-tools sends 0 and
        // empties every family).
        try wrap { try c.flush(family: family, version: family == nil ? 0 : 1) }
    }

    public func count() throws -> UInt32 {
        let c = try client()
        return try wrap { try c.count() }
    }

    public func cpuStatistics() throws -> [CPUStatistics] {
        let c = try client()
        return try wrap { try c.cpuStatistics() }
    }

    // Expectations and events: wired when ConntrackKernel provides them.
    public func dumpExpectations(family: AddressFamily, _ body: (Expectation) throws -> Void) throws {
        throw SourceError(errno: 95)
    }
    public func getExpectation(tuple: Tuple, family: AddressFamily) throws -> Expectation { throw SourceError(errno: 95) }
    public func createExpectation(_ e: Expectation) throws { throw SourceError(errno: 95) }
    public func deleteExpectation(tuple: Tuple, family: AddressFamily) throws { throw SourceError(errno: 95) }
    public func flushExpectations(family: AddressFamily) throws { throw SourceError(errno: 95) }
    public func expectationStatistics() throws -> [ExpectationStatistics] { throw SourceError(errno: 95) }
    public func subscribe(expectations: Bool, groups: UInt32, bufferSize: Int?) throws -> Int? { throw SourceError(errno: 95) }
    public func receiveEvents(timeoutMilliseconds: Int32, _ body: (SourceEvent) throws -> Void) throws {
        throw SourceError(errno: 95)
    }
}
