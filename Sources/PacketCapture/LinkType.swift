/// A capture file's link-layer header type: the `LINKTYPE_*` number from the pcap and
/// pcapng specifications (the value stored in files, not the platform's `DLT_*`).
///
/// ```swift
/// if packet.linkType == .ethernet { ... }
/// print(LinkType(rawValue: 276))   // "LINUX_SLL2"
/// ```
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The `LINKTYPE_*` number.
    public var rawValue: UInt32

    /// Creates a link type from its `LINKTYPE_*` number.
    @inlinable
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `LINKTYPE_NULL` (0): BSD loopback, a 4-byte address family in the capturing host's byte order.
    public static let null = LinkType(rawValue: 0)
    /// `LINKTYPE_ETHERNET` (1): Ethernet II / 802.3, possibly with 802.1Q or 802.1ad tags.
    public static let ethernet = LinkType(rawValue: 1)
    /// `DLT_RAW` as written on most platforms (12): raw IPv4 or IPv6, version from the first nibble.
    public static let rawDLT12 = LinkType(rawValue: 12)
    /// `DLT_RAW` as written on OpenBSD (14): raw IPv4 or IPv6.
    public static let rawDLT14 = LinkType(rawValue: 14)
    /// `LINKTYPE_RAW` (101): raw IPv4 or IPv6, version from the first nibble.
    public static let raw = LinkType(rawValue: 101)
    /// `LINKTYPE_LOOP` (108): OpenBSD loopback, a 4-byte address family in network byte order.
    public static let loop = LinkType(rawValue: 108)
    /// `LINKTYPE_LINUX_SLL` (113): Linux "cooked" capture, version 1 (16-byte header).
    public static let linuxSLL = LinkType(rawValue: 113)
    /// `LINKTYPE_IPV4` (228): raw IPv4 only.
    public static let ipv4 = LinkType(rawValue: 228)
    /// `LINKTYPE_IPV6` (229): raw IPv6 only.
    public static let ipv6 = LinkType(rawValue: 229)
    /// `LINKTYPE_LINUX_SLL2` (276): Linux "cooked" capture, version 2 (20-byte header).
    public static let linuxSLL2 = LinkType(rawValue: 276)

    /// The name without the `LINKTYPE_` prefix, or the number for types we do not know.
    public var description: String {
        switch rawValue {
        case 0: return "NULL"
        case 1: return "ETHERNET"
        case 12, 14, 101: return "RAW"
        case 108: return "LOOP"
        case 113: return "LINUX_SLL"
        case 228: return "IPV4"
        case 229: return "IPV6"
        case 276: return "LINUX_SLL2"
        default: return "LINKTYPE_\(rawValue)"
        }
    }
}
