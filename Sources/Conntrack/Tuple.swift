/// Well-known layer-4 protocol numbers used across the package.
public enum IPProtocol {
    public static let icmp: UInt8 = 1
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    public static let dccp: UInt8 = 33
    public static let gre: UInt8 = 47
    public static let icmpv6: UInt8 = 58
    public static let sctp: UInt8 = 132
    public static let udplite: UInt8 = 136

    /// The name conntrack-tools prints for a protocol number (`unknown` for the rest).
    public static func name(_ p: UInt8) -> String {
        switch p {
        case tcp: "tcp"
        case udp: "udp"
        case udplite: "udplite"
        case icmp: "icmp"
        case icmpv6: "icmpv6"
        case sctp: "sctp"
        case dccp: "dccp"
        case gre: "gre"
        default: "unknown"
        }
    }
}

/// One direction of a connection, the kernel's `struct nf_conntrack_tuple`
/// (`CTA_TUPLE_ORIG` / `CTA_TUPLE_REPLY` / `CTA_TUPLE_MASTER`).
///
/// The two 16-bit layer-4 words follow the kernel's layout: for TCP, UDP, UDPLite,
/// SCTP and DCCP they are the ports; for GRE the keys; for ICMP/ICMPv6 `sourcePort`
/// holds the identifier and `destinationPort` holds type (high byte) and code (low
/// byte). Other protocols leave both zero.
///
/// ```swift
/// let t = Tuple(source: IPAddress("10.0.0.1")!, destination: IPAddress("10.0.0.2")!,
///               protocol: IPProtocol.tcp, sourcePort: 40000, destinationPort: 80)
/// let r = t.inverted()   // 10.0.0.2:80 -> 10.0.0.1:40000
/// ```
public struct Tuple: Hashable, Sendable {
    /// Source address (`CTA_IP_V4_SRC` / `CTA_IP_V6_SRC`).
    public var source: IPAddress
    /// Destination address (`CTA_IP_V4_DST` / `CTA_IP_V6_DST`).
    public var destination: IPAddress
    /// Layer-4 protocol number (`CTA_PROTO_NUM`).
    public var proto: UInt8
    /// Source port, GRE source key or ICMP identifier (`CTA_PROTO_SRC_PORT` / `CTA_PROTO_ICMP_ID`).
    public var sourcePort: UInt16
    /// Destination port, GRE destination key, or ICMP `type << 8 | code`.
    public var destinationPort: UInt16
    /// The zone carried inside the tuple (`CTA_TUPLE_ZONE`), if the kernel sent one.
    public var zone: UInt16?

    /// Creates a tuple.
    public init(source: IPAddress, destination: IPAddress, protocol proto: UInt8,
                sourcePort: UInt16 = 0, destinationPort: UInt16 = 0, zone: UInt16? = nil) {
        self.source = source
        self.destination = destination
        self.proto = proto
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.zone = zone
    }

    /// Creates an ICMP or ICMPv6 tuple.
    public static func icmp(source: IPAddress, destination: IPAddress, type: UInt8, code: UInt8, id: UInt16) -> Tuple {
        Tuple(source: source, destination: destination,
              protocol: source.family == .ipv4 ? IPProtocol.icmp : IPProtocol.icmpv6,
              sourcePort: id, destinationPort: UInt16(type) << 8 | UInt16(code))
    }

    /// The address family of the tuple.
    @inlinable public var family: AddressFamily { source.family }
    /// ICMP identifier (ICMP/ICMPv6 tuples).
    @inlinable public var icmpID: UInt16 { sourcePort }
    /// ICMP type (ICMP/ICMPv6 tuples).
    @inlinable public var icmpType: UInt8 { UInt8(truncatingIfNeeded: destinationPort >> 8) }
    /// ICMP code (ICMP/ICMPv6 tuples).
    @inlinable public var icmpCode: UInt8 { UInt8(truncatingIfNeeded: destinationPort) }

    /// Whether the protocol carries ports in its tuple (TCP, UDP, UDPLite, SCTP, DCCP).
    public var hasPorts: Bool {
        switch proto {
        case IPProtocol.tcp, IPProtocol.udp, IPProtocol.udplite, IPProtocol.sctp, IPProtocol.dccp: true
        default: false
        }
    }

    /// Whether `proto` is ICMP for IPv4 or ICMPv6 for IPv6.
    public var isICMP: Bool { proto == IPProtocol.icmp || proto == IPProtocol.icmpv6 }

    /// The reply tuple for port-like protocols: addresses and layer-4 words swapped.
    /// ICMP types are not mapped here (see the engine's inversion table).
    public func inverted() -> Tuple {
        Tuple(source: destination, destination: source, protocol: proto,
              sourcePort: destinationPort, destinationPort: sourcePort, zone: zone)
    }
}
