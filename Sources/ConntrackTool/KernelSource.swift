#if canImport(Glibc)
import Glibc
#endif
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

    public func dumpExpectations(family: AddressFamily, _ body: (Expectation) throws -> Void) throws {
        let c = try client()
        try wrap { try c.dumpExpectations(family: family, body) }
    }

    public func getExpectation(tuple: Tuple, family: AddressFamily) throws -> Expectation {
        let c = try client()
        return try wrap { try c.getExpectation(tuple: tuple, family: family) }
    }

    public func createExpectation(_ e: Expectation) throws {
        let c = try client()
        try wrap { try c.createExpectation(e) }
    }

    public func deleteExpectation(tuple: Tuple, family: AddressFamily) throws {
        let c = try client()
        try wrap { try c.deleteExpectation(tuple: tuple, family: family) }
    }

    public func flushExpectations(family: AddressFamily) throws {
        let c = try client()
        try wrap { try c.flushExpectations(family: family) }
    }

    public func expectationStatistics() throws -> [ExpectationStatistics] {
        let c = try client()
        return try wrap { try c.expectationStatistics() }
    }

    private var subscription: EventSubscription?

    public func subscribe(expectations: Bool, groups: UInt32, bufferSize: Int?) throws -> Int? {
        // -e NEW/UPDATES/DESTROY = bits 0/1/2; expectation groups are the same three shifted by 3.
        let g = EventGroups(rawValue: expectations ? groups << 3 : groups)
        let sub = try wrap { try EventSubscription(groups: g, receiveBufferSize: bufferSize) }
        subscription = sub
        guard bufferSize != nil else { return nil }
        if bufferSize == 0 {
            // `-b 0` (also `-b x`: atol gives 0): conntrack-tools asks for 0 bytes and the
            // kernel applies its minimum; the library reads 0 as "leave the default".
            var zero: Int32 = 0
            let size = socklen_t(MemoryLayout<Int32>.size)
            if setsockopt(sub.fileDescriptor, SOL_SOCKET, SO_RCVBUFFORCE, &zero, size) != 0 {
                _ = setsockopt(sub.fileDescriptor, SOL_SOCKET, SO_RCVBUF, &zero, size)
            }
        }
        var value: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(sub.fileDescriptor, SOL_SOCKET, SO_RCVBUF, &value, &len)
        return Int(value)
    }

    public func receiveEvents(timeoutMilliseconds: Int32, _ body: (SourceEvent) throws -> Void) throws {
        guard let sub = subscription else { throw SourceError(errno: 9) }
        var pending: [SourceEvent] = []
        _ = try wrap {
            try sub.receive(timeoutMilliseconds: timeoutMilliseconds) { element in
                switch element {
                case .event(let e): pending.append(.flow(e))
                case .expectation(let e): pending.append(.expectation(e))
                case .overrun: pending.append(.overrun)
                }
            }
        }
        for p in pending { try body(p) }
    }
}
