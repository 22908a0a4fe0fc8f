/// Error thrown by `setSysctl` for an unknown name or an out-of-range value.
public struct SysctlError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The name as given.
    public var name: String
    /// The value as given.
    public var value: Int
    /// Whether the name is known (then the value was rejected).
    public var knownName: Bool

    public var description: String {
        knownName ? "sysctl \(name): invalid value \(value)" : "sysctl \(name): unknown name"
    }
}

extension TrackerConfiguration {
    /// Every sysctl name `setSysctl` accepts, in their long form.
    public static let sysctlNames: [String] = {
        var n = ["tcp_loose", "tcp_be_liberal", "tcp_ignore_invalid_rst", "tcp_max_retrans", "checksum",
                 "acct", "timestamp", "events", "max",
                 "generic_timeout", "icmp_timeout", "icmpv6_timeout", "udp_timeout", "udp_timeout_stream",
                 "gre_timeout", "gre_timeout_stream",
                 "frag6_timeout", "frag6_high_thresh", "frag6_low_thresh"]
        n += tcpTimeoutNames.map { "tcp_timeout_\($0.0)" }
        n += sctpTimeoutNames.map { "sctp_timeout_\($0.0)" }
        return n.map { "net.netfilter.nf_conntrack_" + $0 }
            + ["net.ipv4.ipfrag_time", "net.ipv4.ipfrag_high_thresh", "net.ipv4.ipfrag_low_thresh"]
    }()

    static let tcpTimeoutNames: [(String, Int)] = [
        ("syn_sent", 1), ("syn_recv", 2), ("established", 3), ("fin_wait", 4), ("close_wait", 5),
        ("last_ack", 6), ("time_wait", 7), ("close", 8), ("max_retrans", Timeouts.tcpRetrans),
        ("unacknowledged", Timeouts.tcpUnack),
    ]
    static let sctpTimeoutNames: [(String, Int)] = [
        ("closed", 1), ("cookie_wait", 2), ("cookie_echoed", 3), ("established", 4),
        ("shutdown_sent", 5), ("shutdown_recd", 6), ("shutdown_ack_sent", 7), ("heartbeat_sent", 8),
    ]

    /// Sets a knob by its sysctl name: `net.netfilter.nf_conntrack_tcp_loose`, the short
    /// form `nf_conntrack_tcp_loose`, the `/proc/sys` path, or `net.ipv4.ipfrag_time`.
    /// Throws `SysctlError` for an unknown name or a value the kernel would refuse.
    public mutating func setSysctl(_ name: String, _ value: Int) throws {
        var key = Substring(name)
        if key.hasPrefix("/proc/sys/") { key = key.dropFirst(10) }
        key = Substring(key.map { $0 == "/" ? "." : $0 })
        if key.hasPrefix("net.netfilter.") { key = key.dropFirst(14) }
        if key.hasPrefix("net.ipv4.") {
            key = key.dropFirst(9)
            switch key {
            case "ipfrag_time": defrag.ipv4Timeout = try Self.seconds(name, value)
            case "ipfrag_high_thresh": defrag.ipv4High = try Self.nonNegative(name, value)
            case "ipfrag_low_thresh": defrag.ipv4Low = try Self.nonNegative(name, value)
            default: throw SysctlError(name: name, value: value, knownName: false)
            }
            return
        }
        guard key.hasPrefix("nf_conntrack_") else { throw SysctlError(name: name, value: value, knownName: false) }
        key = key.dropFirst(13)
        func bool() throws -> Bool {
            guard value == 0 || value == 1 else { throw SysctlError(name: name, value: value, knownName: true) }
            return value == 1
        }
        switch key {
        case "tcp_loose": tcpLoose = value != 0
        case "tcp_be_liberal": tcpBeLiberal = value != 0
        case "tcp_ignore_invalid_rst": tcpIgnoreInvalidRST = try bool()
        case "tcp_max_retrans": tcpMaxRetrans = try Self.nonNegative(name, value)
        case "checksum": checksum = try bool()
        case "acct": accounting = try bool()
        case "timestamp": timestamps = try bool()
        case "events":
            guard (0...2).contains(value) else { throw SysctlError(name: name, value: value, knownName: true) }
            events = value
        case "max": maxEntries = try Self.nonNegative(name, value)
        case "buckets":
            // nf_conntrack_set_hashsize refuses 0.
            guard value >= 1, value <= 1 << 28 else { throw SysctlError(name: name, value: value, knownName: true) }
            hashBuckets = value
        case "expect_max": expectMax = try Self.nonNegative(name, value)
        case "generic_timeout": timeouts.generic = try Self.seconds(name, value)
        case "icmp_timeout": timeouts.icmp = try Self.seconds(name, value)
        case "icmpv6_timeout": timeouts.icmpv6 = try Self.seconds(name, value)
        case "udp_timeout": timeouts.udp = try Self.seconds(name, value)
        case "udp_timeout_stream": timeouts.udpStream = try Self.seconds(name, value)
        case "gre_timeout": timeouts.gre = try Self.seconds(name, value)
        case "gre_timeout_stream": timeouts.greStream = try Self.seconds(name, value)
        case "frag6_timeout": defrag.ipv6Timeout = try Self.seconds(name, value)
        case "frag6_high_thresh": defrag.ipv6High = try Self.nonNegative(name, value)
        case "frag6_low_thresh": defrag.ipv6Low = try Self.nonNegative(name, value)
        default:
            if key.hasPrefix("tcp_timeout_"), let slot = Self.tcpTimeoutNames.first(where: { "tcp_timeout_" + $0.0 == key }) {
                let s = try Self.seconds(name, value)
                timeouts.tcp[slot.1] = s
                // The kernel keeps slot NONE equal to SYN_SENT (the "new" timeout).
                if slot.1 == 1 { timeouts.tcp[0] = s }
            } else if key.hasPrefix("sctp_timeout_"),
                      let slot = Self.sctpTimeoutNames.first(where: { "sctp_timeout_" + $0.0 == key }) {
                timeouts.sctp[slot.1] = try Self.seconds(name, value)
            } else {
                throw SysctlError(name: name, value: value, knownName: false)
            }
        }
    }

    /// Reads a knob by its sysctl name (same names as `setSysctl`); nil for an unknown name.
    public func sysctl(_ name: String) -> Int? {
        var copy = self
        // Probe by name resolution without changing anything: compare against a marker write.
        for probe in [1] {
            do { try copy.setSysctl(name, probe) } catch { return nil }
        }
        var key = name.split(separator: ".").last.map(String.init) ?? name
        key = key.split(separator: "/").last.map(String.init) ?? key
        if key.hasPrefix("nf_conntrack_") { key.removeFirst(13) }
        switch key {
        case "tcp_loose": return tcpLoose ? 1 : 0
        case "tcp_be_liberal": return tcpBeLiberal ? 1 : 0
        case "tcp_ignore_invalid_rst": return tcpIgnoreInvalidRST ? 1 : 0
        case "tcp_max_retrans": return tcpMaxRetrans
        case "checksum": return checksum ? 1 : 0
        case "acct": return accounting ? 1 : 0
        case "timestamp": return timestamps ? 1 : 0
        case "events": return events
        case "max": return maxEntries
        case "buckets": return hashBuckets
        case "expect_max": return expectMax
        case "generic_timeout": return Int(timeouts.generic)
        case "icmp_timeout": return Int(timeouts.icmp)
        case "icmpv6_timeout": return Int(timeouts.icmpv6)
        case "udp_timeout": return Int(timeouts.udp)
        case "udp_timeout_stream": return Int(timeouts.udpStream)
        case "gre_timeout": return Int(timeouts.gre)
        case "gre_timeout_stream": return Int(timeouts.greStream)
        case "frag6_timeout": return Int(defrag.ipv6Timeout)
        case "frag6_high_thresh": return defrag.ipv6High
        case "frag6_low_thresh": return defrag.ipv6Low
        case "ipfrag_time": return Int(defrag.ipv4Timeout)
        case "ipfrag_high_thresh": return defrag.ipv4High
        case "ipfrag_low_thresh": return defrag.ipv4Low
        default:
            if let s = Self.tcpTimeoutNames.first(where: { "tcp_timeout_" + $0.0 == key }) { return Int(timeouts.tcp[s.1]) }
            if let s = Self.sctpTimeoutNames.first(where: { "sctp_timeout_" + $0.0 == key }) { return Int(timeouts.sctp[s.1]) }
            return nil
        }
    }

    private static func seconds(_ name: String, _ value: Int) throws -> UInt32 {
        guard value >= 0, value <= Int(Int32.max) / 250 else { throw SysctlError(name: name, value: value, knownName: true) }
        return UInt32(value)
    }

    private static func nonNegative(_ name: String, _ value: Int) throws -> Int {
        guard value >= 0 else { throw SysctlError(name: name, value: value, knownName: true) }
        return value
    }
}
