import Conntrack
import Netlink

extension Tuple {
    /// Decodes a nested tuple (`CTA_TUPLE_ORIG`/`REPLY`/`MASTER`, `CTA_EXPECT_*`):
    /// {`CTA_TUPLE_IP`, `CTA_TUPLE_PROTO`, `CTA_TUPLE_ZONE`}. Walks the bytes in place.
    /// Returns `nil` if the attributes are badly framed or no address is present.
    static func decode(_ payload: UnsafeRawBufferPointer) -> Tuple? {
        var source: IPAddress? = nil
        var destination: IPAddress? = nil
        var proto: UInt8 = 0
        var sport: UInt16 = 0
        var dport: UInt16 = 0
        var icmpType: UInt8 = 0
        var icmpCode: UInt8 = 0
        var zone: UInt16? = nil
        var it = AttributeIterator(payload)
        while let a = it.next() {
            switch a.type {
            case CT.tupleIP:
                var ip = AttributeIterator(a.payload)
                while let b = ip.next() {
                    switch b.type {
                    case CT.ipV4Src: if let v = b.be32 { source = IPAddress(ipv4: v) }
                    case CT.ipV4Dst: if let v = b.be32 { destination = IPAddress(ipv4: v) }
                    case CT.ipV6Src: source = ipv6(b)
                    case CT.ipV6Dst: destination = ipv6(b)
                    default: break
                    }
                }
                if ip.malformed { return nil }
            case CT.tupleProto:
                var pr = AttributeIterator(a.payload)
                while let b = pr.next() {
                    switch b.type {
                    case CT.protoNum: proto = b.u8 ?? 0
                    case CT.protoSrcPort, CT.protoICMPID, CT.protoICMPv6ID: sport = b.be16 ?? 0
                    case CT.protoDstPort: dport = b.be16 ?? 0
                    case CT.protoICMPType, CT.protoICMPv6Type: icmpType = b.u8 ?? 0
                    case CT.protoICMPCode, CT.protoICMPv6Code: icmpCode = b.u8 ?? 0
                    default: break
                    }
                }
                if pr.malformed { return nil }
            case CT.tupleZone:
                zone = a.be16
            default:
                break
            }
        }
        guard !it.malformed, let source, let destination else { return nil }
        if proto == IPProtocol.icmp || proto == IPProtocol.icmpv6 {
            dport = UInt16(icmpType) << 8 | UInt16(icmpCode)
        }
        return Tuple(source: source, destination: destination, protocol: proto,
                     sourcePort: sport, destinationPort: dport, zone: zone)
    }

    static func ipv6(_ a: Attribute) -> IPAddress? {
        guard let h = a.be64(at: 0), let l = a.be64(at: 8) else { return nil }
        return IPAddress(ipv6High: h, low: l)
    }
}

extension MessageBuilder {
    /// Appends an address attribute (4 bytes for IPv4, 16 for IPv6).
    mutating func put(_ type: UInt16, address: IPAddress) {
        if address.family == .ipv4 {
            put(type, be32: address.ipv4Value)
        } else {
            put(type, bytes: address.bytes)
        }
    }

    /// Appends `CTA_TUPLE_IP` and `CTA_TUPLE_PROTO` of a tuple in the order
    /// conntrack-tools sends them.
    mutating func putTupleBody(_ t: Tuple) {
        let ip = beginNested(CT.tupleIP)
        if t.family == .ipv4 {
            put(CT.ipV4Src, address: t.source)
            put(CT.ipV4Dst, address: t.destination)
        } else {
            put(CT.ipV6Src, address: t.source)
            put(CT.ipV6Dst, address: t.destination)
        }
        endNested(ip)
        let pr = beginNested(CT.tupleProto)
        put(CT.protoNum, u8: t.proto)
        switch t.proto {
        case IPProtocol.icmp:
            put(CT.protoICMPCode, u8: t.icmpCode)
            put(CT.protoICMPType, u8: t.icmpType)
            put(CT.protoICMPID, be16: t.icmpID)
        case IPProtocol.icmpv6:
            put(CT.protoICMPv6Code, u8: t.icmpCode)
            put(CT.protoICMPv6Type, u8: t.icmpType)
            put(CT.protoICMPv6ID, be16: t.icmpID)
        case IPProtocol.tcp, IPProtocol.udp, IPProtocol.udplite, IPProtocol.sctp, IPProtocol.dccp, IPProtocol.gre:
            put(CT.protoSrcPort, be16: t.sourcePort)
            put(CT.protoDstPort, be16: t.destinationPort)
        default:
            break
        }
        endNested(pr)
    }

    /// Appends a nested tuple attribute (`CTA_TUPLE_ORIG`...), with `CTA_TUPLE_ZONE`
    /// when the tuple has a zone.
    mutating func putTuple(_ type: UInt16, _ t: Tuple) {
        let n = beginNested(type)
        putTupleBody(t)
        if let z = t.zone { put(CT.tupleZone, be16: z) }
        endNested(n)
    }
}
