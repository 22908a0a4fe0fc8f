/// A tuple as the engine hashes and compares it: addresses in `IPAddress` layout
/// (two big-endian-valued 64-bit halves), the two layer-4 words in host order, the
/// protocol, the family and the zone id of the tuple's direction.
@usableFromInline
struct FlowKey: Equatable {
    @usableFromInline var srcHi: UInt64
    @usableFromInline var srcLo: UInt64
    @usableFromInline var dstHi: UInt64
    @usableFromInline var dstLo: UInt64
    /// Source port / ICMP id / GRE source key.
    @usableFromInline var sport: UInt16
    /// Destination port / ICMP type<<8|code / GRE destination key.
    @usableFromInline var dport: UInt16
    @usableFromInline var proto: UInt8
    /// `AF_INET` (2) or `AF_INET6` (10).
    @usableFromInline var family: UInt8
    @usableFromInline var zone: UInt16

    
    init(srcHi: UInt64, srcLo: UInt64, dstHi: UInt64, dstLo: UInt64, sport: UInt16, dport: UInt16,
         proto: UInt8, family: UInt8, zone: UInt16) {
        self.srcHi = srcHi; self.srcLo = srcLo; self.dstHi = dstHi; self.dstLo = dstLo
        self.sport = sport; self.dport = dport; self.proto = proto; self.family = family; self.zone = zone
    }

    /// Seeded 64-bit hash (folded 128-bit multiplies, wyhash style). Direction is not part
    /// of it, like the kernel's `hash_conntrack_raw`.
    @inline(__always)
    func hash(seed: UInt64) -> UInt64 {
        let w = UInt64(sport) << 48 | UInt64(dport) << 32 | UInt64(proto) << 24 | UInt64(family) << 16 | UInt64(zone)
        var h = FlowKey.fold(seed ^ srcHi, 0xa076_1d64_78bd_642f ^ srcLo)
        h = FlowKey.fold(h ^ dstHi, 0xe703_7ed1_a0b4_28db ^ dstLo)
        return FlowKey.fold(h ^ w, 0x8ebc_6af0_9c88_c6e3 ^ seed)
    }

    @inline(__always)
    static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let m = a.multipliedFullWidth(by: b)
        return m.high ^ m.low
    }
}

/// Reply-direction layer-4 words for protocol `proto`: ports and GRE keys swap (DCCP is generic in 6.18); ICMP keeps
/// the id and maps the type through the kernel's inversion table; other protocols are 0.
/// Returns nil when the tuple cannot be inverted (`nf_ct_invert_tuple` fails).
@inline(__always)
func invertedL4(proto: UInt8, sport: UInt16, dport: UInt16) -> (UInt16, UInt16)? {
    switch proto {
    case 1:
        guard let t = icmpInverseType(UInt8(truncatingIfNeeded: dport >> 8)) else { return nil }
        return (sport, UInt16(t) << 8 | (dport & 0xff))
    case 58:
        guard let t = icmpv6InverseType(UInt8(truncatingIfNeeded: dport >> 8)) else { return nil }
        return (sport, UInt16(t) << 8 | (dport & 0xff))
    case 6, 17, 136, 132, 47:
        return (dport, sport)
    default:
        return (0, 0)
    }
}

/// ICMPv4 `invmap`: echo, timestamp, info and address-mask requests and replies.
@inline(__always)
func icmpInverseType(_ type: UInt8) -> UInt8? {
    switch type {
    case 8: 0
    case 0: 8
    case 13: 14
    case 14: 13
    case 15: 16
    case 16: 15
    case 17: 18
    case 18: 17
    default: nil
    }
}

/// ICMPv6 `invmap`: echo and node-information query/reply.
@inline(__always)
func icmpv6InverseType(_ type: UInt8) -> UInt8? {
    switch type {
    case 128: 129
    case 129: 128
    case 139: 140
    case 140: 139
    default: nil
    }
}
