/// ICMP and ICMPv6 (`nf_conntrack_proto_icmp.c`, `nf_conntrack_proto_icmpv6.c`): query
/// tracking, and error messages attached as RELATED to the connection they quote.
extension TrackerCore {
    /// `nf_conntrack_icmp_packet`: only request types may create; 30 s, never ASSURED.
    mutating func trackICMP(_ idx: Int, dir: UInt8, isNew: Bool, _ b: Bytes, _ p: L3Packet, now: UInt64) -> TrackAction {
        guard p.family == 2 else { return .invalid(.icmpCannotCreate) }
        let type = UInt8(truncatingIfNeeded: table.slab[idx].dport >> 8)
        guard type == 8 || type == 13 || type == 15 || type == 17 else { return .invalid(.icmpCannotCreate) }
        refresh(idx, timeout: icmpTimeout, now: now, dir: dir, length: p.length)
        return .accept
    }

    /// `nf_conntrack_icmpv6_packet`: echo request and node-information query may create.
    mutating func trackICMPv6(_ idx: Int, dir: UInt8, isNew: Bool, _ b: Bytes, _ p: L3Packet, now: UInt64) -> TrackAction {
        guard p.family == 10 else { return .invalid(.icmpCannotCreate) }
        if isNew {
            let type = UInt8(truncatingIfNeeded: table.slab[idx].dport >> 8)
            guard type == 128 || type == 139 else { return .invalid(.icmpCannotCreate) }
        }
        refresh(idx, timeout: icmpv6Timeout, now: now, dir: dir, length: p.length)
        return .accept
    }

    /// `nf_conntrack_icmpv4_error`: returns a verdict when the packet is settled here
    /// (error-handler failure or RELATED), nil for query types that continue.
    mutating func icmpErrorHandler(_ b: Bytes, _ p: L3Packet, now: UInt64, metadata: PacketMetadata) -> Verdict? {
        let o = p.l4Offset
        guard p.l4Length >= 8 else { return reject(.icmpShort) }
        if checksumEnabled && !Checksum.verifyPlain(b, o, p.l4Length) { return reject(.icmpBadChecksum) }
        let type = b.u8(o)
        if type > 18 { return reject(.icmpBadType) }
        // icmp_is_err: 3 unreachable, 4 source quench, 5 redirect, 11 time exceeded, 12 parameter problem
        guard type == 3 || type == 4 || type == 5 || type == 11 || type == 12 else { return nil }
        return relatedLookup(b, innerOffset: o &+ 8, p, now: now, metadata: metadata)
    }

    /// `nf_conntrack_icmpv6_error`.
    mutating func icmpv6ErrorHandler(_ b: Bytes, _ p: L3Packet, now: UInt64, metadata: PacketMetadata) -> Verdict? {
        let o = p.l4Offset
        guard p.l4Length >= 8 else { return reject(.icmpShort) }
        if checksumEnabled && !Checksum.verify(b, p, pseudoProto: 58) { return reject(.icmpBadChecksum) }
        let type = b.u8(o)
        switch type {
        case 130, 131, 132, 133, 134, 135, 136, 143, 151, 152:
            // MLD, ND, MLDv2 report, MRD: never tracked.
            counters.untracked &+= 1
            return Verdict(state: .untracked)
        case 137:
            return icmpv6Redirect(b, p, now: now, metadata: metadata)
        default:
            if type >= 128 { return nil }
            return relatedLookup(b, innerOffset: o &+ 8, p, now: now, metadata: metadata)
        }
    }

    /// `nf_conntrack_icmpv6_redirect`: only a well-formed redirect with a redirected-header
    /// option is looked up; code != 0 or another first option continues as a normal packet.
    @usableFromInline
    mutating func icmpv6Redirect(_ b: Bytes, _ p: L3Packet, now: UInt64, metadata: PacketMetadata) -> Verdict? {
        let o = p.l4Offset
        guard p.l4Length >= 40 else { return reject(.icmpv6BadRedirect) }
        if b.u8(o &+ 1) != 0 { return nil }
        // hop limit 255 and a link-local (fe80::/10) source
        guard p.hopLimit == 255, p.srcHi >> 54 == 0x3fa else { return reject(.icmpv6BadRedirect) }
        guard p.l4Length >= 42, b.u8(o &+ 41) != 0 else { return reject(.icmpv6BadRedirect) }
        if b.u8(o &+ 40) != 4 { return nil }
        return relatedLookup(b, innerOffset: o &+ 48, p, now: now, metadata: metadata)
    }

    /// `nf_conntrack_inet_error`: tuple of the quoted packet, inverted, looked up; the
    /// error's outer destination must equal that direction's tuple destination.
    mutating func relatedLookup(_ b: Bytes, innerOffset: Int, _ p: L3Packet, now: UInt64, metadata: PacketMetadata) -> Verdict {
        guard innerOffset < p.length else { return reject(.icmpErrorBadEmbedded) }
        let inner = Bytes(base: b.base + innerOffset, count: p.length &- innerOffset)
        var q = L3Packet()
        guard parseL3(inner, into: &q, inner: true) == .none, q.family == p.family else {
            return reject(.icmpErrorBadEmbedded)
        }
        // Fragments (non-first) inside ICMP payloads are untrackable.
        if q.isFragment && q.fragOffset != 0 { return reject(.icmpErrorBadEmbedded) }
        var k = FlowKey(srcHi: q.srcHi, srcLo: q.srcLo, dstHi: q.dstHi, dstLo: q.dstLo, sport: 0, dport: 0,
                        proto: q.proto, family: q.family, zone: metadata.zone.id(for: 0))
        if extractL4(inner, q, into: &k) != .none { return reject(.icmpErrorBadEmbedded) }
        guard let inv = invertedL4(proto: k.proto, sport: k.sport, dport: k.dport) else {
            return reject(.icmpErrorBadEmbedded)
        }
        let ik = FlowKey(srcHi: k.dstHi, srcLo: k.dstLo, dstHi: k.srcHi, dstLo: k.srcLo, sport: inv.0, dport: inv.1,
                         proto: k.proto, family: k.family, zone: k.zone)
        guard let ref = table.find(ik, hash: ik.hash(seed: table.seed)) else { return reject(.icmpErrorNotFound) }
        let idx = Int(ref >> 1)
        let dir = UInt8(truncatingIfNeeded: ref & 1)
        if Int64(bitPattern: table.slab[idx].expires &- now) <= 0 { return reject(.icmpErrorNotFound) }
        let t = table.key(idx, dir)
        guard t.dstHi == p.dstHi && t.dstLo == p.dstLo else { return reject(.icmpErrorAddressMismatch) }
        counters.related &+= 1
        return Verdict(connection: ConnectionHandle(index: UInt32(idx)), direction: dir == 1 ? .reply : .original,
                       state: .related)
    }
}
