import Conntrack

/// The engine's statistics: the per-CPU counters `conntrack -S` prints plus one counter per
/// `InvalidReason` and a few engine-only ones.
public struct EngineCounters: Hashable, Sendable {
    /// `found`: the kernel counts NAT tuple-taken checks here; the engine never does NAT.
    public var found: UInt64 = 0
    /// `invalid`: packets that got no conntrack (header unusable, tracker rejected...).
    public var invalid: UInt64 = 0
    /// `insert`: entries inserted by ctnetlink (never by packets).
    public var insert: UInt64 = 0
    /// `insert_failed`
    public var insertFailed: UInt64 = 0
    /// `drop`: table full, nothing early-droppable.
    public var drop: UInt64 = 0
    /// `early_drop`: entries evicted to make room.
    public var earlyDrop: UInt64 = 0
    /// `error`: ICMP/ICMPv6 error-handler failures.
    public var error: UInt64 = 0
    /// `search_restart` (always 0: single-threaded lookups never restart).
    public var searchRestart: UInt64 = 0
    /// `clash_resolve` (always 0 in a single-threaded tracker).
    public var clashResolve: UInt64 = 0
    /// `chaintoolong` (always 0: open addressing has no chains).
    public var chainTooLong: UInt64 = 0

    /// Packets handed to `process` (fragments included).
    public var packets: UInt64 = 0
    /// Connections created.
    public var created: UInt64 = 0
    /// Connections destroyed, by cause.
    public var expired: UInt64 = 0
    public var killedByRST: UInt64 = 0
    public var reopened: UInt64 = 0
    /// Packets that were ICMP errors attached as RELATED.
    public var related: UInt64 = 0
    /// Untracked packets (ICMPv6 ND/MLD, notrack).
    public var untracked: UInt64 = 0
    /// Fragments queued / datagrams reassembled / queues timed out.
    public var fragmentsQueued: UInt64 = 0
    public var reassembled: UInt64 = 0
    public var fragmentQueuesExpired: UInt64 = 0
    /// Packets the IP layer drops before conntrack (bad IPv4 header checksum).
    public var droppedBeforeConntrack: UInt64 = 0
    /// Events dropped because the queue was full.
    public var eventsLost: UInt64 = 0
    /// `expect_new`: connections created from an expectation.
    public var expectNew: UInt64 = 0
    /// `expect_create`: expectations registered.
    public var expectCreate: UInt64 = 0
    /// `expect_delete`: expectations removed (used, replaced, expired, master gone).
    public var expectDelete: UInt64 = 0
    /// Packets a helper dropped (partial FTP command, expectation refused).
    public var helperDrops: UInt64 = 0
    /// FTP commands on NATed connections: the kernel's nf_nat_ftp would rewrite them;
    /// the engine registers the expectation without rewriting.
    public var helperNATUnsupported: UInt64 = 0
    /// Count per `InvalidReason` raw value.
    public var reasons: [UInt64] = Array(repeating: 0, count: InvalidReason.allCases.count)

    public init() {}

    /// How many packets got `reason`.
    public subscript(reason: InvalidReason) -> UInt64 { reasons[Int(reason.rawValue)] }

    /// The counters as `conntrack -S` reports one CPU (the ten attributes 6.18 sends).
    public func cpuStatistics(cpu: UInt16 = 0) -> CPUStatistics {
        var s = CPUStatistics(cpu: cpu)
        func c(_ v: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: v) }
        s["found"] = c(found)
        s["invalid"] = c(invalid)
        s["insert"] = c(insert)
        s["insert_failed"] = c(insertFailed)
        s["drop"] = c(drop)
        s["early_drop"] = c(earlyDrop)
        s["error"] = c(error)
        s["search_restart"] = c(searchRestart)
        s["clash_resolve"] = c(clashResolve)
        s["chaintoolong"] = c(chainTooLong)
        return s
    }
}
