/// Where the network-layer (IP) packet starts inside a captured frame, or why there is none.
public enum NetworkLayer: Hashable, Sendable {
    /// An IPv4 packet starts at `offset`.
    case ipv4(offset: Int)
    /// An IPv6 packet starts at `offset`.
    case ipv6(offset: Int)
    /// The frame does not carry IP (ARP, LLDP...), or cannot be understood; callers skip and count it.
    case notIP(NotIPReason)

    /// The offset of the IP header, when there is one.
    @inlinable
    public var offset: Int? {
        switch self {
        case .ipv4(let o), .ipv6(let o): return o
        case .notIP: return nil
        }
    }
}

/// Why a frame carries no IP packet we can find.
public enum NotIPReason: Hashable, Sendable, CustomStringConvertible {
    /// The link layer names another protocol: an EtherType (Ethernet, Linux SLL/SLL2), an
    /// address family (NULL, LOOP) or the IP version nibble (raw IP).
    case otherProtocol(UInt32)
    /// The frame ends inside the link-layer header (or right after it).
    case truncated
    /// Too many stacked VLAN tags (more than ``LinkLayer/maximumVLANTags``).
    case tooManyVLANTags
    /// The link layer announces IPv4 or IPv6 but the packet's version nibble says otherwise
    /// (for instance a QinQ frame whose inner tag libpcap mangled in a cooked capture).
    case ipVersionMismatch(announced: UInt8, found: UInt8)
    /// A link type this module does not decode.
    case unsupportedLinkType(LinkType)

    /// A short phrase, e.g. `protocol 0x0806`.
    public var description: String {
        switch self {
        case .otherProtocol(let p): return "protocol 0x" + String(p, radix: 16)
        case .truncated: return "truncated link-layer header"
        case .tooManyVLANTags: return "too many VLAN tags"
        case .ipVersionMismatch(let announced, let found): return "IPv\(announced) announced, version \(found) found"
        case .unsupportedLinkType(let t): return "unsupported link type \(t)"
        }
    }
}

/// Link-layer header decoding: finds the IPv4 or IPv6 packet inside a captured frame.
///
/// ```swift
/// switch LinkLayer.networkLayer(linkType: packet.linkType, frame: packet.bytes) {
/// case .ipv4(let offset), .ipv6(let offset):
///     engine.process(UnsafeRawBufferPointer(rebasing: packet.bytes[offset...]), now: packet.timestamp)
/// case .notIP(let why):
///     skipped += 1
/// }
/// ```
public enum LinkLayer {
    /// `ETH_P_IP`
    public static let etherTypeIPv4: UInt16 = 0x0800
    /// `ETH_P_IPV6`
    public static let etherTypeIPv6: UInt16 = 0x86dd
    /// `ETH_P_8021Q`
    public static let etherType8021Q: UInt16 = 0x8100
    /// `ETH_P_8021AD` (QinQ service tag)
    public static let etherType8021AD: UInt16 = 0x88a8
    /// The pre-standard QinQ EtherType some switches still use.
    public static let etherTypeQinQ9100: UInt16 = 0x9100
    /// The most VLAN tags we walk through before giving up.
    public static let maximumVLANTags = 8

    /// Finds the IP packet in `frame`, a frame of link type `linkType` as captured.
    ///
    /// Handles Ethernet (`LINKTYPE_ETHERNET`) with any stack of 802.1Q / 802.1ad tags, Linux
    /// SLL and SLL2, raw IP (101, and the DLT values 12 and 14 found in old files; 228 IPv4;
    /// 229 IPv6), BSD NULL loopback (host-order family: 2 IPv4; 24, 28, 30 IPv6) and OpenBSD
    /// LOOP (the same in network order). Besides the link-layer header it checks only the
    /// IP version nibble; the caller validates the rest of the IP header.
    @inlinable
    public static func networkLayer(linkType: LinkType, frame: UnsafeRawBufferPointer) -> NetworkLayer {
        switch linkType.rawValue {
        case 1: return ethernet(frame)
        case 113: return cooked(frame, headerLength: 16, protocolAt: 14)
        case 276: return cooked(frame, headerLength: 20, protocolAt: 0)
        case 12, 14, 101:
            guard frame.count > 0 else { return .notIP(.truncated) }
            switch frame[0] >> 4 {
            case 4: return .ipv4(offset: 0)
            case 6: return .ipv6(offset: 0)
            case let v: return .notIP(.otherProtocol(UInt32(v)))
            }
        case 228: return checked(frame, 0, version: 4)
        case 229: return checked(frame, 0, version: 6)
        case 0, 108:
            guard frame.count > 4 else { return .notIP(.truncated) }
            var family = UInt32(bigEndian: frame.loadUnaligned(as: UInt32.self))
            // NULL: the writer's host order. A family fits in 16 bits, so a value with
            // high bits set was written by a host of the other byte order.
            if linkType.rawValue == 0 && family & 0xffff_0000 != 0 { family = family.byteSwapped }
            switch family {
            case 2: return checked(frame, 4, version: 4)
            case 24, 28, 30: return checked(frame, 4, version: 6)
            default: return .notIP(.otherProtocol(family))
            }
        default:
            return .notIP(.unsupportedLinkType(linkType))
        }
    }

    @inlinable
    static func ethernet(_ frame: UnsafeRawBufferPointer) -> NetworkLayer {
        guard frame.count >= 14 else { return .notIP(.truncated) }
        return afterEtherType(frame, typeAt: 12)
    }

    @inlinable
    static func cooked(_ frame: UnsafeRawBufferPointer, headerLength: Int, protocolAt: Int) -> NetworkLayer {
        guard frame.count >= headerLength else { return .notIP(.truncated) }
        let type = UInt16(bigEndian: frame.loadUnaligned(fromByteOffset: protocolAt, as: UInt16.self))
        return dispatch(frame, type: type, offset: headerLength)
    }

    /// Reads the EtherType at `typeAt`; the payload follows it.
    @inlinable
    static func afterEtherType(_ frame: UnsafeRawBufferPointer, typeAt: Int) -> NetworkLayer {
        let type = UInt16(bigEndian: frame.loadUnaligned(fromByteOffset: typeAt, as: UInt16.self))
        return dispatch(frame, type: type, offset: typeAt + 2)
    }

    /// `type` is the EtherType of the bytes at `offset`; walks VLAN tags (TCI(2) type(2)).
    @inlinable
    static func dispatch(_ frame: UnsafeRawBufferPointer, type: UInt16, offset: Int) -> NetworkLayer {
        var type = type, offset = offset, tags = 0
        while type == etherType8021Q || type == etherType8021AD || type == etherTypeQinQ9100 {
            tags += 1
            if tags > maximumVLANTags { return .notIP(.tooManyVLANTags) }
            guard frame.count >= offset + 4 else { return .notIP(.truncated) }
            type = UInt16(bigEndian: frame.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self))
            offset += 4
        }
        switch type {
        case etherTypeIPv4: return checked(frame, offset, version: 4)
        case etherTypeIPv6: return checked(frame, offset, version: 6)
        default: return .notIP(.otherProtocol(UInt32(type)))
        }
    }

    /// The packet at `offset` exists and its first nibble is `version`.
    @inlinable
    static func checked(_ frame: UnsafeRawBufferPointer, _ offset: Int, version: UInt8) -> NetworkLayer {
        guard frame.count > offset else { return .notIP(.truncated) }
        let found = frame[offset] >> 4
        guard found == version else { return .notIP(.ipVersionMismatch(announced: version, found: found)) }
        return version == 4 ? .ipv4(offset: offset) : .ipv6(offset: offset)
    }
}
