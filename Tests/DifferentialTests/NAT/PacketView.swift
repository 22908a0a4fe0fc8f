import Conntrack

/// The fields of an IPv4/IPv6 packet the NAT suite looks at: addresses, protocol and
/// the layer-4 words NAT may change (ports; for ICMP echo-like messages the id, in
/// both `sourcePort` and `destinationPort`). `inner` is the quoted packet of an ICMP
/// error.
struct PacketView: CustomStringConvertible {
    var family: AddressFamily
    var source: IPAddress
    var destination: IPAddress
    var proto: UInt8
    var sourcePort: UInt16 = 0
    var destinationPort: UInt16 = 0
    /// The packet has a rewritable layer-4 id (ports, or an ICMP query id).
    var hasIDs = false
    var icmpType: UInt8?
    /// Offset of the layer-4 header, and where the packet ends (IP length).
    var l4: Int
    var end: Int
    /// The packet quoted by an ICMP error, parsed.
    var innerOffset: Int?

    /// Parses `b` from `offset` (nil for a packet too short to hold its headers).
    init?(_ b: [UInt8], at offset: Int = 0, quoted: Bool = false) {
        let n = b.count
        guard n >= offset + 20 else { return nil }
        switch b[offset] >> 4 {
        case 4:
            family = .ipv4
            let ihl = Int(b[offset] & 0xf) * 4
            guard n >= offset + ihl else { return nil }
            source = IPAddress(bytes: b[(offset + 12)..<(offset + 16)])!
            destination = IPAddress(bytes: b[(offset + 16)..<(offset + 20)])!
            proto = b[offset + 9]
            l4 = offset + ihl
            end = quoted ? n : min(n, offset + (Int(b[offset + 2]) << 8 | Int(b[offset + 3])))
            if Int(b[offset + 6] & 0x1f) << 8 | Int(b[offset + 7]) != 0 { return }   // non-first fragment
        case 6:
            guard n >= offset + 40 else { return nil }
            family = .ipv6
            source = IPAddress(bytes: b[(offset + 8)..<(offset + 24)])!
            destination = IPAddress(bytes: b[(offset + 24)..<(offset + 40)])!
            proto = b[offset + 6]
            l4 = offset + 40
            end = quoted ? n : min(n, offset + 40 + (Int(b[offset + 4]) << 8 | Int(b[offset + 5])))
            if proto == 44, end >= l4 + 8 {
                // Fragment header: the ports are in the first fragment only.
                if Int(b[l4 + 2]) << 8 | Int(b[l4 + 3]) & 0xfff8 != 0 { return }
                proto = b[l4]
                l4 += 8
            }
        default:
            return nil
        }
        let avail = end - l4
        switch proto {
        case IPProtocol.tcp, IPProtocol.udp, IPProtocol.udplite, IPProtocol.sctp, IPProtocol.dccp:
            guard avail >= 4 else { return }
            sourcePort = UInt16(b[l4]) << 8 | UInt16(b[l4 + 1])
            destinationPort = UInt16(b[l4 + 2]) << 8 | UInt16(b[l4 + 3])
            hasIDs = true
        case IPProtocol.icmp, IPProtocol.icmpv6:
            guard avail >= 8 else { return }
            let t = b[l4]
            icmpType = t
            let query: Set<UInt8> = family == .ipv4 ? [0, 8, 13, 14, 15, 16, 17, 18] : [128, 129]
            let error = family == .ipv4 ? [3, 4, 5, 11, 12].contains(t) : t < 128
            if query.contains(t) {
                sourcePort = UInt16(b[l4 + 4]) << 8 | UInt16(b[l4 + 5])
                destinationPort = sourcePort
                hasIDs = true
            } else if error && !quoted {
                innerOffset = l4 + 8
            }
        default:
            break
        }
    }

    /// The quoted packet of an ICMP error.
    func inner(_ b: [UInt8]) -> PacketView? {
        innerOffset.flatMap { PacketView(Array(b[..<end]), at: $0, quoted: true) }
    }

    var description: String {
        var s = "\(IPProtocol.name(proto)) \(source)"
        if hasIDs { s += ":\(sourcePort)" }
        s += " -> \(destination)"
        if hasIDs { s += ":\(destinationPort)" }
        if let t = icmpType { s += " type \(t)" }
        return s
    }
}

/// One side of a flow as NAT sees it: an address and the port (or ICMP id) next to it.
struct Endpoint: Hashable, CustomStringConvertible {
    var proto: UInt8
    var address: IPAddress
    var port: UInt16
    var description: String { "\(IPProtocol.name(proto)) \(address):\(port)" }
}

/// What a router's random port choices map to in the other run: the kernel's
/// endpoint -> the engine's, for flows where the kernel picks a random port (the
/// engine draws its own); `engineToKernel` is the inverse used to compare.
struct EndpointMap {
    private(set) var kernelToEngine: [Endpoint: Endpoint] = [:]
    private(set) var engineToKernel: [Endpoint: Endpoint] = [:]
    var isEmpty: Bool { kernelToEngine.isEmpty }

    mutating func add(kernel: Endpoint, engine: Endpoint) {
        kernelToEngine[kernel] = engine
        engineToKernel[engine] = kernel
    }

    /// A tuple of the engine with the engine's endpoints replaced by the kernel's.
    func toKernel(_ t: Tuple) -> Tuple {
        var t = t
        let icmp = t.isICMP
        if let k = engineToKernel[Endpoint(proto: t.proto, address: t.source, port: t.sourcePort)] {
            t.sourcePort = k.port
        } else if let k = engineToKernel[Endpoint(proto: t.proto, address: t.destination,
                                                  port: icmp ? t.sourcePort : t.destinationPort)] {
            if icmp { t.sourcePort = k.port } else { t.destinationPort = k.port }
        }
        return t
    }
}

// MARK: - Endpoint substitution in packet bytes

enum PacketEdit {
    static func u16(_ b: [UInt8], _ o: Int) -> UInt16 { UInt16(b[o]) << 8 | UInt16(b[o + 1]) }
    static func set16(_ b: inout [UInt8], _ o: Int, _ v: UInt16) { b[o] = UInt8(v >> 8); b[o + 1] = UInt8(v & 0xff) }

    /// RFC 1624 incremental update of a checksum for one changed 16-bit word.
    static func replace(_ check: UInt16, _ old: UInt16, _ new: UInt16) -> UInt16 {
        var s = UInt32(~check) + UInt32(~old) + UInt32(new)
        s = (s & 0xffff) + (s >> 16)
        s = (s & 0xffff) + (s >> 16)
        return ~UInt16(truncatingIfNeeded: s)
    }

    /// Replaces the port (or ICMP id) of `side` of the packet at `v` with `port`, keeping
    /// the layer-4 checksum right the way NAT does (incrementally; SCTP's CRC32c
    /// recomputed; a quoted TCP header only when complete, a UDP checksum only when set).
    static func setPort(_ b: inout [UInt8], _ v: PacketView, source: Bool, _ port: UInt16, quoted: Bool) {
        let o = v.l4
        let avail = v.end - o
        switch v.proto {
        case IPProtocol.tcp, IPProtocol.udp, IPProtocol.udplite, IPProtocol.dccp:
            let po = source ? o : o + 2
            let old = u16(b, po)
            let co = v.proto == IPProtocol.tcp ? 16 : v.proto == IPProtocol.dccp ? 6 : 6
            let canFix = v.proto == IPProtocol.tcp ? avail >= 20 : avail >= 8
            if canFix {
                let c = u16(b, o + co)
                if v.proto != IPProtocol.udp || c != 0 {
                    var n = replace(c, old, port)
                    if v.proto == IPProtocol.udp && n == 0 { n = 0xffff }
                    set16(&b, o + co, n)
                }
            }
            set16(&b, po, port)
        case IPProtocol.sctp:
            set16(&b, source ? o : o + 2, port)
            if avail >= 12 && !quoted {
                b[o + 8] = 0; b[o + 9] = 0; b[o + 10] = 0; b[o + 11] = 0
                let crc = crc32c(Array(b[o..<v.end]))
                b[o + 8] = UInt8(crc & 0xff); b[o + 9] = UInt8((crc >> 8) & 0xff)
                b[o + 10] = UInt8((crc >> 16) & 0xff); b[o + 11] = UInt8(crc >> 24)
            }
        case IPProtocol.icmp, IPProtocol.icmpv6:
            let old = u16(b, o + 4)
            if avail >= 8 { set16(&b, o + 2, replace(u16(b, o + 2), old, port)) }
            set16(&b, o + 4, port)
        default:
            break
        }
    }

    /// `b` with every endpoint found in `map` (engine -> kernel) replaced: outer source
    /// and destination, and those of a quoted packet (whose ICMP checksum is then
    /// recomputed).
    static func substitute(_ bytes: [UInt8], _ map: [Endpoint: Endpoint]) -> [UInt8] {
        guard !map.isEmpty, let v = PacketView(bytes) else { return bytes }
        var b = bytes
        func apply(_ v: PacketView, quoted: Bool) {
            guard v.hasIDs else { return }
            if let k = map[Endpoint(proto: v.proto, address: v.source, port: v.sourcePort)] {
                setPort(&b, v, source: true, k.port, quoted: quoted)
            } else if let k = map[Endpoint(proto: v.proto, address: v.destination, port: v.destinationPort)] {
                setPort(&b, v, source: false, k.port, quoted: quoted)
            }
        }
        apply(v, quoted: false)
        if let i = v.inner(b) {
            let before = b
            apply(i, quoted: true)
            if before != b { recomputeICMPChecksum(&b, v) }
        }
        return b
    }

    /// IPv6 fragments the kernel sends get an identification of its choosing
    /// (`ipv6_select_ident`): `b`'s is replaced by `kernel`'s when both are IPv6 fragments.
    static func copyIPv6FragmentID(from kernel: [UInt8], to b: inout [UInt8]) {
        guard kernel.count >= 48, b.count >= 48, kernel[0] >> 4 == 6, b[0] >> 4 == 6, kernel[6] == 44, b[6] == 44
        else { return }
        for o in 44..<48 { b[o] = kernel[o] }
    }

    /// Computes the TCP / UDP checksum of a packet in full (a device completing a
    /// `CHECKSUM_PARTIAL` checksum).
    static func completeChecksum(_ b: inout [UInt8]) {
        guard let v = PacketView(b), v.proto == IPProtocol.tcp || v.proto == IPProtocol.udp else { return }
        let co = v.l4 + (v.proto == IPProtocol.tcp ? 16 : 6)
        guard co + 2 <= v.end else { return }
        b[co] = 0; b[co + 1] = 0
        var s: UInt32 = 0
        var i = v.l4
        while i + 1 < v.end { s += UInt32(u16(b, i)); i += 2 }
        if i < v.end { s += UInt32(b[i]) << 8 }
        let (a0, a1) = v.family == .ipv4 ? (12, 20) : (8, 40)
        for a in stride(from: a0, to: a1, by: 2) { s += UInt32(u16(b, a)) }
        s += UInt32(v.end - v.l4) + UInt32(v.proto)
        while s >> 16 != 0 { s = (s & 0xffff) + (s >> 16) }
        var c = ~UInt16(s)
        if c == 0 && v.proto == IPProtocol.udp { c = 0xffff }
        set16(&b, co, c)
    }

    static func recomputeICMPChecksum(_ b: inout [UInt8], _ v: PacketView) {
        let o = v.l4
        b[o + 2] = 0; b[o + 3] = 0
        var s: UInt32 = 0
        var i = o
        while i + 1 < v.end { s += UInt32(u16(b, i)); i += 2 }
        if i < v.end { s += UInt32(b[i]) << 8 }
        if v.family == .ipv6 {
            for a in stride(from: 8, to: 40, by: 2) { s += UInt32(u16(b, a)) }
            s += UInt32(v.end - o) + 58
        }
        while s >> 16 != 0 { s = (s & 0xffff) + (s >> 16) }
        set16(&b, o + 2, ~UInt16(s))
    }

    static func crc32c(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82f6_3b78 : crc >> 1 }
        }
        return ~crc
    }
}
