import Conntrack

/// Which part of the tuple a NAT binding changes (`enum nf_nat_manip_type`).
public enum NATManip: UInt8, Sendable, Hashable {
    /// `NF_NAT_MANIP_SRC`: source NAT (SNAT, masquerade), decided at POSTROUTING / LOCAL_IN.
    case source = 0
    /// `NF_NAT_MANIP_DST`: destination NAT (DNAT, redirect), decided at PREROUTING / LOCAL_OUT.
    case destination = 1
}

/// A NAT mapping (`struct nf_nat_range2`): addresses and layer-4 ids to map into, and flags.
///
/// ```swift
/// // snat to 192.0.2.1:1000-2000 random
/// let r = NATMapping(address: IPAddress("192.0.2.1")!, ports: 1000...2000, flags: .random)
/// ```
public struct NATMapping: Sendable, Hashable {
    /// `NF_NAT_RANGE_*` flags.
    public struct Flags: OptionSet, Sendable, Hashable {
        /// Raw bits, as the kernel's.
        public var rawValue: UInt32
        /// Creates flags from their bits.
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `NF_NAT_RANGE_MAP_IPS`: addresses are given.
        public static let mapIPs = Flags(rawValue: 0x01)
        /// `NF_NAT_RANGE_PROTO_SPECIFIED`: ports (or ICMP ids) are given.
        public static let protoSpecified = Flags(rawValue: 0x02)
        /// `NF_NAT_RANGE_PROTO_RANDOM` (`random`).
        public static let random = Flags(rawValue: 0x04)
        /// `NF_NAT_RANGE_PERSISTENT` (`persistent`).
        public static let persistent = Flags(rawValue: 0x08)
        /// `NF_NAT_RANGE_PROTO_RANDOM_FULLY` (`fully-random`).
        public static let randomFully = Flags(rawValue: 0x10)
        /// `NF_NAT_RANGE_PROTO_OFFSET`
        public static let protoOffset = Flags(rawValue: 0x20)
        static let randomAll: Flags = [.random, .randomFully]
    }

    /// Flags.
    public var flags: Flags
    /// Lowest address (used with `.mapIPs`).
    public var minAddress: IPAddress
    /// Highest address (used with `.mapIPs`).
    public var maxAddress: IPAddress
    /// Lowest port / ICMP id (used with `.protoSpecified`).
    public var minPort: UInt16
    /// Highest port / ICMP id (used with `.protoSpecified`).
    public var maxPort: UInt16
    /// Base of the port offset (used with `.protoOffset`).
    public var basePort: UInt16

    /// Creates a range from its raw parts.
    public init(flags: Flags, minAddress: IPAddress, maxAddress: IPAddress, minPort: UInt16 = 0, maxPort: UInt16 = 0,
                basePort: UInt16 = 0) {
        self.flags = flags; self.minAddress = minAddress; self.maxAddress = maxAddress
        self.minPort = minPort; self.maxPort = maxPort; self.basePort = basePort
    }

    /// A range of addresses (nil: keep the address) and optionally ports, plus extra flags
    /// (`.random`, `.randomFully`, `.persistent`). `.mapIPs` and `.protoSpecified` are set
    /// from what is given.
    public init(addresses: ClosedRange<IPAddress>?, ports: ClosedRange<UInt16>? = nil, flags extra: Flags = []) {
        var f = extra
        let zero = IPAddress(ipv4: 0)
        if addresses != nil { f.insert(.mapIPs) }
        if ports != nil { f.insert(.protoSpecified) }
        self.init(flags: f, minAddress: addresses?.lowerBound ?? zero, maxAddress: addresses?.upperBound ?? zero,
                  minPort: ports?.lowerBound ?? 0, maxPort: ports?.upperBound ?? 0)
    }

    /// A single address, optionally with ports.
    public init(address: IPAddress, ports: ClosedRange<UInt16>? = nil, flags extra: Flags = []) {
        self.init(addresses: address...address, ports: ports, flags: extra)
    }
}

/// Why the NAT layer dropped a packet.
public enum NATDropReason: UInt8, Sendable, Hashable {
    /// No drop.
    case none = 0
    /// The headers to rewrite are not all in the packet.
    case truncated
    /// ICMP redirect about a NATed connection (`nf_nat_icmp_reply_translation`).
    case icmpRedirect
    /// The connection's NAT tuple clashed with an existing entry at confirmation.
    case clash
}

// MARK: - NAT setup (nf_nat_core.c)

extension TrackerCore {
    /// Status bits of a NATed connection.
    @usableFromInline static let natMask: UInt16 = StatusBit.srcNAT | StatusBit.dstNAT
    @usableFromInline static let natDoneMask: UInt16 = StatusBit.srcNATDone | StatusBit.dstNATDone

    /// The inverse of a tuple (`nf_ct_invert_tuple`); nil when it cannot be inverted.
    @inline(__always)
    static func invert(_ k: FlowKey, zone: UInt16) -> FlowKey? {
        guard let l4 = invertedL4(proto: k.proto, sport: k.sport, dport: k.dport) else { return nil }
        return FlowKey(srcHi: k.dstHi, srcLo: k.dstLo, dstHi: k.srcHi, dstLo: k.srcLo, sport: l4.0, dport: l4.1,
                       proto: k.proto, family: k.family, zone: zone)
    }

    /// Whether NAT of this manip type has been set up (`nf_nat_initialized`).
    @inline(__always)
    func natInitialized(_ idx: Int, _ manip: NATManip) -> Bool {
        table.slab[idx].status & (manip == .source ? StatusBit.srcNATDone : StatusBit.dstNATDone) != 0
    }

    /// `nf_nat_setup_info`: binds an unconfirmed connection to `range` (nil: a null binding,
    /// `nf_nat_alloc_null_binding`). Changes the reply tuple if the chosen tuple differs,
    /// sets `SRC_NAT`/`DST_NAT` and the `*_NAT_DONE` bit. No-op for confirmed entries.
    mutating func setupNAT(_ idx: Int, range given: NATMapping?, manip: NATManip) {
        let c = table.slab + idx
        if c.pointee.status & StatusBit.confirmed != 0 || natInitialized(idx, manip) { return }
        let reply = table.key(idx, 1)
        let zone0 = c.pointee.zoneID(for: 0)
        guard let curr = Self.invert(reply, zone: zone0) else { return }
        let range: NATMapping
        if let g = given {
            range = g
        } else {
            // Force the address to what it is; let the protocol part move on a clash.
            let a = manip == .source
                ? Self.address(reply.dstHi, reply.dstLo, family: reply.family)
                : Self.address(reply.srcHi, reply.srcLo, family: reply.family)
            range = NATMapping(flags: .mapIPs, minAddress: a, maxAddress: a)
        }
        let new = uniqueTuple(curr, range: range, manip: manip, idx: idx)
        if new != curr, let r = Self.invert(new, zone: c.pointee.zoneID(for: 1)) {
            let n = table.ensureNAT()
            n[idx] = NATReply()
            n[idx].srcHi = r.srcHi; n[idx].srcLo = r.srcLo; n[idx].dstHi = r.dstHi; n[idx].dstLo = r.dstLo
            c.pointee.rsport = r.sport
            c.pointee.rdport = r.dport
            c.pointee.flags |= ConnFlag.natReply
            c.pointee.status |= manip == .source ? StatusBit.srcNAT : StatusBit.dstNAT
        }
        if manip == .source { bySourceInsert(idx) }
        c.pointee.status |= manip == .source ? StatusBit.srcNATDone : StatusBit.dstNATDone
    }

    /// `nf_nat_used_tuple`: is the reply of `t` already some other entry's tuple?
    mutating func natUsedTuple(_ t: FlowKey, idx: Int) -> Bool {
        guard let r = Self.invert(t, zone: table.slab[idx].zoneID(for: 1)) else { return false }
        guard let ref = table.find(r, hash: r.hash(seed: table.seed)) else { return false }
        if Int(ref >> 1) == idx { return false }
        counters.found &+= 1
        return true
    }

    /// `nf_in_range` (the source side of `t`).
    func natInRange(_ t: FlowKey, _ range: NATMapping) -> Bool {
        if range.flags.contains(.mapIPs) && !Self.addressInRange(t.srcHi, t.srcLo, range) { return false }
        if !range.flags.contains(.protoSpecified) { return true }
        return Self.l4InRange(t, manip: .source, range)
    }

    static func addressInRange(_ hi: UInt64, _ lo: UInt64, _ r: NATMapping) -> Bool {
        let lowOK = hi > r.minAddress.high || (hi == r.minAddress.high && lo >= r.minAddress.low)
        let highOK = hi < r.maxAddress.high || (hi == r.maxAddress.high && lo <= r.maxAddress.low)
        return lowOK && highOK
    }

    /// `l4proto_in_range`
    static func l4InRange(_ t: FlowKey, manip: NATManip, _ r: NATMapping) -> Bool {
        switch t.proto {
        case 1, 58:
            return t.sport >= r.minPort && t.sport <= r.maxPort
        case 6, 17, 136, 132, 47:
            let port = manip == .source ? t.sport : t.dport
            return port >= r.minPort && port <= r.maxPort
        default:
            return true
        }
    }

    /// `get_unique_tuple`
    mutating func uniqueTuple(_ orig: FlowKey, range: NATMapping, manip: NATManip, idx: Int) -> FlowKey {
        let randomAll = !range.flags.isDisjoint(with: NATMapping.Flags.randomAll)
        if manip == .source && !randomAll {
            if natInRange(orig, range) {
                if !natUsedTuple(orig, idx: idx) { return orig }
            } else if let t = findAppropriateSource(orig, range: range, idx: idx) {
                if !natUsedTuple(t, idx: idx) { return t }
            }
        }
        var t = orig
        findBestIPs(&t, range: range, manip: manip, zone: table.slab[idx].zoneID)
        if !randomAll {
            if range.flags.contains(.protoSpecified) {
                if !range.flags.contains(.protoOffset) && Self.l4InRange(t, manip: manip, range)
                    && (range.minPort == range.maxPort || !natUsedTuple(t, idx: idx)) {
                    return t
                }
            } else if !natUsedTuple(t, idx: idx) {
                return t
            }
        }
        l4UniqueTuple(&t, range: range, manip: manip, idx: idx)
        return t
    }

    /// `find_best_ips_proto`: the address is a hash of the source (and, unless persistent,
    /// destination) spread over the range, the kernel's jhash2 and `reciprocal_scale`.
    func findBestIPs(_ t: inout FlowKey, range: NATMapping, manip: NATManip, zone: UInt16) {
        guard range.flags.contains(.mapIPs) else { return }
        if range.minAddress == range.maxAddress {
            if manip == .source { t.srcHi = range.minAddress.high; t.srcLo = range.minAddress.low }
            else { t.dstHi = range.minAddress.high; t.dstLo = range.minAddress.low }
            return
        }
        // The address words as the kernel reads them: raw network-order u32 in host order.
        func words(_ hi: UInt64, _ lo: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
            (UInt32(truncatingIfNeeded: hi >> 32).byteSwapped, UInt32(truncatingIfNeeded: hi).byteSwapped,
             UInt32(truncatingIfNeeded: lo >> 32).byteSwapped, UInt32(truncatingIfNeeded: lo).byteSwapped)
        }
        func at(_ w: (UInt32, UInt32, UInt32, UInt32), _ i: Int) -> UInt32 {
            switch i { case 0: w.0; case 1: w.1; case 2: w.2; default: w.3 }
        }
        let src = words(t.srcHi, t.srcLo)
        let dst = words(t.dstHi, t.dstLo)
        let minW = words(range.minAddress.high, range.minAddress.low)
        let maxW = words(range.maxAddress.high, range.maxAddress.low)
        let maxI = t.family == 2 ? 0 : 3
        let persistent = range.flags.contains(.persistent)
        var j = Self.jhash2(src, initval: persistent ? 0 : at(dst, maxI) ^ UInt32(zone))
        var out: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
        var fullRange = false
        for i in 0...maxI {
            let minip: UInt32, dist: UInt32
            if !fullRange {
                minip = at(minW, i).byteSwapped
                let maxip = at(maxW, i).byteSwapped
                dist = maxip &- minip &+ 1
            } else {
                minip = 0
                dist = ~0
            }
            let v = (minip &+ UInt32(truncatingIfNeeded: (UInt64(j) &* UInt64(dist)) >> 32)).byteSwapped
            switch i { case 0: out.0 = v; case 1: out.1 = v; case 2: out.2 = v; default: out.3 = v }
            if v != at(maxW, i) { fullRange = true }
            if !persistent { j ^= at(dst, i) }
        }
        let hi = UInt64(out.0.byteSwapped) << 32 | UInt64(out.1.byteSwapped)
        let lo = UInt64(out.2.byteSwapped) << 32 | UInt64(out.3.byteSwapped)
        if manip == .source { t.srcHi = hi; t.srcLo = t.family == 2 ? 0 : lo }
        else { t.dstHi = hi; t.dstLo = t.family == 2 ? 0 : lo }
        if t.family == 2 {
            if manip == .source { t.srcHi &= 0xffff_ffff_0000_0000 } else { t.dstHi &= 0xffff_ffff_0000_0000 }
        }
    }

    /// `jhash2` of the four words of a `union nf_inet_addr` (no allocation).
    static func jhash2(_ w: (UInt32, UInt32, UInt32, UInt32), initval: UInt32) -> UInt32 {
        withUnsafeBytes(of: w) { raw in
            jhash2(UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: UInt32.self), count: 4),
                   initval: initval)
        }
    }

    /// Bob Jenkins' lookup3 `hashword`, as the kernel's `jhash2`.
    static func jhash2(_ k: [UInt32], initval: UInt32) -> UInt32 {
        k.withUnsafeBufferPointer { jhash2($0, initval: initval) }
    }

    static func jhash2(_ k: UnsafeBufferPointer<UInt32>, initval: UInt32) -> UInt32 {
        @inline(__always) func rol(_ x: UInt32, _ n: UInt32) -> UInt32 { x << n | x >> (32 - n) }
        var a = 0xdead_beef &+ UInt32(k.count << 2) &+ initval
        var b = a, c = a
        var i = 0
        var length = k.count
        while length > 3 {
            a &+= k[i]; b &+= k[i + 1]; c &+= k[i + 2]
            a &-= c; a ^= rol(c, 4); c &+= b
            b &-= a; b ^= rol(a, 6); a &+= c
            c &-= b; c ^= rol(b, 8); b &+= a
            a &-= c; a ^= rol(c, 16); c &+= b
            b &-= a; b ^= rol(a, 19); a &+= c
            c &-= b; c ^= rol(b, 4); b &+= a
            length -= 3; i += 3
        }
        if length == 0 { return c }
        if length >= 3 { c &+= k[i + 2] }
        if length >= 2 { b &+= k[i + 1] }
        a &+= k[i]
        c ^= b; c &-= rol(b, 14)
        a ^= c; a &-= rol(c, 11)
        b ^= a; b &-= rol(a, 25)
        c ^= b; c &-= rol(b, 16)
        a ^= c; a &-= rol(c, 4)
        b ^= a; b &-= rol(a, 14)
        c ^= b; c &-= rol(b, 24)
        return c
    }

    /// `nf_nat_l4proto_unique_tuple`: move the port (ICMP id) within the range, or the
    /// port's class when no range is given, until the tuple is free.
    mutating func l4UniqueTuple(_ t: inout FlowKey, range: NATMapping, manip: NATManip, idx: Int) {
        var minP: UInt32, size: UInt32
        let useSource: Bool
        switch t.proto {
        case 1, 58:
            useSource = true
            if range.flags.contains(.protoSpecified) {
                minP = UInt32(range.minPort); size = UInt32(range.maxPort) &- minP &+ 1
            } else {
                minP = 0; size = 65536
            }
        case 6, 17, 136, 132:
            useSource = manip == .source
            if !range.flags.contains(.protoSpecified) {
                if manip == .destination { return }
                let port = t.sport
                if port < 1024 {
                    if port < 512 { minP = 1; size = 511 } else { minP = 600; size = 1023 - 600 + 1 }
                } else {
                    minP = 1024; size = 65535 - 1024 + 1
                }
            } else {
                var lo = UInt32(range.minPort), hi = UInt32(range.maxPort)
                if hi < lo { swap(&lo, &hi) }
                minP = lo; size = hi - lo + 1
            }
        default:
            // GRE keys change only for PPTP (a master); other protocols have no ids.
            return
        }
        // The search starts at a random offset for SRC manips and random ranges, but a
        // DST manip without a random flag starts at the range's first id (recent kernels:
        // DNAT to a port range always tries its minimum first; reference 9.3).
        var off: UInt16
        if range.flags.contains(.protoOffset) {
            off = (useSource ? t.sport : t.dport) &- range.basePort
        } else if manip == .source || !range.flags.isDisjoint(with: NATMapping.Flags.randomAll) {
            off = nextRandom16()
        } else {
            off = 0
        }
        var attempts = min(size, 128)
        while true {
            for _ in 0..<attempts {
                let v = UInt16(truncatingIfNeeded: minP &+ UInt32(off) % size)
                if useSource { t.sport = v } else { t.dport = v }
                if !natUsedTuple(t, idx: idx) { return }
                off &+= 1
            }
            if attempts >= size || attempts < 16 { return }
            attempts /= 2
            off = nextRandom16()
        }
    }

    /// The engine's `get_random_u16`: a xorshift stream seeded from the table seed.
    mutating func nextRandom16() -> UInt16 {
        if rng == 0 { rng = table.seed | 1 }
        rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
        return UInt16(truncatingIfNeeded: rng >> 24)
    }

    // MARK: bysource (find_appropriate_src)

    func bySourceBucket(_ k: FlowKey, zone: UInt16) -> Int {
        let h = FlowKey.fold(table.seed ^ k.srcHi ^ 0x5851_f42d_4c95_7f2d,
                             k.srcLo ^ UInt64(k.sport) << 16 ^ UInt64(k.proto) ^ UInt64(zone) << 40)
        return Int(truncatingIfNeeded: h) & (bySource.count - 1)
    }

    /// The zone id the bysource hash uses: only a zone valid for both directions.
    func bySourceZone(_ idx: Int) -> UInt16 {
        let c = table.slab[idx]
        return c.zoneDirs == 3 ? c.zoneID : 0
    }

    mutating func bySourceInsert(_ idx: Int) {
        _ = table.ensureNAT()
        if bySourceCount &* 2 >= bySource.count { growBySource() }
        let b = bySourceBucket(table.key(idx, 0), zone: bySourceZone(idx))
        table.natLink![idx].next = bySource[b]
        bySource[b] = UInt32(idx) &+ 1
        table.slab[idx].flags |= ConnFlag.bySource
        bySourceCount &+= 1
    }

    mutating func bySourceRemove(_ idx: Int) {
        let b = bySourceBucket(table.key(idx, 0), zone: bySourceZone(idx))
        let me = UInt32(idx) &+ 1
        if bySource[b] == me {
            bySource[b] = table.natLink![idx].next
        } else {
            var cur = bySource[b]
            while cur != 0 {
                let n = table.natLink![Int(cur &- 1)].next
                if n == me { table.natLink![Int(cur &- 1)].next = table.natLink![idx].next; break }
                cur = n
            }
        }
        table.natLink![idx].next = 0
        table.slab[idx].flags &= ~ConnFlag.bySource
        bySourceCount &-= 1
    }

    mutating func growBySource() {
        let n = max(1024, bySource.count * 4)
        bySource = [UInt32](repeating: 0, count: n)
        bySourceCount = 0
        for i in 0..<table.slabHigh where table.slab[i].flags & (ConnFlag.inUse | ConnFlag.bySource)
            == ConnFlag.inUse | ConnFlag.bySource {
            let b = bySourceBucket(table.key(i, 0), zone: bySourceZone(i))
            table.natLink![i].next = bySource[b]
            bySource[b] = UInt32(i) &+ 1
            bySourceCount &+= 1
        }
    }

    /// `find_appropriate_src`: an existing SNATed connection from the same source
    /// address, port and protocol whose mapping is in `range`.
    mutating func findAppropriateSource(_ t: FlowKey, range: NATMapping, idx: Int) -> FlowKey? {
        if bySource.isEmpty { return nil }
        let zone = bySourceZone(idx)
        var cur = bySource[bySourceBucket(t, zone: zone)]
        while cur != 0 {
            let j = Int(cur &- 1)
            cur = table.natLink![j].next
            let o = table.key(j, 0)
            guard o.proto == t.proto && o.srcHi == t.srcHi && o.srcLo == t.srcLo && o.sport == t.sport
                && o.family == t.family && table.slab[j].zoneID(for: 0) == table.slab[idx].zoneID(for: 0) else { continue }
            guard var r = Self.invert(table.key(j, 1), zone: t.zone) else { continue }
            r.dstHi = t.dstHi; r.dstLo = t.dstLo; r.dport = t.dport
            if natInRange(r, range) { return r }
        }
        return nil
    }
}

// MARK: - Packet rewriting (nf_nat_proto.c)

/// Mutable big-endian access to a packet.
@usableFromInline
struct MutableBytes {
    let base: UnsafeMutableRawPointer
    let count: Int
    @inline(__always) func u8(_ o: Int) -> UInt8 { base.load(fromByteOffset: o, as: UInt8.self) }
    @inline(__always) func u16(_ o: Int) -> UInt16 { UInt16(bigEndian: base.loadUnaligned(fromByteOffset: o, as: UInt16.self)) }
    @inline(__always) func set16(_ o: Int, _ v: UInt16) { base.storeBytes(of: v.bigEndian, toByteOffset: o, as: UInt16.self) }
    @inline(__always) func set8(_ o: Int, _ v: UInt8) { base.storeBytes(of: v, toByteOffset: o, as: UInt8.self) }
}

/// RFC 1624 incremental checksum update of a 16-bit field: HC' = ~(~HC + ~m + m').
@inline(__always)
func checksumReplace16(_ check: UInt16, _ old: UInt16, _ new: UInt16) -> UInt16 {
    var s = UInt32(~check) &+ UInt32(~old) &+ UInt32(new)
    s = (s & 0xffff) &+ (s >> 16)
    s = (s & 0xffff) &+ (s >> 16)
    return ~UInt16(truncatingIfNeeded: s)
}

extension TrackerCore {
    /// The tuple the packet of direction `dir` is rewritten towards: the inverse of the
    /// other direction's tuple.
    @inline(__always)
    func natTarget(_ idx: Int, dir: UInt8) -> FlowKey? {
        Self.invert(table.key(idx, dir ^ 1), zone: 0)
    }

    /// `nf_nat_packet` / `nf_nat_icmp_reply_translation` for one NAT hook: rewrites the
    /// packet in place when the connection has the NAT bit for this hook and direction.
    /// Returns `.none` when the packet may go on (rewritten or not).
    mutating func natPacket(_ m: MutableBytes, verdict: Verdict, manip: NATManip) -> NATDropReason {
        guard let h = verdict.connection, verdict.state != .invalid, verdict.state != .untracked else { return .none }
        let idx = Int(h.index)
        let dir = verdict.direction.rawValue
        let status = table.slab[idx].status
        var bit = manip == .source ? StatusBit.srcNAT : StatusBit.dstNAT
        if dir == 1 { bit ^= Self.natMask }
        // nf_nat_packet touches the packet only when this manip applies to this direction
        // (ICMP errors are looked at regardless, for the redirect check below): most
        // packets of a NATed flow pass one of the two NAT hooks without being parsed.
        if status & bit == 0 && verdict.state != .related { return .none }
        var p = L3Packet()
        guard parseL3(Bytes(base: UnsafeRawPointer(m.base), count: m.count), into: &p) == .none else { return .truncated }
        let icmpError = verdict.state == .related && Self.isICMPError(m, p)
        if icmpError {
            let type = m.u8(p.l4Offset)
            if (p.family == 2 && type == 5) || (p.family == 10 && type == 137) {
                if status & Self.natDoneMask != Self.natDoneMask || status & Self.natMask != 0 { return .icmpRedirect }
            }
            if status & bit == 0 { return .none }
            // The quoted packet: the opposite manip towards the other direction's tuple.
            let inner = p.l4Offset &+ 8
            let other = table.key(idx, dir ^ 1)
            let sub = MutableBytes(base: m.base + inner, count: p.length &- inner)
            guard Self.manipL3(sub, target: other, manip: manip == .source ? .destination : .source, inner: true)
            else { return .truncated }
            Self.recomputeICMPChecksum(m, p)
            guard let target = Self.invert(other, zone: 0) else { return .none }
            _ = Self.manipOuter(m, p, target: target, manip: manip, l4: true)
            return .none
        }
        if status & bit == 0 { return .none }
        guard let target = natTarget(idx, dir: dir) else { return .none }
        return Self.manipOuter(m, p, target: target, manip: manip, l4: !p.isFragment || p.fragOffset == 0) ? .none : .truncated
    }

    static func isICMPError(_ m: MutableBytes, _ p: L3Packet) -> Bool {
        guard p.l4Length >= 8 else { return false }
        let t = m.u8(p.l4Offset)
        if p.proto == 1 && p.family == 2 { return t == 3 || t == 4 || t == 5 || t == 11 || t == 12 }
        if p.proto == 58 && p.family == 10 { return t < 128 || t == 137 }
        return false
    }

    /// ICMP checksum over the whole message (ICMPv6: with the pseudo-header).
    static func recomputeICMPChecksum(_ m: MutableBytes, _ p: L3Packet) {
        let o = p.l4Offset
        m.set16(o &+ 2, 0)
        let b = Bytes(base: UnsafeRawPointer(m.base), count: m.count)
        var s = Checksum.sum(b, o, p.l4Length)
        if p.family == 10 {
            for a in 0..<16 where a % 2 == 0 { s &+= UInt64(b.u16(8 &+ a)) &+ UInt64(b.u16(24 &+ a)) }
            s &+= UInt64(p.l4Length) &+ 58
        }
        m.set16(o &+ 2, ~Checksum.fold(s))
    }

    /// `nf_nat_ipv4_manip_pkt` / `nf_nat_ipv6_manip_pkt` on the outer packet.
    static func manipOuter(_ m: MutableBytes, _ p: L3Packet, target: FlowKey, manip: NATManip, l4: Bool) -> Bool {
        var okL4 = true
        if l4 {
            okL4 = manipL4(m, family: p.family, l3: 0, l4: p.l4Offset, end: p.length, proto: p.proto, target: target,
                           manip: manip, inner: false)
        }
        manipAddress(m, family: p.family, l3: 0, target: target, manip: manip)
        return okL4
    }

    /// Rewrites a quoted (inner) packet that starts at `m.base`.
    static func manipL3(_ m: MutableBytes, target: FlowKey, manip: NATManip, inner: Bool) -> Bool {
        var q = L3Packet()
        guard parseL3(Bytes(base: UnsafeRawPointer(m.base), count: m.count), into: &q, inner: true) == .none else {
            return false
        }
        let end = min(q.length, m.count)
        if !(q.isFragment && q.fragOffset != 0) {
            guard manipL4(m, family: q.family, l3: 0, l4: q.l4Offset, end: end, proto: q.proto, target: target,
                          manip: manip, inner: inner) else { return false }
        }
        manipAddress(m, family: q.family, l3: 0, target: target, manip: manip)
        return true
    }

    /// Address rewrite with the IPv4 header checksum kept right.
    static func manipAddress(_ m: MutableBytes, family: UInt8, l3: Int, target: FlowKey, manip: NATManip) {
        let (hi, lo) = manip == .source ? (target.srcHi, target.srcLo) : (target.dstHi, target.dstLo)
        if family == 2 {
            let o = l3 &+ (manip == .source ? 12 : 16)
            let n0 = UInt16(truncatingIfNeeded: hi >> 48), n1 = UInt16(truncatingIfNeeded: hi >> 32)
            var check = m.u16(l3 &+ 10)
            check = checksumReplace16(check, m.u16(o), n0)
            check = checksumReplace16(check, m.u16(o &+ 2), n1)
            m.set16(o, n0); m.set16(o &+ 2, n1)
            m.set16(l3 &+ 10, check)
        } else {
            let o = l3 &+ (manip == .source ? 8 : 24)
            for i in 0..<8 {
                let w = i < 4 ? hi >> UInt64(48 - 16 * i) : lo >> UInt64(48 - 16 * (i - 4))
                m.set16(o &+ 2 &* i, UInt16(truncatingIfNeeded: w))
            }
        }
    }

    /// The pseudo-header part of an L4 checksum update for an address change.
    static func pseudoUpdate(_ m: MutableBytes, _ check: UInt16, family: UInt8, l3: Int, target: FlowKey,
                             manip: NATManip) -> UInt16 {
        var c = check
        let (hi, lo) = manip == .source ? (target.srcHi, target.srcLo) : (target.dstHi, target.dstLo)
        if family == 2 {
            let o = l3 &+ (manip == .source ? 12 : 16)
            c = checksumReplace16(c, m.u16(o), UInt16(truncatingIfNeeded: hi >> 48))
            c = checksumReplace16(c, m.u16(o &+ 2), UInt16(truncatingIfNeeded: hi >> 32))
        } else {
            let o = l3 &+ (manip == .source ? 8 : 24)
            for i in 0..<8 {
                let w = i < 4 ? hi >> UInt64(48 - 16 * i) : lo >> UInt64(48 - 16 * (i - 4))
                c = checksumReplace16(c, m.u16(o &+ 2 &* i), UInt16(truncatingIfNeeded: w))
            }
        }
        return c
    }

    /// `l4proto_manip_pkt`: ports / ICMP ids and the layer-4 checksum. Runs before the
    /// address is changed (the pseudo-header update reads the old address).
    static func manipL4(_ m: MutableBytes, family: UInt8, l3: Int, l4 o: Int, end: Int, proto: UInt8, target: FlowKey,
                        manip: NATManip, inner: Bool) -> Bool {
        let avail = end &- o
        switch proto {
        case 6:
            // In an ICMP payload only the 8 guaranteed bytes may be there: ports only.
            guard avail >= 8 else { return false }
            let full = avail >= 20
            let po = manip == .source ? o : o &+ 2
            let newPort = manip == .source ? target.sport : target.dport
            if full {
                var c = m.u16(o &+ 16)
                c = pseudoUpdate(m, c, family: family, l3: l3, target: target, manip: manip)
                c = checksumReplace16(c, m.u16(po), newPort)
                m.set16(o &+ 16, c)
            }
            m.set16(po, newPort)
        case 17, 136:
            guard avail >= 8 else { return false }
            let po = manip == .source ? o : o &+ 2
            let newPort = manip == .source ? target.sport : target.dport
            let check = m.u16(o &+ 6)
            if proto == 136 || check != 0 {
                var c = pseudoUpdate(m, check, family: family, l3: l3, target: target, manip: manip)
                c = checksumReplace16(c, m.u16(po), newPort)
                m.set16(o &+ 6, c == 0 && proto == 17 ? 0xffff : c)
            }
            m.set16(po, newPort)
        case 132:
            guard avail >= 8 else { return false }
            let po = manip == .source ? o : o &+ 2
            m.set16(po, manip == .source ? target.sport : target.dport)
            if avail >= 12 {
                let crc = Checksum.sctpCRC(Bytes(base: UnsafeRawPointer(m.base), count: m.count), o, avail)
                m.set8(o &+ 8, UInt8(truncatingIfNeeded: crc)); m.set8(o &+ 9, UInt8(truncatingIfNeeded: crc >> 8))
                m.set8(o &+ 10, UInt8(truncatingIfNeeded: crc >> 16)); m.set8(o &+ 11, UInt8(truncatingIfNeeded: crc >> 24))
            }
        case 1:
            guard avail >= 8 else { return false }
            let t = m.u8(o)
            guard t == 0 || t == 8 || t == 13 || t == 14 || t == 15 || t == 16 || t == 17 || t == 18 else { return true }
            m.set16(o &+ 2, checksumReplace16(m.u16(o &+ 2), m.u16(o &+ 4), target.sport))
            m.set16(o &+ 4, target.sport)
        case 58:
            guard avail >= 8 else { return false }
            var c = pseudoUpdate(m, m.u16(o &+ 2), family: family, l3: l3, target: target, manip: manip)
            let t = m.u8(o)
            if t == 128 || t == 129 {
                c = checksumReplace16(c, m.u16(o &+ 4), target.sport)
                m.set16(o &+ 4, target.sport)
            }
            m.set16(o &+ 2, c)
        case 47:
            // gre_manip_pkt: only the PPTP call id on DST manip.
            guard avail >= 8, manip == .destination, m.u16(o) & 7 == 1 else { return true }
            m.set16(o &+ 6, target.dport)
        default:
            break
        }
        return true
    }
}
