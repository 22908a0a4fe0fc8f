import Conntrack

/// A failure of a flow source, carrying the errno conntrack-tools would have seen.
public struct SourceError: Error {
    public var errno: Int32
    public init(errno: Int32) { self.errno = errno }
}

/// What the kernel is asked to filter during a dump (`nfct_filter_dump`).
public struct DumpFilter {
    /// Mark value and mask (`-m`).
    public var mark: (value: UInt32, mask: UInt32)?
    /// Status value and mask (`-u`).
    public var status: (value: UInt32, mask: UInt32)?
    public init(mark: (value: UInt32, mask: UInt32)? = nil, status: (value: UInt32, mask: UInt32)? = nil) {
        self.mark = mark
        self.status = status
    }
}

/// The dump lists of `-L`.
public enum FlowTable { case conntrack, dying, unconfirmed }

/// One item of an event stream.
public enum SourceEvent {
    case flow(Event)
    case expectation(ExpectationEvent)
    /// The receive buffer overflowed (ENOBUFS): events were lost.
    case overrun
}

/// Where the `conntrack` command gets its connections from: the kernel (ctnetlink)
/// or a userspace engine. The command layer is generic over it, so there is no
/// existential on the per-entry path.
public protocol FlowSource {
    /// Streams a table; `body` is called once per entry.
    func dump(table: FlowTable, family: AddressFamily?, filter: DumpFilter, zeroCounters: Bool,
              _ body: (Flow) throws -> Void) throws
    /// One entry by tuple.
    func get(original: Tuple?, reply: Tuple?, zone: UInt16?, family: AddressFamily) throws -> Flow
    /// Creates an entry; `exclusive` false updates an existing one.
    func create(_ flow: Flow) throws
    /// Changes an entry (timeout, mark, status bits, labels, protocol info).
    func update(_ flow: Flow, family: AddressFamily) throws
    /// Deletes the entry with this original tuple.
    func delete(_ flow: Flow) throws
    /// Deletes every entry (of one family when given).
    func flush(family: AddressFamily?) throws
    /// Number of entries.
    func count() throws -> UInt32
    /// Per-CPU statistics.
    func cpuStatistics() throws -> [CPUStatistics]

    func dumpExpectations(family: AddressFamily, _ body: (Expectation) throws -> Void) throws
    func getExpectation(tuple: Tuple, family: AddressFamily) throws -> Expectation
    func createExpectation(_ e: Expectation) throws
    func deleteExpectation(tuple: Tuple, family: AddressFamily) throws
    func flushExpectations(family: AddressFamily) throws
    func expectationStatistics() throws -> [ExpectationStatistics]

    /// Subscribes to events (`expectations` false: conntrack groups NEW=1, UPDATE=2,
    /// DESTROY=4 in `groups`). Returns the receive buffer size actually set when
    /// `bufferSize` was given.
    func subscribe(expectations: Bool, groups: UInt32, bufferSize: Int?) throws -> Int?
    /// Waits up to `timeoutMilliseconds` and hands over what arrived; false from `body` stops.
    func receiveEvents(timeoutMilliseconds: Int32, _ body: (SourceEvent) throws -> Void) throws
}
