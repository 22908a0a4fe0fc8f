import Conntrack

/// Masquerade's choice of source address, as the kernel makes it.
extension RouterModel {
    /// The source address masquerade takes for a packet to `destination` leaving through
    /// interface `i`, the next hop being the gateway of the route to `destination` when
    /// that route leaves through `i` (`nextHop(_:)`), else `destination` itself.
    /// See `sourceAddress(_:for:nextHop:)`.
    public func sourceAddress(_ i: Int, for destination: IPAddress) -> IPAddress? {
        var hop = destination
        if destination.family == .ipv4, let r = nextHop(destination), r.interface == i { hop = r.address }
        return sourceAddress(i, for: destination, nextHop: hop)
    }

    /// The source address masquerade takes for a packet to `destination` leaving through
    /// interface `i` towards `nextHop`; nil when the router has none to give (the kernel
    /// then drops the packet).
    ///
    /// IPv4 (`nf_nat_masquerade_ipv4` calls `inet_select_addr(out, nexthop,
    /// RT_SCOPE_UNIVERSE)`): of the interface's primary addresses of global scope, the
    /// first whose subnet contains the next hop, else the first; secondary addresses and
    /// narrower scopes are skipped. An interface without one borrows the first primary,
    /// global-scope address of any interface, in interface order.
    ///
    /// IPv6 (`nf_nat_masquerade_ipv6` calls `ipv6_dev_get_saddr` with the packet's
    /// destination, not the next hop): every interface's addresses are candidates (only
    /// the output interface's for a link-local or multicast destination); the best by
    /// RFC 6724 as the kernel ranks it: the destination itself (rule 1), the smallest
    /// scope not below the destination's (rule 2), on the output interface (rule 5), the
    /// destination's policy label (rule 6), ORCHID or not like the destination, the
    /// longest common prefix up to the address's prefix length (rule 8); of equals, the
    /// first in interface and list order. Deprecated, optimistic, temporary and home
    /// addresses are not modelled (every address counts as preferred and public).
    public func sourceAddress(_ i: Int, for destination: IPAddress, nextHop: IPAddress) -> IPAddress? {
        destination.family == .ipv4 ? selectIPv4(i, nextHop: nextHop) : selectIPv6(i, destination: destination)
    }

    /// `inet_select_addr(dev, dst, RT_SCOPE_UNIVERSE)`.
    func selectIPv4(_ i: Int, nextHop: IPAddress) -> IPAddress? {
        if i >= 0 && i < interfaces.count {
            let itf = interfaces[i]
            var first: IPAddress? = nil
            for k in itf.addresses.indices where itf.addresses[k].family == .ipv4 {
                // Secondary addresses are skipped, and so is every scope narrower than the
                // requested one, universe (min(ifa_scope, localnet_scope) > scope).
                guard !itf.isSecondary(at: k), itf.scope(at: k) == .universe else { continue }
                let a = itf.addresses[k]
                if nextHop.high == 0 || Self.prefixMatch(a, nextHop, itf.prefixLengths[k]) { return a }
                if first == nil { first = a }
            }
            if let first { return first }
        }
        // no_in_dev: in_dev_select_addr over every device, in device order.
        for itf in interfaces {
            for k in itf.addresses.indices where itf.addresses[k].family == .ipv4 {
                let sc = itf.scope(at: k)
                if !itf.isSecondary(at: k) && sc != .link && sc.rawValue <= AddressScope.universe.rawValue {
                    return itf.addresses[k]
                }
            }
        }
        return nil
    }

    /// `ipv6_dev_get_saddr(net, out, daddr, 0, &src)` for the rules the model can express.
    func selectIPv6(_ i: Int, destination d: IPAddress) -> IPAddress? {
        let dstScope = Self.scope(d), dstLabel = Self.label(d), dstOrchid = Self.isORCHID(d)
        let multicast = d.high >> 56 == 0xff
        // RFC 6724 section 4: a multicast or link-local destination takes only the output
        // interface's addresses.
        let onlyOutput = multicast || dstScope <= 2
        var best: (address: IPAddress, score: (Int, Int, Int, Int, Int, Int))? = nil
        for (j, itf) in interfaces.enumerated() where !onlyOutput || j == i {
            for (a, len) in zip(itf.addresses, itf.prefixLengths) where a.family == .ipv6 {
                // Never candidates: the unspecified address and multicast addresses.
                if (a.high == 0 && a.low == 0) || a.high >> 56 == 0xff { continue }
                let sc = Self.scope(a)
                let score = (a == d ? 1 : 0,
                             sc >= dstScope ? -sc : sc - 128,
                             j == i ? 1 : 0,
                             Self.label(a) == dstLabel ? 1 : 0,
                             Self.isORCHID(a) == dstOrchid ? 1 : 0,
                             min(Self.commonPrefix(a, d), len))
                if best == nil || score > best!.score { best = (a, score) }
            }
        }
        return best?.address
    }

    /// IPv6 unicast scope as the kernel numbers it: loopback 1, link-local 2, site-local
    /// 5, global 14 (unique local addresses are global); multicast: the address's scope field.
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

    /// `ipv6_addr_orchid`: 2001:10::/28.
    static func isORCHID(_ a: IPAddress) -> Bool { a.high >> 36 == 0x2001_001 }

    /// Number of leading bits two IPv6 addresses share.
    static func commonPrefix(_ a: IPAddress, _ b: IPAddress) -> Int {
        let h = a.high ^ b.high
        if h != 0 { return h.leadingZeroBitCount }
        return 64 + (a.low ^ b.low).leadingZeroBitCount
    }
}
