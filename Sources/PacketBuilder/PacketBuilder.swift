@_exported import Conntrack

/// How a builder fills a checksum field.
public enum ChecksumMode: Sendable, Equatable {
    /// The correct checksum.
    case correct
    /// Zero (for UDP: "no checksum").
    case zero
    /// The correct checksum with one bit flipped.
    case corrupt
    /// This exact value.
    case value(UInt16)
}

/// Network-layer settings for a built packet.
public struct IPOptions: Sendable {
    /// IPv4 TTL / IPv6 hop limit.
    public var ttl: UInt8 = 64
    /// IPv4 identification.
    public var identification: UInt16 = 1
    /// IPv4 TOS / IPv6 traffic class.
    public var tos: UInt8 = 0
    /// IPv4 DF bit.
    public var dontFragment: Bool = false
    /// IPv4 header checksum.
    public var headerChecksum: ChecksumMode = .correct
    /// IPv6 extension headers inserted before the upper-layer header, as
    /// (header type, body after the 2-byte next-header/length prefix). The body is padded to 8-byte units.
    public var ipv6ExtensionHeaders: [(type: UInt8, body: [UInt8])] = []
    /// Override of the IPv4 total length / IPv6 payload length field (for malformed packets).
    public var lengthOverride: Int? = nil
    public init() {}
}

/// TCP flag bits.
public struct TCPFlags: OptionSet, Sendable, Hashable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
    public static let urg = TCPFlags(rawValue: 0x20)
    public static let ece = TCPFlags(rawValue: 0x40)
    public static let cwr = TCPFlags(rawValue: 0x80)
    public static let synAck: TCPFlags = [.syn, .ack]
    public static let finAck: TCPFlags = [.fin, .ack]
    public static let rstAck: TCPFlags = [.rst, .ack]
    public static let pshAck: TCPFlags = [.psh, .ack]
}

/// TCP options, encoded in order and padded with NOPs/EOL to a 4-byte multiple.
public enum TCPOption: Sendable, Equatable {
    case mss(UInt16)
    case windowScale(UInt8)
    case sackPermitted
    /// SACK blocks as (left edge, right edge).
    case sack([(UInt32, UInt32)])
    case timestamp(value: UInt32, echo: UInt32)
    case nop
    case endOfList
    /// Raw option bytes (kind, length, data...).
    case raw([UInt8])

    public static func == (a: TCPOption, b: TCPOption) -> Bool { a.bytes == b.bytes }

    var bytes: [UInt8] {
        switch self {
        case .mss(let v): return [2, 4, UInt8(v >> 8), UInt8(v & 0xff)]
        case .windowScale(let s): return [3, 3, s]
        case .sackPermitted: return [4, 2]
        case .sack(let blocks):
            var b: [UInt8] = [5, UInt8(2 + 8 * blocks.count)]
            for (l, r) in blocks { b += be32(l) + be32(r) }
            return b
        case .timestamp(let v, let e): return [8, 10] + be32(v) + be32(e)
        case .nop: return [1]
        case .endOfList: return [0]
        case .raw(let r): return r
        }
    }
}

@inline(__always) func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
@inline(__always) func be32(_ v: UInt32) -> [UInt8] {
    [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
}

/// Builds IPv4 and IPv6 packets (and Ethernet frames) byte by byte for tests,
/// benchmarks and injection: every header field is settable, checksums are correct
/// unless asked otherwise.
///
/// ```swift
/// let a = IPAddress("10.0.0.1")!, b = IPAddress("10.0.0.2")!
/// let syn = PacketBuilder.tcp(from: a, 40000, to: b, 80, seq: 1000, flags: .syn,
///                             options: [.mss(1460), .sackPermitted, .windowScale(7)])
/// ```
public enum PacketBuilder {
    /// An IP packet around `payload` (IPv4 or IPv6 by the addresses' family).
    public static func ip(from source: IPAddress, to destination: IPAddress, protocol proto: UInt8,
                          payload: [UInt8], options: IPOptions = IPOptions()) -> [UInt8] {
        source.family == .ipv4
            ? ipv4(from: source, to: destination, protocol: proto, payload: payload, options: options,
                   fragmentOffset: 0, moreFragments: false)
            : ipv6(from: source, to: destination, protocol: proto, payload: payload, options: options)
    }

    static func ipv4(from source: IPAddress, to destination: IPAddress, protocol proto: UInt8,
                     payload: [UInt8], options: IPOptions, fragmentOffset: Int, moreFragments: Bool) -> [UInt8] {
        let total = options.lengthOverride ?? (20 + payload.count)
        var flagsFrag = UInt16(fragmentOffset / 8) & 0x1fff
        if options.dontFragment { flagsFrag |= 0x4000 }
        if moreFragments { flagsFrag |= 0x2000 }
        var h: [UInt8] = [0x45, options.tos] + be16(UInt16(truncatingIfNeeded: total)) + be16(options.identification)
            + be16(flagsFrag) + [options.ttl, proto, 0, 0] + source.bytes + destination.bytes
        let c = checksumValue(options.headerChecksum, InternetChecksum.finish(InternetChecksum.sum(h)))
        h[10] = UInt8(c >> 8); h[11] = UInt8(c & 0xff)
        return h + payload
    }

    static func ipv6(from source: IPAddress, to destination: IPAddress, protocol proto: UInt8,
                     payload: [UInt8], options: IPOptions) -> [UInt8] {
        var ext: [UInt8] = []
        var headers = options.ipv6ExtensionHeaders
        var first = proto
        if !headers.isEmpty {
            first = headers[0].type
            for i in headers.indices {
                let next = i + 1 < headers.count ? headers[i + 1].type : proto
                var body = headers[i].body
                if headers[i].type == 44 {  // fragment header: fixed 8 bytes, length field reserved
                    ext += [next, 0] + body.prefix(6)
                    continue
                }
                while (body.count + 2) % 8 != 0 { body.append(0) }
                ext += [next, UInt8((body.count + 2) / 8 - 1)] + body
            }
            headers.removeAll()
        }
        let plen = options.lengthOverride ?? (ext.count + payload.count)
        let h: [UInt8] = [0x60 | (options.tos >> 4), options.tos << 4, 0, 0] + be16(UInt16(truncatingIfNeeded: plen))
            + [first, options.ttl] + source.bytes + destination.bytes
        return h + ext + payload
    }

    static func checksumValue(_ mode: ChecksumMode, _ correct: UInt16) -> UInt16 {
        switch mode {
        case .correct: correct
        case .zero: 0
        case .corrupt: correct ^ 0x0100
        case .value(let v): v
        }
    }

    static func l4Checksum(_ segment: [UInt8], source: IPAddress, destination: IPAddress, protocol proto: UInt8,
                           pseudoProtocol: UInt8? = nil) -> UInt16 {
        let p = InternetChecksum.pseudoHeader(source: source, destination: destination,
                                              protocol: pseudoProtocol ?? proto, length: segment.count)
        return InternetChecksum.finish(InternetChecksum.sum(segment, initial: p))
    }

    /// A TCP segment in an IP packet.
    public static func tcp(from source: IPAddress, _ sport: UInt16, to destination: IPAddress, _ dport: UInt16,
                           seq: UInt32, ack: UInt32 = 0, flags: TCPFlags, window: UInt16 = 64240,
                           urgentPointer: UInt16 = 0, options: [TCPOption] = [], payload: [UInt8] = [],
                           checksum: ChecksumMode = .correct, dataOffsetOverride: UInt8? = nil,
                           ip: IPOptions = IPOptions()) -> [UInt8] {
        var opt: [UInt8] = options.flatMap { $0.bytes }
        while opt.count % 4 != 0 { opt.append(0) }
        let doff = dataOffsetOverride ?? UInt8((20 + opt.count) / 4)
        var seg: [UInt8] = be16(sport) + be16(dport) + be32(seq) + be32(ack)
            + [doff << 4, flags.rawValue] + be16(window) + [0, 0] + be16(urgentPointer) + opt + payload
        let c = checksumValue(checksum, l4Checksum(seg, source: source, destination: destination, protocol: IPProtocol.tcp))
        seg[16] = UInt8(c >> 8); seg[17] = UInt8(c & 0xff)
        return PacketBuilder.ip(from: source, to: destination, protocol: IPProtocol.tcp, payload: seg, options: ip)
    }

    /// A UDP datagram in an IP packet. `lengthOverride` writes a wrong UDP length field.
    public static func udp(from source: IPAddress, _ sport: UInt16, to destination: IPAddress, _ dport: UInt16,
                           payload: [UInt8] = [], checksum: ChecksumMode = .correct, lengthOverride: UInt16? = nil,
                           ip: IPOptions = IPOptions()) -> [UInt8] {
        var seg: [UInt8] = be16(sport) + be16(dport) + be16(lengthOverride ?? UInt16(8 + payload.count)) + [0, 0] + payload
        var c = l4Checksum(seg, source: source, destination: destination, protocol: IPProtocol.udp)
        if c == 0 { c = 0xffff }
        c = checksumValue(checksum, c)
        seg[6] = UInt8(c >> 8); seg[7] = UInt8(c & 0xff)
        return PacketBuilder.ip(from: source, to: destination, protocol: IPProtocol.udp, payload: seg, options: ip)
    }

    /// A UDPLite datagram. `pseudoHeaderProtocol` chooses the protocol number in the checksum's
    /// pseudo-header (the kernel's conntrack verifies with 17; RFC 3828 says 136).
    public static func udplite(from source: IPAddress, _ sport: UInt16, to destination: IPAddress, _ dport: UInt16,
                               payload: [UInt8] = [], coverage: UInt16 = 0, checksum: ChecksumMode = .correct,
                               pseudoHeaderProtocol: UInt8 = IPProtocol.udp, ip: IPOptions = IPOptions()) -> [UInt8] {
        var seg: [UInt8] = be16(sport) + be16(dport) + be16(coverage) + [0, 0] + payload
        let covered = coverage == 0 ? seg : Array(seg.prefix(Int(coverage)))
        let p = InternetChecksum.pseudoHeader(source: source, destination: destination,
                                              protocol: pseudoHeaderProtocol, length: seg.count)
        var c = InternetChecksum.finish(InternetChecksum.sum(covered, initial: p))
        if c == 0 { c = 0xffff }
        c = checksumValue(checksum, c)
        seg[6] = UInt8(c >> 8); seg[7] = UInt8(c & 0xff)
        return PacketBuilder.ip(from: source, to: destination, protocol: IPProtocol.udplite, payload: seg, options: ip)
    }

    /// An ICMP (IPv4) or ICMPv6 (IPv6) message with the 4-byte "rest of header" (`id`, `sequence`).
    public static func icmp(from source: IPAddress, to destination: IPAddress, type: UInt8, code: UInt8 = 0,
                            id: UInt16 = 0, sequence: UInt16 = 0, payload: [UInt8] = [],
                            checksum: ChecksumMode = .correct, ip: IPOptions = IPOptions()) -> [UInt8] {
        icmpRaw(from: source, to: destination, type: type, code: code, rest: be16(id) + be16(sequence),
                payload: payload, checksum: checksum, ip: ip)
    }

    /// An ICMP/ICMPv6 message with an arbitrary 4-byte rest-of-header.
    public static func icmpRaw(from source: IPAddress, to destination: IPAddress, type: UInt8, code: UInt8,
                               rest: [UInt8], payload: [UInt8], checksum: ChecksumMode = .correct,
                               ip: IPOptions = IPOptions()) -> [UInt8] {
        var msg: [UInt8] = [type, code, 0, 0] + rest.prefix(4) + payload
        let v6 = source.family == .ipv6
        let proto = v6 ? IPProtocol.icmpv6 : IPProtocol.icmp
        let correct = v6 ? l4Checksum(msg, source: source, destination: destination, protocol: proto)
                         : InternetChecksum.finish(InternetChecksum.sum(msg))
        let c = checksumValue(checksum, correct)
        msg[2] = UInt8(c >> 8); msg[3] = UInt8(c & 0xff)
        return PacketBuilder.ip(from: source, to: destination, protocol: proto, payload: msg, options: ip)
    }

    /// An ICMP error (e.g. type 3 code 3, or ICMPv6 type 1 code 4) quoting `original`
    /// (a whole IP packet): IPv4 quotes its header plus `quoteLength` bytes of payload
    /// (8 by default, as routers do), IPv6 as much as fits in 1280 bytes.
    public static func icmpError(from source: IPAddress, to destination: IPAddress, type: UInt8, code: UInt8,
                                 quoting original: [UInt8], quoteLength: Int? = nil, rest: [UInt8] = [0, 0, 0, 0],
                                 checksum: ChecksumMode = .correct, ip: IPOptions = IPOptions()) -> [UInt8] {
        let quote: [UInt8]
        if source.family == .ipv4 {
            let ihl = Int(original[0] & 0x0f) * 4
            quote = Array(original.prefix(ihl + (quoteLength ?? 8)))
        } else {
            quote = Array(original.prefix(quoteLength ?? (1280 - 48)))
        }
        return icmpRaw(from: source, to: destination, type: type, code: code, rest: rest, payload: quote,
                       checksum: checksum, ip: ip)
    }

    /// A GRE packet. Version 0 with an optional key; version 1 (enhanced GRE, PPTP)
    /// carries `callID` and protocol type 0x880B.
    public static func gre(from source: IPAddress, to destination: IPAddress, version: UInt8 = 0,
                           protocolType: UInt16? = nil, key: UInt32? = nil, callID: UInt16 = 0,
                           sequence: UInt32? = nil, payload: [UInt8] = [], ip: IPOptions = IPOptions()) -> [UInt8] {
        var flags: UInt16 = UInt16(version & 7)
        var body: [UInt8] = []
        if version == 1 {
            flags |= 0x2000  // K bit
            if sequence != nil { flags |= 0x1000 }
            body += be16(UInt16(payload.count)) + be16(callID)
            if let s = sequence { body += be32(s) }
        } else {
            if let k = key { flags |= 0x2000; body += be32(k) }
            if let s = sequence { flags |= 0x1000; body += be32(s) }
        }
        let ptype = protocolType ?? (version == 1 ? 0x880B : 0x0800)
        let seg = be16(flags) + be16(ptype) + body + payload
        return PacketBuilder.ip(from: source, to: destination, protocol: IPProtocol.gre, payload: seg, options: ip)
    }

    /// A packet of any other protocol carrying `payload` (ESP, protocol 253, ...).
    public static func generic(from source: IPAddress, to destination: IPAddress, protocol proto: UInt8,
                               payload: [UInt8] = [0, 0, 0, 1, 0, 0, 0, 1], ip: IPOptions = IPOptions()) -> [UInt8] {
        PacketBuilder.ip(from: source, to: destination, protocol: proto, payload: payload, options: ip)
    }

    /// Splits an IP packet into fragments whose payloads are at most `size` bytes (rounded
    /// down to a multiple of 8). IPv4 fragments keep the packet's identification; IPv6
    /// fragments get a fragment header with `ipv6Identification` after the base header
    /// (packets with other extension headers are not supported).
    public static func fragment(_ packet: [UInt8], payloadSize size: Int,
                                ipv6Identification: UInt32 = 0x1234_5678) -> [[UInt8]] {
        let unit = max(8, size / 8 * 8)
        if packet[0] >> 4 == 4 {
            let ihl = Int(packet[0] & 0x0f) * 4
            let header = Array(packet[0..<ihl])
            let payload = Array(packet[ihl...])
            let src = IPAddress(bytes: header[12..<16])!, dst = IPAddress(bytes: header[16..<20])!
            var options = IPOptions()
            options.ttl = header[8]; options.tos = header[1]
            options.identification = UInt16(header[4]) << 8 | UInt16(header[5])
            var out: [[UInt8]] = []
            var off = 0
            while off < payload.count {
                let end = min(payload.count, off + unit)
                out.append(ipv4(from: src, to: dst, protocol: header[9], payload: Array(payload[off..<end]),
                                options: options, fragmentOffset: off, moreFragments: end < payload.count))
                off = end
            }
            return out
        }
        let src = IPAddress(bytes: packet[8..<24])!, dst = IPAddress(bytes: packet[24..<40])!
        let next = packet[6]
        let payload = Array(packet[40...])
        var out: [[UInt8]] = []
        var off = 0
        let ident = ipv6Identification
        while off < payload.count {
            let end = min(payload.count, off + unit)
            let m: UInt16 = end < payload.count ? 1 : 0
            let fh: [UInt8] = [next, 0] + be16(UInt16(off) | m) + be32(ident)
            let plen = 8 + (end - off)
            let h: [UInt8] = Array(packet[0..<4]) + be16(UInt16(plen)) + [44, packet[7]] + src.bytes + dst.bytes
            out.append(h + fh + Array(payload[off..<end]))
            off = end
        }
        return out
    }

    /// An Ethernet II frame around an IP packet (EtherType chosen by the IP version),
    /// optionally with one 802.1Q tag.
    public static func ethernet(destination: [UInt8], source: [UInt8], payload: [UInt8], vlan: UInt16? = nil) -> [UInt8] {
        let etherType: UInt16 = payload.first.map { $0 >> 4 == 6 ? 0x86DD : 0x0800 } ?? 0x0800
        var f = Array(destination.prefix(6)) + Array(source.prefix(6))
        if let v = vlan { f += be16(0x8100) + be16(v & 0x0fff) }
        return f + be16(etherType) + payload
    }
}
