import Conntrack

/// The header fields rules match on, read from an IPv4 or IPv6 packet (one bounds check
/// per header; nothing allocated).
@usableFromInline
struct PacketFields {
    /// 2 (IPv4), 10 (IPv6) or 0 (not an IP packet / too short).
    var family: UInt8 = 0
    var proto: UInt8 = 0
    var srcHi: UInt64 = 0, srcLo: UInt64 = 0
    var dstHi: UInt64 = 0, dstLo: UInt64 = 0
    /// Ports are present (TCP, UDP, UDPLite, SCTP, DCCP with 4 bytes of header, first fragment).
    var hasPorts = false
    var sport: UInt16 = 0, dport: UInt16 = 0
    /// ICMP / ICMPv6 type, when the header is present.
    var hasICMPType = false
    var icmpType: UInt8 = 0
    /// Layer-3 length (what counters count).
    var length = 0
    /// Offset of the layer-4 header (valid when `hasPorts` or `hasICMPType`).
    var l4 = 0

    @inline(__always)
    static func be16(_ p: UnsafeRawPointer, _ o: Int) -> UInt16 {
        UInt16(bigEndian: p.loadUnaligned(fromByteOffset: o, as: UInt16.self))
    }
    @inline(__always)
    static func be64(_ p: UnsafeRawPointer, _ o: Int) -> UInt64 {
        UInt64(bigEndian: p.loadUnaligned(fromByteOffset: o, as: UInt64.self))
    }

    init() {}

    init(_ b: UnsafeRawBufferPointer) {
        guard let p = b.baseAddress, b.count >= 20 else { return }
        let n = b.count
        var l4 = 0
        var firstFragment = true
        switch p.load(as: UInt8.self) >> 4 {
        case 4:
            let ihl = Int(p.load(as: UInt8.self) & 0xf) * 4
            guard ihl >= 20, n >= ihl else { return }
            family = 2
            proto = p.load(fromByteOffset: 9, as: UInt8.self)
            srcHi = UInt64(UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 12, as: UInt32.self))) << 32
            dstHi = UInt64(UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt32.self))) << 32
            length = min(Int(Self.be16(p, 2)), n)
            firstFragment = Self.be16(p, 6) & 0x1fff == 0
            l4 = ihl
        case 6:
            guard n >= 40 else { return }
            family = 10
            srcHi = Self.be64(p, 8); srcLo = Self.be64(p, 16)
            dstHi = Self.be64(p, 24); dstLo = Self.be64(p, 32)
            length = min(40 + Int(Self.be16(p, 4)), n)
            var next = p.load(fromByteOffset: 6, as: UInt8.self)
            var o = 40
            // ipv6_skip_exthdr: hop-by-hop, routing, fragment, destination options, AH.
            var hops = 0
            while hops < 8 {
                hops += 1
                switch next {
                case 0, 43, 60:
                    guard o + 8 <= length else { proto = next; return }
                    next = p.load(fromByteOffset: o, as: UInt8.self)
                    o += (Int(p.load(fromByteOffset: o + 1, as: UInt8.self)) + 1) * 8
                    continue
                case 44:
                    guard o + 8 <= length else { proto = next; return }
                    firstFragment = Self.be16(p, o + 2) & 0xfff8 == 0
                    next = p.load(fromByteOffset: o, as: UInt8.self)
                    o += 8
                    continue
                case 51:
                    guard o + 8 <= length else { proto = next; return }
                    next = p.load(fromByteOffset: o, as: UInt8.self)
                    o += (Int(p.load(fromByteOffset: o + 1, as: UInt8.self)) + 2) * 4
                    continue
                default:
                    break
                }
                break
            }
            proto = next
            l4 = o
        default:
            return
        }
        guard firstFragment else { return }
        self.l4 = l4
        switch proto {
        case 6, 17, 136, 132, 33:
            if l4 + 4 <= length {
                hasPorts = true
                sport = Self.be16(p, l4); dport = Self.be16(p, l4 + 2)
            }
        case 1, 58:
            if l4 + 1 <= length {
                hasICMPType = true
                icmpType = p.load(fromByteOffset: l4, as: UInt8.self)
            }
        default:
            break
        }
    }

    /// Re-reads the addresses and ports of the same packet after NAT rewrote it (NAT
    /// changes neither the header layout nor the ICMP type).
    @inline(__always)
    mutating func reloadTuple(_ b: UnsafeRawBufferPointer) {
        guard let p = b.baseAddress else { return }
        if family == 2 {
            srcHi = UInt64(UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 12, as: UInt32.self))) << 32
            dstHi = UInt64(UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt32.self))) << 32
        } else if family == 10 {
            srcHi = Self.be64(p, 8); srcLo = Self.be64(p, 16)
            dstHi = Self.be64(p, 24); dstLo = Self.be64(p, 32)
        } else {
            return
        }
        if hasPorts { sport = Self.be16(p, l4); dport = Self.be16(p, l4 &+ 2) }
    }

    var source: IPAddress {
        family == 2 ? IPAddress(ipv4: UInt32(truncatingIfNeeded: srcHi >> 32)) : IPAddress(ipv6High: srcHi, low: srcLo)
    }
    var destination: IPAddress {
        family == 2 ? IPAddress(ipv4: UInt32(truncatingIfNeeded: dstHi >> 32)) : IPAddress(ipv6High: dstHi, low: dstLo)
    }
}
