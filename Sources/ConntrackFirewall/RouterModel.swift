import Conntrack

/// The interfaces and routes of the machine the ruleset runs on: what `iifname`/`oifname`
/// match, where masquerade and redirect take their addresses from, and whether a packet
/// is delivered locally (input hook) or forwarded.
///
/// ```swift
/// var wan = RouterModel.Interface(name: "wan0")
/// wan.add(IPAddress("192.0.2.1")!, prefixLength: 24)       // like `ip address add`
/// wan.add(IPAddress("198.51.100.1")!, prefixLength: 24)
/// let r = RouterModel(interfaces: [
///     .init(name: "lan0", addresses: [IPAddress("10.0.0.1")!], prefixLengths: [24]), wan,
/// ], routes: [.init(destination: IPAddress("0.0.0.0")!, prefixLength: 0, interface: "wan0",
///                   gateway: IPAddress("198.51.100.254")!)])
/// r.sourceAddress(1, for: IPAddress("203.0.113.9")!)       // 198.51.100.1: the gateway's subnet
/// ```
public struct RouterModel: Sendable, Hashable {
    /// One interface: its name and its addresses in the order the kernel keeps them
    /// (`ip address show` lists them in that order), each with a prefix length, a scope
    /// and, for IPv4, whether it is a secondary address.
    public struct Interface: Sendable, Hashable {
        /// Interface name (`iifname` / `oifname`).
        public var name: String
        /// Addresses in the kernel's list order. For addresses of one scope that is the
        /// order `ip address add` added them (IPv4) or the reverse (IPv6: the newest first);
        /// `add(_:prefixLength:scope:)` applies the kernel's insertion rules.
        public var addresses: [IPAddress]
        /// Prefix length of each address (its connected route).
        public var prefixLengths: [Int]
        /// Scope of each address (`ifa_scope`). Only IPv4 source selection reads it; an IPv6
        /// address's scope follows from the address itself. When this array does not match
        /// `addresses`, each address has `AddressScope.default(for:)`.
        public var scopes: [AddressScope]
        /// Whether each address is a secondary IPv4 address (`IFA_F_SECONDARY`: added in a
        /// subnet, same prefix length, that an earlier address already had). Masquerade never
        /// picks a secondary address. When this array does not match `addresses`, it follows
        /// from the order (`__inet_insert_ifa`'s rule).
        public var secondary: [Bool]

        /// Creates an interface whose addresses are listed in the kernel's order (`nil`
        /// scopes and secondary flags: the defaults described at `scopes` and `secondary`).
        public init(name: String, addresses: [IPAddress] = [], prefixLengths: [Int] = [],
                    scopes: [AddressScope]? = nil, secondary: [Bool]? = nil) {
            self.name = name; self.addresses = addresses
            self.prefixLengths = prefixLengths.count == addresses.count
                ? prefixLengths : addresses.map { $0.family == .ipv4 ? 32 : 128 }
            self.scopes = scopes ?? addresses.map(AddressScope.default(for:))
            self.secondary = []
            if let secondary { self.secondary = secondary } else {
                self.secondary = addresses.indices.map { derivedSecondary($0) }
            }
        }

        /// The scope of address `k`.
        public func scope(at k: Int) -> AddressScope {
            scopes.count == addresses.count ? scopes[k] : .default(for: addresses[k])
        }

        /// Whether address `k` is a secondary IPv4 address.
        public func isSecondary(at k: Int) -> Bool {
            secondary.count == addresses.count ? secondary[k] : derivedSecondary(k)
        }

        /// `__inet_insert_ifa`: an IPv4 address is secondary when an earlier one has the
        /// same prefix length and the same network.
        func derivedSecondary(_ k: Int) -> Bool {
            let a = addresses[k]
            guard a.family == .ipv4 else { return false }
            let len = prefixLengths.count == addresses.count ? prefixLengths[k] : 32
            for j in 0..<k where addresses[j].family == .ipv4 {
                let lj = prefixLengths.count == addresses.count ? prefixLengths[j] : 32
                if lj == len && RouterModel.prefixMatch(addresses[j], a, len) { return true }
            }
            return false
        }

        /// Adds an address as `ip address add` does, keeping the kernel's list order:
        /// IPv4 (`__inet_insert_ifa`): an address in the subnet (same prefix length) of an
        /// earlier one becomes secondary and goes last; a primary goes after the last
        /// primary whose scope is at least as narrow (so for one scope: in the order added).
        /// IPv6 (`ipv6_link_dev_addr`): before the first address whose scope is not wider
        /// (the newest first within a scope). Returns false, changing nothing, where the
        /// kernel refuses: the address is already there (`EEXIST`), or (IPv4) its subnet
        /// has addresses of another scope (`EINVAL`).
        @discardableResult
        public mutating func add(_ address: IPAddress, prefixLength: Int, scope: AddressScope? = nil) -> Bool {
            normalize()
            let sc = scope ?? .default(for: address)
            let len = max(0, min(prefixLength, address.family == .ipv4 ? 32 : 128))
            let family = addresses.indices.filter { addresses[$0].family == address.family }
            if family.contains(where: { addresses[$0] == address }) { return false }
            var at = family.first ?? addresses.count
            var isSecondary = false
            if address.family == .ipv4 {
                for j in family {
                    if !secondary[j] && sc.rawValue <= scopes[j].rawValue { at = j + 1 }
                    if prefixLengths[j] == len && RouterModel.prefixMatch(addresses[j], address, len) {
                        if scopes[j] != sc { return false }
                        isSecondary = true
                    }
                }
                if isSecondary { at = addresses.count }
            } else {
                let mine = RouterModel.scope(address)
                at = family.first { mine >= RouterModel.scope(addresses[$0]) } ?? (family.last.map { $0 + 1 } ?? addresses.count)
            }
            addresses.insert(address, at: at)
            prefixLengths.insert(len, at: at)
            scopes.insert(sc, at: at)
            secondary.insert(isSecondary, at: at)
            return true
        }

        /// Makes `prefixLengths`, `scopes` and `secondary` match `addresses`.
        mutating func normalize() {
            if prefixLengths.count != addresses.count { prefixLengths = addresses.map { $0.family == .ipv4 ? 32 : 128 } }
            if scopes.count != addresses.count { scopes = addresses.map(AddressScope.default(for:)) }
            if secondary.count != addresses.count { secondary = addresses.indices.map { derivedSecondary($0) } }
        }
    }

    /// A route: destinations within `destination/prefixLength` leave through `interface`,
    /// to `gateway` when the route has one (`ip route add PREFIX via GATEWAY dev NAME`).
    public struct Route: Sendable, Hashable {
        /// Network address.
        public var destination: IPAddress
        /// Prefix length.
        public var prefixLength: Int
        /// Outgoing interface name.
        public var interface: String
        /// The next hop (`via`), or nil for a route straight to the destination (a device
        /// route). IPv4 masquerade picks its address by it (`rt_nexthop`).
        public var gateway: IPAddress?
        /// Creates a route.
        public init(destination: IPAddress, prefixLength: Int, interface: String, gateway: IPAddress? = nil) {
            self.destination = destination; self.prefixLength = prefixLength; self.interface = interface
            self.gateway = gateway
        }
    }

    /// Interfaces, in the kernel's device order (`lo` first when it is listed); a packet's
    /// interface is an index into this list.
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

    /// The first address of `family` on interface `i`, in list order: what redirect
    /// takes (`nf_nat_redirect_ipv4` uses the head of the interface's address list).
    public func primaryAddress(_ i: Int, family: AddressFamily) -> IPAddress? {
        guard i >= 0 && i < interfaces.count else { return nil }
        return interfaces[i].addresses.first { $0.family == family }
    }

    /// Longest-prefix match over connected and configured routes: the output interface
    /// and the next hop (the route's gateway, else `dst` itself; `rt_nexthop`), or nil
    /// when no route matches. With no routes and a single interface, everything leaves
    /// through it. Of two matches of one length the first wins (connected prefixes, then
    /// `routes` in order).
    public func nextHop(_ dst: IPAddress) -> (interface: Int, address: IPAddress)? {
        var best: (length: Int, interface: Int, gateway: IPAddress?)? = nil
        for (i, itf) in interfaces.enumerated() {
            for (a, l) in zip(itf.addresses, itf.prefixLengths) where a.family == dst.family && Self.prefixMatch(a, dst, l) {
                if best == nil || l > best!.length { best = (l, i, nil) }
            }
        }
        for r in routes where r.destination.family == dst.family && Self.prefixMatch(r.destination, dst, r.prefixLength) {
            guard let i = index(of: r.interface) else { continue }
            if best == nil || r.prefixLength > best!.length { best = (r.prefixLength, i, r.gateway) }
        }
        if let b = best { return (b.interface, b.gateway ?? dst) }
        if interfaces.count == 1 && routes.isEmpty { return (0, dst) }
        return nil
    }

    /// The output interface for `dst` (`nextHop(_:)`'s interface); nil when no route.
    public func route(_ dst: IPAddress) -> Int? { nextHop(dst)?.interface }

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

/// The scope of an interface address (`ifa_scope`, `ip address add ... scope NAME`), with
/// the kernel's `RT_SCOPE_*` numbers: the larger, the narrower.
public struct AddressScope: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// `RT_SCOPE_*` value.
    public var rawValue: UInt8
    /// Creates a scope from its number.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `global` (`RT_SCOPE_UNIVERSE`): the only scope masquerade takes an address of.
    public static let universe = AddressScope(rawValue: 0)
    /// `site` (`RT_SCOPE_SITE`).
    public static let site = AddressScope(rawValue: 200)
    /// `link` (`RT_SCOPE_LINK`).
    public static let link = AddressScope(rawValue: 253)
    /// `host` (`RT_SCOPE_HOST`).
    public static let host = AddressScope(rawValue: 254)
    /// `nowhere` (`RT_SCOPE_NOWHERE`).
    public static let nowhere = AddressScope(rawValue: 255)

    /// What `ip address add` gives an address without `scope`: host for 127.0.0.0/8
    /// (iproute2's `default_scope`); IPv6 addresses: host for `::1`, link for `fe80::/10`,
    /// universe otherwise (as `ip address show` names them).
    public static func `default`(for a: IPAddress) -> AddressScope {
        if a.family == .ipv4 { return a.high >> 56 == 127 ? .host : .universe }
        switch RouterModel.scope(a) {
        case 1: return .host
        case 2: return .link
        case 5: return .site
        default: return .universe
        }
    }

    /// Parses `ip`'s names (`global`, `site`, `link`, `host`, `nowhere`) or a number.
    public init?(name: String) {
        switch name {
        case "global", "universe": self = .universe
        case "site": self = .site
        case "link": self = .link
        case "host": self = .host
        case "nowhere": self = .nowhere
        default:
            guard let n = UInt8(name) else { return nil }
            self.init(rawValue: n)
        }
    }

    /// `ip`'s name for the scope, or its number.
    public var description: String {
        switch rawValue {
        case 0: "global"
        case 200: "site"
        case 253: "link"
        case 254: "host"
        case 255: "nowhere"
        default: String(rawValue)
        }
    }
}
