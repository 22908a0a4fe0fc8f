#if canImport(Glibc)
import Glibc
#endif
import Conntrack
import Netlink

/// How `ConntrackClient.create` treats an existing entry.
public struct CreateFlags: OptionSet, Sendable, Hashable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// `NLM_F_CREATE`: create the entry if it does not exist.
    public static let create = CreateFlags(rawValue: MessageFlags.create.rawValue)
    /// `NLM_F_EXCL`: fail with EEXIST if it exists (without it, an existing entry is updated).
    public static let exclusive = CreateFlags(rawValue: MessageFlags.excl.rawValue)
}

/// A ctnetlink client: the kernel's connection-tracking table from Swift.
///
/// ```swift
/// let ct = try ConntrackClient(networkNamespace: "lab")
/// try ct.dump { flow in print(flow.original, flow.status ?? []) }
/// var f = Flow(original: t, reply: t.inverted())
/// f.timeout = 60
/// f.protoInfo = .tcp(TCPInfo(state: TCPState.established.rawValue))
/// try ct.create(f)
/// ```
///
/// Not thread-safe: use one client per thread or task. Every method throws
/// `ConntrackError` with the kernel's raw errno.
public final class ConntrackClient {
    let socket: NetlinkSocket
    var builder = MessageBuilder(capacity: 512)
    /// Set while a request is in flight: a request made from inside a dump's body on
    /// the same client would consume (and drop) the dump's own replies.
    var busy = false

    /// Opens a `NETLINK_NETFILTER` socket.
    /// - Parameters:
    ///   - receiveBufferSize: kernel receive buffer (`SO_RCVBUFFORCE`, else `SO_RCVBUF`).
    ///   - networkNamespace: a name under `/run/netns` or a path: the socket is opened
    ///     inside that namespace (via `setns` on the calling thread, then back) and
    ///     talks to its table for its whole life.
    public init(receiveBufferSize: Int? = nil, networkNamespace: String? = nil) throws {
        socket = try mapErrors("open") {
            try NetlinkSocket(protocol: NetlinkConstants.netfilterProtocol,
                              receiveBufferSize: receiveBufferSize, networkNamespace: networkNamespace)
        }
    }

    /// The socket's netlink port id: events caused by this client carry it (`Event.portID`).
    public var portID: UInt32 { socket.portID }

    /// Datagrams and bytes received so far on this client's socket.
    public var received: (datagrams: Int, bytes: Int) { (socket.datagramsReceived, socket.bytesReceived) }

    /// Messages skipped so far because they could not be decoded.
    public var malformedMessages: Int { socket.malformedMessages }

    // MARK: - Message framing

    /// Starts a ctnetlink request: `nlmsghdr` + `nfgenmsg`. Returns its sequence number.
    func begin(_ subsys: UInt16, _ msg: UInt16, flags: MessageFlags, family: UInt8, version: UInt8 = 0, resID: UInt16 = 0) -> UInt32 {
        let seq = socket.nextSequence()
        builder.removeAll()
        builder.beginMessage(type: CT.type(subsys, msg), flags: flags.union(.request), sequence: seq)
        builder.append(bytes: [family, version, UInt8(truncatingIfNeeded: resID >> 8), UInt8(truncatingIfNeeded: resID)])
        return seq
    }

    /// Sends the built request and hands every reply's attributes (after `nfgenmsg`)
    /// and the `nfgenmsg` itself to `body`.
    func run(_ operation: String, sequence: UInt32, isDump: Bool,
             _ body: (_ header: NetfilterHeader, _ message: NetlinkMessage, _ attributes: UnsafeRawBufferPointer) throws -> Bool) throws {
        builder.endMessage()
        precondition(!busy, "ConntrackClient: \(operation) called from inside another request's body; use a second client")
        busy = true
        defer { busy = false }
        try mapErrors(operation) {
            try socket.request(builder.bytes, sequence: sequence, operation: operation, isDump: isDump) { m in
                guard m.payload.count >= CT.nfgenmsgSize else { return false }
                let h = NetfilterHeader(m.payload)
                return try body(h, m, UnsafeRawBufferPointer(rebasing: m.payload[CT.nfgenmsgSize...]))
            }
        }
    }

    /// Sends the built request, expecting only an ACK.
    func runAck(_ operation: String, sequence: UInt32) throws {
        try run(operation, sequence: sequence, isDump: false) { _, _, _ in true }
    }

    // MARK: - Dump and get

    /// Streams a table: `body` sees each entry as it is decoded, so memory does not
    /// grow with the table.
    ///
    /// - Parameters:
    ///   - table: `.conntrack`, `.dying` or `.unconfirmed`.
    ///   - family: only this family (`nfgen_family`); `nil` for both.
    ///   - filter: applied by the kernel (mark, status, tuple fields; zone also here).
    ///   - zeroCounters: read and atomically zero the counters (`IPCTNL_MSG_CT_GET_CTRZERO`).
    /// - Throws: `ConntrackError`; `dumpInterrupted` set if the table changed in a way
    ///   that made the dump inconsistent (`NLM_F_DUMP_INTR`); dump again then.
    ///   Undecodable entries are skipped and counted in `malformedMessages`.
    public func dump(table: DumpTable = .conntrack, family: AddressFamily? = nil, filter: KernelFilter = KernelFilter(),
                     zeroCounters: Bool = false, _ body: (Flow) throws -> Void) throws {
        let msg: UInt16
        switch table {
        case .conntrack: msg = zeroCounters ? CT.getCtrZero : CT.get
        case .dying: msg = CT.getDying
        case .unconfirmed: msg = CT.getUnconfirmed
        }
        let seq = begin(CT.subsysConntrack, msg, flags: .dump, family: family?.rawValue ?? 0)
        builder.putFilter(filter, family: family)
        let zone = filter.zone
        try run("dump", sequence: seq, isDump: true) { _, _, attrs in
            guard let flow = Flow.decode(attributes: attrs) else { return false }
            if let zone, (flow.zone ?? 0) != zone { return true }
            try body(flow)
            return true
        }
    }

    /// Collects a whole dump into an array (convenience over `dump`).
    public func list(table: DumpTable = .conntrack, family: AddressFamily? = nil,
                     filter: KernelFilter = KernelFilter(), zeroCounters: Bool = false) throws -> [Flow] {
        var out: [Flow] = []
        try dump(table: table, family: family, filter: filter, zeroCounters: zeroCounters) { out.append($0) }
        return out
    }

    /// Looks one entry up by its original or reply tuple (`IPCTNL_MSG_CT_GET`).
    /// - Throws: `ConntrackError` with `ENOENT` if there is no such entry, `EINVAL`
    ///   when neither tuple is given.
    public func get(original: Tuple? = nil, reply: Tuple? = nil, zone: UInt16? = nil, family: AddressFamily) throws -> Flow {
        let seq = begin(CT.subsysConntrack, CT.get, flags: .ack, family: family.rawValue)
        if let original { builder.putTuple(CT.tupleOrig, original) }
        if let reply { builder.putTuple(CT.tupleReply, reply) }
        if let zone { builder.put(CT.zone, be16: zone) }
        var found: Flow? = nil
        try run("get", sequence: seq, isDump: false) { _, _, attrs in
            guard let f = Flow.decode(attributes: attrs) else { return false }
            found = f
            return true
        }
        guard let found else { throw ConntrackError(errno: EBADMSG, operation: "get", fromKernel: false) }
        return found
    }

    // MARK: - Create, update, delete, flush

    /// Creates an entry (`IPCTNL_MSG_CT_NEW` with `NLM_F_CREATE|NLM_F_EXCL` by default).
    ///
    /// The kernel needs both tuples and `timeout`; `status` must include
    /// `IPS_CONFIRMED` (EBUSY otherwise), so it is added when `status` is set.
    /// With `flags: .create` (no `.exclusive`) an existing entry is updated instead.
    /// - Throws: `ConntrackError` (`EEXIST`, `EINVAL`, `ENOMEM` when the table is full...).
    public func create(_ flow: Flow, flags: CreateFlags = [.create, .exclusive]) throws {
        let seq = begin(CT.subsysConntrack, CT.new, flags: MessageFlags(rawValue: flags.rawValue).union(.ack),
                        family: flow.family.rawValue)
        builder.putFlow(flow.preparedForCreate())
        try runAck("create", sequence: seq)
    }

    /// Updates an existing entry (`IPCTNL_MSG_CT_NEW` without create flags): timeout,
    /// mark (with `markMask`: new = (old & ~mask) ^ mark), status bits (set only),
    /// protocol info, labels, helper, sequence adjustment, synproxy.
    /// - Parameters:
    ///   - family: `nfgen_family` to send (the flow's own family by default).
    /// - Throws: `ConntrackError` (`ENOENT`, `EBUSY` for illegal status changes, `EPERM`...).
    ///   - includeReply: also send `CTA_TUPLE_REPLY` (conntrack-tools' `-U` sends only
    ///     the original tuple; the kernel looks the entry up by the original tuple first).
    public func update(_ flow: Flow, family: AddressFamily? = nil, includeReply: Bool = true) throws {
        let seq = begin(CT.subsysConntrack, CT.new, flags: .ack, family: (family ?? flow.family).rawValue)
        builder.putFlow(flow, includeReply: includeReply)
        try runAck("update", sequence: seq)
    }

    /// Deletes one entry by original or reply tuple (`IPCTNL_MSG_CT_DELETE`).
    /// - Parameter id: when given, the entry's `CTA_ID` must match (else `ENOENT`).
    public func delete(original: Tuple? = nil, reply: Tuple? = nil, zone: UInt16? = nil, id: UInt32? = nil,
                       family: AddressFamily) throws {
        precondition(original != nil || reply != nil, "delete needs a tuple; use flush to delete many")
        let seq = begin(CT.subsysConntrack, CT.delete, flags: .ack, family: family.rawValue)
        if let original { builder.putTuple(CT.tupleOrig, original) }
        if let reply { builder.putTuple(CT.tupleReply, reply) }
        if let zone { builder.put(CT.zone, be16: zone) }
        if let id { builder.put(CT.id, be32: id) }
        try runAck("delete", sequence: seq)
    }

    /// Deletes every entry, or those matching `filter` (`IPCTNL_MSG_CT_DELETE` without tuple).
    ///
    /// Kernel quirk: with `version` 0 (what conntrack-tools sends) the kernel ignores
    /// `family` and flushes **every** family (`ctnetlink_del_conntrack` uses
    /// `AF_UNSPEC` unless `nfgen_version` is non-zero). Pass `version: 1` for a flush
    /// that really honours `family`.
    ///
    /// Tuple filters (`CTA_FILTER`) are sent to the kernel (Linux 6.18 flushes by them);
    /// a kernel that refuses them (EOPNOTSUPP, e.g. 6.1) and any filter with a zone
    /// (which a kernel's flush may silently ignore, removing every zone) are carried out
    /// as a filtered dump followed by one delete (with `CTA_ID`) per match; entries that
    /// vanish in between are skipped.
    public func flush(family: AddressFamily? = nil, filter: KernelFilter? = nil, version: UInt8 = 0) throws {
        if let filter, filter.zone != nil {
            return try flushByDump(family: family, filter: filter)
        }
        do {
            try kernelFlush(family: family, filter: filter, version: version)
        } catch let e as ConntrackError where e.errno == EOPNOTSUPP && filter.map(\.hasTupleFilter) == true {
            try flushByDump(family: family, filter: filter!)
        }
    }

    func flushByDump(family: AddressFamily?, filter: KernelFilter) throws {
        var victims: [Flow] = []
        try dump(family: family, filter: filter) { victims.append($0) }
        for v in victims {
            do {
                try delete(original: v.original, zone: v.zone, id: v.id, family: v.family)
            } catch let e as ConntrackError where e.errno == ENOENT {
                continue
            }
        }
    }

    func kernelFlush(family: AddressFamily?, filter: KernelFilter?, version: UInt8) throws {
        let seq = begin(CT.subsysConntrack, CT.delete, flags: .ack, family: family?.rawValue ?? 0, version: version)
        if let filter { builder.putFilter(filter, family: family) }
        try runAck("flush", sequence: seq)
    }

    // MARK: - Statistics

    /// The number of entries in this namespace's table (`CTA_STATS_GLOBAL_ENTRIES`).
    public func count() throws -> UInt32 {
        try globalStatistics().entries
    }

    /// Entry count and table limit (`IPCTNL_MSG_CT_GET_STATS`).
    public func globalStatistics() throws -> GlobalStatistics {
        let seq = begin(CT.subsysConntrack, CT.getStats, flags: .ack, family: 0)
        var result: GlobalStatistics? = nil
        try run("statistics", sequence: seq, isDump: false) { _, _, attrs in
            result = GlobalStatistics.decode(attributes: attrs)
            return true
        }
        guard let result else { throw ConntrackError(errno: EBADMSG, operation: "statistics", fromKernel: false) }
        return result
    }

    /// Per-CPU counters (`IPCTNL_MSG_CT_GET_STATS_CPU`), one element per CPU the
    /// kernel reports; counters it does not send stay `nil`.
    public func cpuStatistics() throws -> [CPUStatistics] {
        let seq = begin(CT.subsysConntrack, CT.getStatsCPU, flags: .dump, family: 0)
        var out: [CPUStatistics] = []
        try run("cpu statistics", sequence: seq, isDump: true) { h, _, attrs in
            out.append(CPUStatistics.decode(attributes: attrs, cpu: h.resourceID))
            return true
        }
        return out
    }
}

/// `struct nfgenmsg` of a received message.
struct NetfilterHeader {
    /// `nfgen_family`
    var family: UInt8
    /// `version`
    var version: UInt8
    /// `res_id` (host order)
    var resourceID: UInt16

    init(_ payload: UnsafeRawBufferPointer) {
        family = payload[0]
        version = payload[1]
        resourceID = UInt16(payload[2]) << 8 | UInt16(payload[3])
    }
}

extension Flow {
    /// The flow as `create` sends it: `IPS_CONFIRMED` added to a given status, as
    /// conntrack-tools does (the kernel confirms the entry before applying the status).
    func preparedForCreate() -> Flow {
        var f = self
        if let s = f.status { f.status = s.union(.confirmed) }
        return f
    }
}

extension GlobalStatistics {
    /// Decodes `CTA_STATS_GLOBAL_*`.
    static func decode(attributes: UnsafeRawBufferPointer) -> GlobalStatistics {
        var s = GlobalStatistics(entries: 0)
        for a in Attributes(attributes) {
            switch a.type {
            case CT.statsGlobalEntries: s.entries = a.be32 ?? 0
            case CT.statsGlobalMaxEntries: s.maxEntries = a.be32
            default: break
            }
        }
        return s
    }
}

extension CPUStatistics {
    /// Decodes `CTA_STATS_*` (attribute n is counter n-1; absent ones stay nil,
    /// unknown newer ones are kept at their index).
    static func decode(attributes: UnsafeRawBufferPointer, cpu: UInt16) -> CPUStatistics {
        var s = CPUStatistics(cpu: cpu)
        for a in Attributes(attributes) {
            let i = Int(a.type) - 1
            guard i >= 0, i < 64, let v = a.be32 else { continue }
            while s.counters.count <= i { s.counters.append(nil) }
            s.counters[i] = v
        }
        return s
    }
}
