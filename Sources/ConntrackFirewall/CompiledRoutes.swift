import Conntrack

/// The router model as the packet path reads it: the local addresses and every route
/// (connected prefixes first, then the configured routes) as masked words in manually
/// managed memory, routes sorted longest prefix first. `RouterModel.isLocal` and
/// `RouterModel.route` walk arrays of structs holding strings and arrays, which costs
/// reference counting on every packet; these give the same answers without it.
struct CompiledRoutes {
    struct Route {
        var netHi: UInt64, netLo: UInt64
        var maskHi: UInt64, maskLo: UInt64
        var family: UInt8
        var interface: Int
        /// The route's gateway (`via`); `hasGateway` false for a device route.
        var gatewayHi: UInt64 = 0, gatewayLo: UInt64 = 0
        var hasGateway = false
    }
    struct Local {
        var hi: UInt64, lo: UInt64
        var family: UInt8
    }

    let routes: UnsafeMutablePointer<Route>
    let routeCount: Int
    let locals: UnsafeMutablePointer<Local>
    let localCount: Int
    /// With no route matching: 0 for a one-interface model without routes (everything
    /// leaves through it), else -1.
    let fallback: Int

    init(_ model: RouterModel) {
        // In `RouterModel.route`'s order (interfaces' addresses, then routes), so that a
        // stable sort by length keeps its tie-break (the first of equal length wins).
        var rs: [(len: Int, route: Route)] = []
        var ls: [Local] = []
        func add(_ net: IPAddress, _ len: Int, _ ifi: Int, gateway: IPAddress? = nil) {
            let (mh, ml) = Self.mask(family: net.family, length: len)
            rs.append((max(0, min(len, net.family == .ipv4 ? 32 : 128)),
                       Route(netHi: net.high & mh, netLo: net.low & ml, maskHi: mh, maskLo: ml,
                             family: net.family.rawValue, interface: ifi, gatewayHi: gateway?.high ?? 0,
                             gatewayLo: gateway?.low ?? 0, hasGateway: gateway != nil)))
        }
        for (i, itf) in model.interfaces.enumerated() {
            for (a, l) in zip(itf.addresses, itf.prefixLengths) { add(a, l, i) }
            for a in itf.addresses { ls.append(Local(hi: a.high, lo: a.low, family: a.family.rawValue)) }
        }
        for r in model.routes {
            if let i = model.index(of: r.interface) { add(r.destination, r.prefixLength, i, gateway: r.gateway) }
        }
        // Stable: insertion sort on (length descending).
        var sorted: [(len: Int, route: Route)] = []
        for r in rs {
            var at = sorted.count
            while at > 0 && sorted[at - 1].len < r.len { at -= 1 }
            sorted.insert(r, at: at)
        }
        routeCount = sorted.count
        routes = .allocate(capacity: max(1, sorted.count))
        for (i, r) in sorted.enumerated() { (routes + i).initialize(to: r.route) }
        localCount = ls.count
        locals = .allocate(capacity: max(1, ls.count))
        for (i, l) in ls.enumerated() { (locals + i).initialize(to: l) }
        fallback = model.interfaces.count == 1 && model.routes.isEmpty ? 0 : -1
    }

    func deallocate() {
        routes.deallocate()
        locals.deallocate()
    }

    /// `RouterModel.prefixMatch`'s masks: the first `length` bits (clamped to the family).
    static func mask(family: AddressFamily, length: Int) -> (UInt64, UInt64) {
        let bits = family == .ipv4 ? min(length, 32) : min(length, 128)
        if bits <= 0 { return (0, 0) }
        if bits >= 64 { return (~0, bits >= 128 ? ~0 : bits == 64 ? 0 : ~0 << UInt64(128 - bits)) }
        return (~0 << UInt64(64 - bits), 0)
    }

    /// Whether the address is one of the router's own (`RouterModel.isLocal`).
    @inline(__always)
    func isLocal(family: UInt8, hi: UInt64, lo: UInt64) -> Bool {
        var i = 0
        while i < localCount {
            let l = locals[i]
            if l.hi == hi && l.lo == lo && l.family == family { return true }
            i &+= 1
        }
        return false
    }

    /// Longest-prefix match (`RouterModel.route`): the output interface, or -1.
    @inline(__always)
    func route(family: UInt8, hi: UInt64, lo: UInt64) -> Int {
        var i = 0
        while i < routeCount {
            let r = routes[i]
            if r.family == family && hi & r.maskHi == r.netHi && lo & r.maskLo == r.netLo { return r.interface }
            i &+= 1
        }
        return fallback
    }

    /// The next hop towards an IPv4 or IPv6 destination (`rt_nexthop`): the matching
    /// route's gateway, else the destination itself.
    func nextHop(family: UInt8, hi: UInt64, lo: UInt64) -> (hi: UInt64, lo: UInt64) {
        var i = 0
        while i < routeCount {
            let r = routes[i]
            if r.family == family && hi & r.maskHi == r.netHi && lo & r.maskLo == r.netLo {
                return r.hasGateway ? (r.gatewayHi, r.gatewayLo) : (hi, lo)
            }
            i &+= 1
        }
        return (hi, lo)
    }
}
