import Conntrack

/// The interfaces and routes of the machine the ruleset runs on: what `iifname`/`oifname`
/// match, where masquerade and redirect take their addresses from, and whether a packet
/// is delivered locally (input hook) or forwarded.
///
/// ```swift
/// let r = RouterModel(interfaces: [
///     .init(name: "lan0", addresses: [IPAddress("10.0.0.1")!], prefixLengths: [24]),
///     .init(name: "wan0", addresses: [IPAddress("192.0.2.1")!], prefixLengths: [24]),
/// ], routes: [.init(destination: IPAddress("0.0.0.0")!, prefixLength: 0, interface: "wan0")])
/// ```
public struct RouterModel: Sendable, Hashable {
    /// One interface: its name and addresses, the first of each family being the primary
    /// one (masquerade's source, redirect's destination).
    public struct Interface: Sendable, Hashable {
        /// Interface name (`iifname` / `oifname`).
        public var name: String
        /// Addresses, primary first per family.
        public var addresses: [IPAddress]
        /// Prefix length of each address (its connected route).
        public var prefixLengths: [Int]
        /// Creates an interface.
        public init(name: String, addresses: [IPAddress] = [], prefixLengths: [Int] = []) {
            self.name = name; self.addresses = addresses
            self.prefixLengths = prefixLengths.count == addresses.count
                ? prefixLengths : addresses.map { $0.family == .ipv4 ? 32 : 128 }
        }
    }

    /// A route: destinations within `destination/prefixLength` leave through `interface`.
    public struct Route: Sendable, Hashable {
        /// Network address.
        public var destination: IPAddress
        /// Prefix length.
        public var prefixLength: Int
        /// Outgoing interface name.
        public var interface: String
        /// Creates a route.
        public init(destination: IPAddress, prefixLength: Int, interface: String) {
            self.destination = destination; self.prefixLength = prefixLength; self.interface = interface
        }
    }

    /// Interfaces; a packet's interface is an index into this list.
    public var interfaces: [Interface]
    /// Extra routes (each interface's connected prefixes are routes too).
    public var routes: [Route]

    /// Creates a model.
    public init(interfaces: [Interface], routes: [Route] = []) {
        self.interfaces = interfaces; self.routes = routes
    }

    /// A router that forwards everything out of one interface: what `--pcap` assumes when
    /// it is told nothing about the interfaces.
    public static let passThrough = RouterModel(interfaces: [Interface(name: "any")])

    /// The index of the interface named `name`.
    public func index(of name: String) -> Int? { interfaces.firstIndex { $0.name == name } }

    /// Whether `a` is one of the router's own addresses.
    public func isLocal(_ a: IPAddress) -> Bool {
        interfaces.contains { $0.addresses.contains(a) }
    }

    /// The primary address of `family` on interface `i`.
    public func primaryAddress(_ i: Int, family: AddressFamily) -> IPAddress? {
        guard i >= 0 && i < interfaces.count else { return nil }
        return interfaces[i].addresses.first { $0.family == family }
    }

    /// The source address masquerade takes on interface `i` for a packet to `destination`
    /// (`nf_nat_masquerade_ipv4` / `_ipv6`). IPv4: the interface's primary address.
    /// IPv6: source address selection as `ipv6_dev_get_saddr` applies it to the outgoing
    /// interface's addresses (RFC 6724): the smallest scope not below the destination's
    /// (rule 2), the destination's policy label (rule 6), the longest common prefix up to
    /// the address's prefix length (rule 8); on a tie the address listed first.
    public func sourceAddress(_ i: Int, for destination: IPAddress) -> IPAddress? {
        guard destination.family == .ipv6 else { return primaryAddress(i, family: destination.family) }
        guard i >= 0 && i < interfaces.count else { return nil }
        let itf = interfaces[i]
        let dstScope = Self.scope(destination), dstLabel = Self.label(destination)
        var best: (IPAddress, Int, Int, Int)? = nil
        for (a, len) in zip(itf.addresses, itf.prefixLengths) where a.family == .ipv6 {
            let sc = Self.scope(a)
            let scopeScore = sc >= dstScope ? -sc : sc - 128
            let labelScore = Self.label(a) == dstLabel ? 1 : 0
            let prefixScore = min(Self.commonPrefix(a, destination), len)
            if a == destination { return a }
            let score = (a, scopeScore, labelScore, prefixScore)
            if let b = best {
                if (scopeScore, labelScore, prefixScore) > (b.1, b.2, b.3) { best = score }
            } else {
                best = score
            }
        }
        return best?.0
    }

    /// IPv6 unicast scope as the kernel numbers it: loopback 1, link-local 2, site-local
    /// 5, global 14 (unique local addresses are global).
    static func scope(_ a: IPAddress) -> Int {
        if a.high == 0 && a.low == 1 { return 1 }
        let top10 = a.high >> 54
        if top10 == 0x3fa { return 2 }      // fe80::/10
        if top10 == 0x3fb { return 5 }      // fec0::/10
        if a.high >> 56 == 0xff { return Int((a.high >> 48) & 0xf) }
        return 14
    }

    /// The default policy table's label (`ipv6_addr_label_init_table`).
    static func label(_ a: IPAddress) -> Int {
        let table: [(UInt64, UInt64, Int, Int)] = [
            (0, 1, 128, 0), (0, 0xffff_0000_0000, 96, 4), (0x2002 << 48, 0, 16, 2), (0x2001_0000 << 32, 0, 32, 6),
            (0x2001_0010 << 32, 0, 28, 7), (0xfc00 << 48, 0, 7, 5), (0, 0, 96, 3), (0xfec0 << 48, 0, 10, 11),
            (0x3ffe << 48, 0, 16, 12),
        ]
        var best = (-1, 1)   // ::/0 -> 1
        for (hi, lo, len, label) in table where len > best.0 {
            if prefixMatch(IPAddress(ipv6High: hi, low: lo), a, len) { best = (len, label) }
        }
        return best.1
    }

    /// Number of leading bits two IPv6 addresses share.
    static func commonPrefix(_ a: IPAddress, _ b: IPAddress) -> Int {
        let h = a.high ^ b.high
        if h != 0 { return h.leadingZeroBitCount }
        return 64 + (a.low ^ b.low).leadingZeroBitCount
    }

    /// Longest-prefix match over connected and configured routes; nil when no route.
    /// With no routes and a single interface, everything leaves through it.
    public func route(_ dst: IPAddress) -> Int? {
        var best: (Int, Int)? = nil
        func consider(_ net: IPAddress, _ len: Int, _ ifi: Int) {
            guard net.family == dst.family, Self.prefixMatch(net, dst, len) else { return }
            if best == nil || len > best!.0 { best = (len, ifi) }
        }
        for (i, itf) in interfaces.enumerated() {
            for (a, l) in zip(itf.addresses, itf.prefixLengths) { consider(a, l, i) }
        }
        for r in routes { if let i = index(of: r.interface) { consider(r.destination, r.prefixLength, i) } }
        if best == nil && interfaces.count == 1 && routes.isEmpty { return 0 }
        return best?.1
    }

    static func prefixMatch(_ a: IPAddress, _ b: IPAddress, _ len: Int) -> Bool {
        let bits = a.family == .ipv4 ? min(len, 32) : min(len, 128)
        if bits <= 0 { return true }
        if bits >= 64 {
            if a.high != b.high { return false }
            if bits == 64 { return true }
            let m: UInt64 = bits >= 128 ? ~0 : ~0 << UInt64(128 - bits)
            return a.low & m == b.low & m
        }
        let m: UInt64 = ~0 << UInt64(64 - bits)
        return a.high & m == b.high & m
    }
}
