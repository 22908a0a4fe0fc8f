import Conntrack

/// A connection in the tracker's slab, addressed by a 32-bit index. Valid until the
/// connection is destroyed (slots are reused afterwards).
public struct ConnectionHandle: Hashable, Sendable {
    /// Index into the connection slab.
    public var index: UInt32
    @inlinable public init(index: UInt32) { self.index = index }
}

/// Direction of a packet relative to its connection (`enum ip_conntrack_dir`).
public enum PacketDirection: UInt8, Sendable, Hashable {
    /// `IP_CT_DIR_ORIGINAL`: same direction as the packet that created the entry.
    case original = 0
    /// `IP_CT_DIR_REPLY`
    case reply = 1
}

/// What a firewall's `ct state` would see for a packet (nft `ct state`, xt_state).
public enum FirewallState: UInt8, Sendable, Hashable, CustomStringConvertible {
    /// `ct state new`: original direction, no reply seen yet (`IP_CT_NEW`).
    case new
    /// `ct state established` (`IP_CT_ESTABLISHED` / `IP_CT_ESTABLISHED_REPLY`).
    case established
    /// `ct state related`: ICMP error about a known connection (`IP_CT_RELATED[_REPLY]`).
    case related
    /// `ct state invalid`: no conntrack attached.
    case invalid
    /// `ct state untracked`: ICMPv6 neighbour discovery / MLD (`IP_CT_UNTRACKED`).
    case untracked
    /// A fragment queued for reassembly: conntrack has not seen the packet (yet).
    case fragmentQueued

    public var description: String {
        switch self {
        case .new: "new"
        case .established: "established"
        case .related: "related"
        case .invalid: "invalid"
        case .untracked: "untracked"
        case .fragmentQueued: "fragment-queued"
        }
    }
}

/// The tracker's decision for one packet. A small value: no allocation.
public struct Verdict: Hashable, Sendable {
    /// The connection the packet belongs to; nil for invalid, untracked or queued packets.
    public var connection: ConnectionHandle?
    /// The packet's direction on that connection.
    public var direction: PacketDirection
    /// The `ct state` a firewall would match.
    public var state: FirewallState
    /// Why the packet is invalid (`.none` otherwise; some accepted TCP packets carry the
    /// reason they were ignored, e.g. `.tcpIgnored`).
    public var reason: InvalidReason
    /// The kernel would drop the packet (table full: `NF_DROP`).
    public var dropped: Bool
    /// The packet created an entry that is not confirmed yet
    /// (`PacketMetadata.deferConfirmation`): set up NAT, then `Tracker.confirm`.
    public var unconfirmed: Bool = false

    @inlinable
    public init(connection: ConnectionHandle? = nil, direction: PacketDirection = .original,
                state: FirewallState, reason: InvalidReason = .none, dropped: Bool = false) {
        self.connection = connection
        self.direction = direction
        self.state = state
        self.reason = reason
        self.dropped = dropped
    }

    /// Whether the packet is in the reply direction (`IP_CT_IS_REPLY`).
    @inlinable public var isReply: Bool { direction == .reply }

    /// The kernel's `enum ip_conntrack_info` value (0...4), 7 for untracked, nil for invalid.
    public var ctinfo: UInt8? {
        switch state {
        case .established: direction == .reply ? 3 : 0
        case .related: direction == .reply ? 4 : 1
        case .new: 2
        case .untracked: 7
        case .invalid, .fragmentQueued: nil
        }
    }

    @usableFromInline static func invalid(_ r: InvalidReason) -> Verdict { Verdict(state: .invalid, reason: r) }
}

/// A conntrack zone as a template assigns it (`struct nf_conntrack_zone`).
public struct Zone: Hashable, Sendable {
    /// Which directions the zone id applies to (`NF_CT_ZONE_DIR_*`).
    public enum Directions: UInt8, Sendable, Hashable {
        /// `NF_CT_ZONE_DIR_ORIG`: `ct original zone set`.
        case original = 1
        /// `NF_CT_ZONE_DIR_REPL`: `ct reply zone set`.
        case reply = 2
        /// `NF_CT_DEFAULT_ZONE_DIR`: `ct zone set`.
        case both = 3
    }
    /// Zone id (0 = default zone).
    public var id: UInt16
    /// Directions the id applies to.
    public var directions: Directions
    @inlinable public init(id: UInt16 = 0, directions: Directions = .both) { self.id = id; self.directions = directions }

    /// The id used for tuples of direction `dir` (`nf_ct_zone_id`).
    @inlinable @inline(__always) func id(for dir: UInt8) -> UInt16 {
        (directions.rawValue & (1 << dir)) != 0 ? id : 0
    }
}

/// Where in the stack the packet is seen: checksums are only verified at PRE_ROUTING.
public enum Hook: UInt8, Sendable, Hashable {
    /// `NF_INET_PRE_ROUTING`: received packets (forwarded or local input).
    case preRouting = 0
    /// `NF_INET_LOCAL_OUT`: locally generated packets (checksums trusted).
    case localOut = 3
}

/// Per-packet context a ruleset or the capture would provide.
public struct PacketMetadata: Hashable, Sendable {
    /// Zone from a template (`ct zone set`, `CT --zone`).
    public var zone: Zone
    /// `ct mark set VALUE`: sets the connection's mark (nil = leave it).
    public var setMark: UInt32?
    /// The hook the packet is seen at.
    public var hook: Hook
    /// The NIC already validated the checksum (`CHECKSUM_UNNECESSARY`).
    public var checksumVerified: Bool
    /// `notrack` / `CT --notrack`: the packet is untracked.
    public var notrack: Bool
    /// The packet still has hooks to pass (NAT setup, filtering): a new entry is left
    /// unconfirmed and an existing entry's events stay cached; the caller then calls
    /// `Tracker.confirm` (the packet made it) or `Tracker.discard` (it was dropped).
    public var deferConfirmation: Bool = false

    @inlinable
    public init(zone: Zone = .init(), setMark: UInt32? = nil, hook: Hook = .preRouting,
                checksumVerified: Bool = false, notrack: Bool = false) {
        self.zone = zone
        self.setMark = setMark
        self.hook = hook
        self.checksumVerified = checksumVerified
        self.notrack = notrack
    }
}
