/// Per-CPU conntrack statistics (`IPCTNL_MSG_CT_GET_STATS_CPU`, `CTA_STATS_*`).
///
/// Each counter is optional: present exactly when the kernel (or engine) reports it,
/// so `conntrack -S` prints the same set of names.
public struct CPUStatistics: Hashable, Sendable {
    /// The CPU number (`res_id` of the message).
    public var cpu: UInt16
    /// Counters in `CTA_STATS_*` order: searched, found, new, invalid, ignore, delete,
    /// delete_list, insert, insert_failed, drop, early_drop, error, search_restart,
    /// clash_resolve, chaintoolong (index = attribute number - 1).
    public var counters: [UInt32?]

    /// Names of the counters in attribute order, as conntrack-tools prints them.
    public static let names = ["searched", "found", "new", "invalid", "ignore", "delete",
                               "delete_list", "insert", "insert_failed", "drop", "early_drop",
                               "error", "search_restart", "clash_resolve", "chaintoolong"]

    public init(cpu: UInt16, counters: [UInt32?] = Array(repeating: nil, count: CPUStatistics.names.count)) {
        self.cpu = cpu
        self.counters = counters
    }

    /// Reads or sets a counter by its printed name (`"found"`, `"early_drop"`...).
    public subscript(name: String) -> UInt32? {
        get { CPUStatistics.names.firstIndex(of: name).flatMap { $0 < counters.count ? counters[$0] : nil } }
        set {
            guard let i = CPUStatistics.names.firstIndex(of: name) else { return }
            while counters.count <= i { counters.append(nil) }
            counters[i] = newValue
        }
    }
}

/// Global statistics (`IPCTNL_MSG_CT_GET_STATS`).
public struct GlobalStatistics: Hashable, Sendable {
    /// `CTA_STATS_GLOBAL_ENTRIES`: entries in this network namespace.
    public var entries: UInt32
    /// `CTA_STATS_GLOBAL_MAX_ENTRIES`: table size limit.
    public var maxEntries: UInt32?
    public init(entries: UInt32, maxEntries: UInt32? = nil) { self.entries = entries; self.maxEntries = maxEntries }
}

/// Per-CPU expectation statistics (`IPCTNL_MSG_EXP_GET_STATS_CPU`).
public struct ExpectationStatistics: Hashable, Sendable {
    public var cpu: UInt16
    /// `CTA_STATS_EXP_NEW`
    public var new: UInt32
    /// `CTA_STATS_EXP_CREATE`
    public var create: UInt32
    /// `CTA_STATS_EXP_DELETE`
    public var delete: UInt32
    public init(cpu: UInt16, new: UInt32, create: UInt32, delete: UInt32) {
        self.cpu = cpu; self.new = new; self.create = create; self.delete = delete
    }
}
