#if canImport(Glibc)
import Glibc
#endif
import Conntrack
import Netlink

extension ConntrackClient {
    /// Streams the expectation table (`IPCTNL_MSG_EXP_GET` dump).
    public func dumpExpectations(family: AddressFamily? = nil, _ body: (Expectation) throws -> Void) throws {
        let seq = begin(CT.subsysExpect, CT.expGet, flags: .dump, family: family?.rawValue ?? 0)
        try run("dump expectations", sequence: seq, isDump: true) { _, _, attrs in
            guard let e = Expectation.decode(attributes: attrs) else { return false }
            try body(e)
            return true
        }
    }

    /// Collects the expectation table.
    public func listExpectations(family: AddressFamily? = nil) throws -> [Expectation] {
        var out: [Expectation] = []
        try dumpExpectations(family: family) { out.append($0) }
        return out
    }

    /// Looks an expectation up by its expected tuple (`IPCTNL_MSG_EXP_GET`).
    /// - Throws: `ConntrackError` with `ENOENT` when there is none.
    public func getExpectation(tuple: Tuple, zone: UInt16? = nil, family: AddressFamily) throws -> Expectation {
        let seq = begin(CT.subsysExpect, CT.expGet, flags: .ack, family: family.rawValue)
        builder.putTuple(CT.expTuple, tuple)
        if let zone { builder.put(CT.expZone, be16: zone) }
        var found: Expectation? = nil
        try run("get expectation", sequence: seq, isDump: false) { _, _, attrs in
            found = Expectation.decode(attributes: attrs)
            return found != nil
        }
        guard let found else { throw ConntrackError(errno: EBADMSG, operation: "get expectation", fromKernel: false) }
        return found
    }

    /// Creates an expectation (`IPCTNL_MSG_EXP_NEW`). The master must exist and have a
    /// helper attached (EOPNOTSUPP otherwise; ENOENT if there is no such master).
    public func createExpectation(_ e: Expectation, flags: CreateFlags = [.create, .exclusive]) throws {
        let seq = begin(CT.subsysExpect, CT.expNew, flags: MessageFlags(rawValue: flags.rawValue).union(.ack),
                        family: e.master.family.rawValue)
        builder.putExpectation(e)
        try runAck("create expectation", sequence: seq)
    }

    /// Deletes one expectation by its expected tuple (and optionally its id), or every
    /// expectation of a helper (`helper`), with `IPCTNL_MSG_EXP_DELETE`.
    public func deleteExpectation(tuple: Tuple? = nil, id: UInt32? = nil, helper: String? = nil, zone: UInt16? = nil,
                                  family: AddressFamily) throws {
        precondition(tuple != nil || helper != nil, "deleteExpectation needs a tuple or a helper; use flushExpectations")
        let seq = begin(CT.subsysExpect, CT.expDelete, flags: .ack, family: family.rawValue)
        if let tuple { builder.putTuple(CT.expTuple, tuple) }
        if let id { builder.put(CT.expID, be32: id) }
        if let helper { builder.put(CT.expHelpName, string: helper) }
        if let zone { builder.put(CT.expZone, be16: zone) }
        try runAck("delete expectation", sequence: seq)
    }

    /// Deletes every expectation (of `family` if given).
    public func flushExpectations(family: AddressFamily? = nil) throws {
        let seq = begin(CT.subsysExpect, CT.expDelete, flags: .ack, family: family?.rawValue ?? 0)
        try runAck("flush expectations", sequence: seq)
    }

    /// Per-CPU expectation counters (`IPCTNL_MSG_EXP_GET_STATS_CPU`).
    public func expectationStatistics() throws -> [ExpectationStatistics] {
        let seq = begin(CT.subsysExpect, CT.expGetStatsCPU, flags: .dump, family: 0)
        var out: [ExpectationStatistics] = []
        try run("expectation statistics", sequence: seq, isDump: true) { h, _, attrs in
            var s = ExpectationStatistics(cpu: h.resourceID, new: 0, create: 0, delete: 0)
            for a in Attributes(attrs) {
                switch a.type {
                case CT.statsExpNew: s.new = a.be32 ?? 0
                case CT.statsExpCreate: s.create = a.be32 ?? 0
                case CT.statsExpDelete: s.delete = a.be32 ?? 0
                default: break
                }
            }
            out.append(s)
            return true
        }
        return out
    }
}
