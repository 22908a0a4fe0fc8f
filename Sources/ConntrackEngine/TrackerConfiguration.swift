/// Every knob of the tracker, named after the kernel's sysctls
/// (`/proc/sys/net/netfilter/nf_conntrack_*`). Defaults are Linux 6.18's.
///
/// ```swift
/// var c = TrackerConfiguration()
/// c.accounting = true                       // nf_conntrack_acct=1
/// try c.setSysctl("nf_conntrack_tcp_loose", 0)
/// let t = Tracker(configuration: c)
/// ```
public struct TrackerConfiguration: Sendable, Hashable {
    /// `nf_conntrack_checksum`: verify layer-4 checksums of packets at PRE_ROUTING.
    public var checksum: Bool = true
    /// `nf_conntrack_acct`: per-entry packet/byte counters (decided when an entry is created).
    public var accounting: Bool = false
    /// `nf_conntrack_timestamp`: start/stop timestamps (decided when an entry is created).
    public var timestamps: Bool = false
    /// `nf_conntrack_events`: 0 off, 1 always, 2 only if `hasEventListener`.
    public var events: Int = 2
    /// Whether someone consumes events (what `nf_conntrack_events=2` asks the kernel).
    public var hasEventListener: Bool = true
    /// Events kept until `drainEvents` (like a listener's socket buffer); beyond it events
    /// are lost and counted in `EngineCounters.eventsLost`.
    public var eventQueueLimit: Int = 65_536
    /// `nf_conntrack_max`: table size limit; 0 = unlimited.
    public var maxEntries: Int = 262_144
    /// `nf_conntrack_buckets`: the kernel's hash table size. The engine's own index is
    /// sized by the table; this only shapes early drop, which the kernel does per bucket
    /// (8 buckets from the new tuple's, every non-ASSURED entry of the first bucket that
    /// has one), so the number of entries it looks at is 8 x entries per bucket.
    public var hashBuckets: Int = 262_144
    /// `nf_conntrack_expect_max`
    public var expectMax: Int = 4096
    /// `nf_conntrack_ftp` module option `loose`: expect connections to an address other
    /// than the sender's.
    public var ftpLoose: Bool = false
    /// `nf_conntrack_tcp_loose`: pick up connections in the middle.
    public var tcpLoose: Bool = true
    /// `nf_conntrack_tcp_be_liberal`: window failures never make a packet invalid.
    public var tcpBeLiberal: Bool = false
    /// `nf_conntrack_tcp_ignore_invalid_rst`: skip the RST sequence check.
    public var tcpIgnoreInvalidRST: Bool = false
    /// `nf_conntrack_tcp_max_retrans`: identical retransmissions before the RETRANS timeout.
    public var tcpMaxRetrans: Int = 3
    /// Timeouts in seconds, one per `*_timeout*` sysctl.
    public var timeouts: Timeouts = .init()
    /// Defragmentation limits (`ipfrag_*`, `nf_conntrack_frag6_*`).
    public var defrag: DefragLimits = .init()

    public init() {}

    /// Whether newly created entries get the event extension.
    @inlinable
    var eventsEnabled: Bool { events == 1 || (events == 2 && hasEventListener) }
}

/// Protocol timeouts in seconds (`nf_conntrack_*_timeout*`).
public struct Timeouts: Sendable, Hashable {
    /// `nf_conntrack_generic_timeout`
    public var generic: UInt32 = 600
    /// `nf_conntrack_icmp_timeout`
    public var icmp: UInt32 = 30
    /// `nf_conntrack_icmpv6_timeout`
    public var icmpv6: UInt32 = 30
    /// `nf_conntrack_udp_timeout`
    public var udp: UInt32 = 30
    /// `nf_conntrack_udp_timeout_stream`
    public var udpStream: UInt32 = 120
    /// `nf_conntrack_gre_timeout`
    public var gre: UInt32 = 30
    /// `nf_conntrack_gre_timeout_stream`
    public var greStream: UInt32 = 180
    /// TCP timeouts indexed like the kernel's `tcp_timeouts[]`: slot 0 (NONE) unused,
    /// 1...9 = SYN_SENT...SYN_SENT2, 10 unused (MAX), 11 unused (IGNORE),
    /// 12 = RETRANS (`tcp_timeout_max_retrans`), 13 = UNACK (`tcp_timeout_unacknowledged`).
    public var tcp: [UInt32] = [120, 120, 60, 432_000, 120, 60, 30, 120, 10, 120, 0, 0, 300, 300]
    /// SCTP timeouts indexed by `SCTPState` raw value (0 NONE unused ... 9 HEARTBEAT_ACKED).
    public var sctp: [UInt32] = [0, 10, 3, 3, 210, 3, 3, 3, 30, 210]

    public init() {}

    /// Index of the RETRANS pseudo-state in `tcp`.
    public static let tcpRetrans = 12
    /// Index of the UNACK pseudo-state in `tcp`.
    public static let tcpUnack = 13
}

/// Reassembly limits: bytes of queued fragments and how long a queue may wait.
public struct DefragLimits: Sendable, Hashable {
    /// `net.ipv4.ipfrag_high_thresh`
    public var ipv4High: Int = 4 * 1024 * 1024
    /// `net.ipv4.ipfrag_low_thresh`
    public var ipv4Low: Int = 3 * 1024 * 1024
    /// `net.ipv4.ipfrag_time` (seconds)
    public var ipv4Timeout: UInt32 = 30
    /// `nf_conntrack_frag6_high_thresh`
    public var ipv6High: Int = 4 * 1024 * 1024
    /// `nf_conntrack_frag6_low_thresh`
    public var ipv6Low: Int = 3 * 1024 * 1024
    /// `nf_conntrack_frag6_timeout` (seconds)
    public var ipv6Timeout: UInt32 = 60
    public init() {}
}
