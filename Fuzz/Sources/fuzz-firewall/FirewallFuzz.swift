import Conntrack
import ConntrackEngine
import ConntrackFirewall
import ConntrackRuleset

// The body of the fuzz-firewall target, shared with the tests: this file is also
// Tests/HardeningTests/FirewallFuzz.swift (a symbolic link), so the corpus replay and the
// finding regressions run exactly the code the fuzzer ran.
//
// Input: [u16 LE n][n bytes: an nftables ruleset] then packet records
// [u8 control][u16 LE length][packet bytes]. n = 0, a ruleset the parser refuses, or one the
// firewall cannot run falls back to `FirewallFuzz.fallbackText` (NAT of every kind, ct state
// filters, counters, ct mark set, notrack, ct helper set ftp). Control byte:
//   bits 0-1  the interface it arrives on: 0 lan0, 1 wan0, 2 dmz0, 3 generated locally
//             (output hook);
//   bit 2     checksumVerified (the NIC checked the layer-4 checksum);
//   bit 3     the harness first makes the IPv4 header checksum and the TCP/UDP/ICMP/ICMPv6
//             checksum right, so mutated packets get past validation;
//   bits 4-6  time step before the packet: 0, 1 ms, 100 ms, 1 s, 10 s, 2 min, 1 h, 6 days;
//   bit 7     no spare room after the packet (an FTP command NAT lengthens cannot fit).
// A record of length 0 takes interface (bits 0-1, if not 3) down instead.
//
// After every packet it checks what must hold whatever the input (`violations`): the
// length stays within the buffer and changes only for TCP (the FTP helper's rewrite), with
// the IP length field following; nothing is written past the packet; a packet that leaves
// (forwarded or delivered) with a valid IPv4 header checksum or a valid TCP/UDP/ICMP
// checksum on the way in still has one; refragmented datagrams are well-formed fragments;
// the table never holds more than nf_conntrack_max entries; a downed interface keeps no
// masqueraded entry; ten days after the last packet the table and the expectations are
// empty.
enum FirewallFuzz {
    /// What one input did.
    struct Report {
        /// Broken invariants (empty when all is well).
        var violations: [String] = []
        /// The input's own ruleset was used (not the fallback).
        var ownRuleset = false
        var packets = 0, forwarded = 0, delivered = 0, dropped = 0, translated = 0, related = 0
        var lengthChanged = 0, refragmented = 0, expectations = 0
    }

    static let maxEntries = 32
    static let headroom = 64

    /// The router: a LAN, a WAN with the default routes and a DMZ.
    static let router = RouterModel(interfaces: [
        .init(name: "lan0", addresses: [IPAddress("10.0.0.1")!, IPAddress("fd00::1")!], prefixLengths: [24, 64]),
        .init(name: "wan0", addresses: [IPAddress("192.0.2.1")!, IPAddress("2001:db8::1")!], prefixLengths: [24, 64]),
        .init(name: "dmz0", addresses: [IPAddress("172.16.0.1")!, IPAddress("fd01::1")!], prefixLengths: [24, 64]),
    ], routes: [
        .init(destination: IPAddress("0.0.0.0")!, prefixLength: 0, interface: "wan0"),
        .init(destination: IPAddress("::")!, prefixLength: 0, interface: "wan0"),
    ])

    /// The ruleset used when the input's own is refused.
    static let fallbackText = """
        define LAN = "lan0"
        define WAN = "wan0"
        define DMZ = "dmz0"

        table inet raw {
        	ct helper ftp-std {
        		type "ftp" protocol tcp
        	}
        	chain pre {
        		type filter hook prerouting priority raw; policy accept;
        		udp dport 9 notrack
        		ip saddr 172.16.0.99 notrack
        	}
        	chain helpers {
        		type filter hook prerouting priority filter; policy accept;
        		tcp dport { 21, 2121 } ct helper set "ftp-std"
        	}
        	chain out {
        		type filter hook output priority filter; policy accept;
        		tcp dport 21 ct helper set "ftp-std"
        	}
        }

        table inet filter {
        	chain input {
        		type filter hook input priority filter; policy accept;
        		ct state invalid counter drop
        		ct state new counter
        	}
        	chain forward {
        		type filter hook forward priority filter; policy drop;
        		ct state established,related counter accept
        		ct state invalid counter drop
        		iifname $LAN ct mark set 0x1 counter accept
        		iifname $WAN ct status dnat counter accept
        		iifname $DMZ oifname $WAN accept
        		meta l4proto { icmp, ipv6-icmp } counter accept
        		counter
        	}
        }

        table ip nat {
        	chain prerouting {
        		type nat hook prerouting priority dstnat; policy accept;
        		iifname $WAN tcp dport 8080 dnat to 172.16.0.10:80
        		iifname $WAN udp dport 5353 dnat to 172.16.0.10:53
        		iifname $WAN tcp dport 2121 dnat to 172.16.0.21:21
        		iifname $WAN tcp dport 3000-3009 dnat to 172.16.0.30-172.16.0.31:4000-4009
        		iifname $LAN tcp dport 3128 redirect to :8080
        	}
        	chain output {
        		type nat hook output priority -100; policy accept;
        		ip daddr 192.0.2.80 tcp dport 80 dnat to 172.16.0.10
        	}
        	chain postrouting {
        		type nat hook postrouting priority srcnat; policy accept;
        		oifname $WAN ip saddr 10.0.0.0/24 masquerade
        		oifname $WAN ip saddr 172.16.0.0/24 snat to 192.0.2.10-192.0.2.11
        		oifname $DMZ ip saddr 10.0.0.0/24 snat to 172.16.0.1
        	}
        }

        table ip6 nat {
        	chain postrouting {
        		type nat hook postrouting priority srcnat; policy accept;
        		oifname "wan0" masquerade
        	}
        }
        """

    static let fallback: Ruleset = {
        do { return try Ruleset.parse(fallbackText, file: "fallback.nft") } catch { fatalError("fallback ruleset: \(error)") }
    }()

    static func makeTracker() -> Tracker {
        var c = TrackerConfiguration()
        c.maxEntries = maxEntries          // early drop and "table full" within one input
        c.expectMax = 8
        c.eventQueueLimit = 512
        c.accounting = true
        c.timestamps = true
        c.defrag.ipv4High = 16 * 1024
        c.defrag.ipv4Low = 8 * 1024
        c.defrag.ipv6High = 16 * 1024
        c.defrag.ipv6Low = 8 * 1024
        return Tracker(configuration: c, seed: 0x5eed)
    }

    /// The firewall for the input's ruleset text, or for the fallback.
    static func makeFirewall(_ text: UnsafeRawBufferPointer) -> (Firewall, own: Bool) {
        if !text.isEmpty {
            let s = String(decoding: text, as: UTF8.self)
            if let rs = try? Ruleset.parse(s, file: "fuzz.nft"),
               let fw = try? Firewall(ruleset: rs, router: router, tracker: makeTracker()) {
                return (fw, true)
            }
        }
        do {
            return (try Firewall(ruleset: fallback, router: router, tracker: makeTracker()), false)
        } catch {
            fatalError("fallback ruleset refused by the firewall: \(error)")
        }
    }

    static let steps: [UInt64] = [0, 1_000_000, 100_000_000, 1_000_000_000, 10_000_000_000, 120_000_000_000,
                                  3_600_000_000_000, 6 * 86_400 * 1_000_000_000]

    static func run(_ input: UnsafeRawBufferPointer) -> Report {
        var report = Report()
        var rest = input[...]
        func u8() -> UInt8 { rest.popFirst() ?? 0 }
        func u16() -> Int { Int(u8()) | Int(u8()) << 8 }
        let n = min(u16(), rest.count)
        let text = UnsafeRawBufferPointer(rebasing: rest.prefix(n))
        rest = rest.dropFirst(n)
        let (fw, own) = makeFirewall(text)
        report.ownRuleset = own
        var now: UInt64 = 1_000_000_000_000
        while !rest.isEmpty {
            let control = u8()
            let length = min(u16(), rest.count)
            let bytes = UnsafeRawBufferPointer(rebasing: rest.prefix(length))
            rest = rest.dropFirst(length)
            now &+= steps[Int(control >> 4) & 7]
            let interface = Int(control & 3)
            if length == 0 {
                if interface < 3 {
                    fw.interfaceDown(interface, now: now)
                    if !fw.tracker.masqueradedEntries(interface: UInt32(interface + 1)).isEmpty {
                        report.violations.append("masqueraded entries left on interface \(interface) after it went down")
                    }
                }
                continue
            }
            packet(fw, bytes, control: control, now: now, report: &report)
            if fw.tracker.count > maxEntries {
                report.violations.append("\(fw.tracker.count) entries, nf_conntrack_max \(maxEntries)")
            }
        }
        report.expectations = fw.tracker.expectationCount
        fw.tracker.forEachFlow(now: now) { _ in }
        fw.tracker.forEachExpectation(now: now) { _ in }
        fw.tracker.drainEvents { _ in }
        fw.tracker.drainExpectationEvents { _ in }
        fw.tracker.advance(to: now &+ 10 * 86_400 * 1_000_000_000)
        fw.tracker.drainEvents { _ in }
        if fw.tracker.count != 0 { report.violations.append("\(fw.tracker.count) entries ten days after the last packet") }
        if fw.tracker.expectationCount != 0 {
            report.violations.append("\(fw.tracker.expectationCount) expectations ten days after the last packet")
        }
        return report
    }

    /// One packet through `Firewall.process` in a buffer of its own (so AddressSanitizer
    /// sees any access past it), with the checks.
    static func packet(_ fw: Firewall, _ bytes: UnsafeRawBufferPointer, control: UInt8, now: UInt64,
                       report: inout Report) {
        let spare = control & 0x80 != 0 ? 0 : headroom
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count + spare, alignment: 8)
        defer { buffer.deallocate() }
        buffer.copyMemory(from: bytes)
        for i in bytes.count..<buffer.count { buffer[i] = 0xa5 }
        let before = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count])
        if control & 8 != 0 { Checksums.fix(before) }
        let old = bytes.count
        let headerOK = Checksums.ipv4HeaderValid(UnsafeRawBufferPointer(before))
        let l4OK = Checksums.layer4Valid(UnsafeRawBufferPointer(before))
        let oldLengthField = Checksums.lengthField(UnsafeRawBufferPointer(before))
        let proto = Checksums.info(UnsafeRawBufferPointer(before))?.proto
        let input: Int? = control & 3 == 3 ? nil : Int(control & 3)
        var length = old
        let v = fw.process(buffer, length: &length, now: now, input: input, checksumVerified: control & 4 != 0)
        report.packets += 1
        switch v.disposition {
        case .forwarded: report.forwarded += 1
        case .delivered: report.delivered += 1
        case .dropped: report.dropped += 1
        case .queued: break
        }
        if v.translated { report.translated += 1 }
        if v.conntrack.state == .related { report.related += 1 }
        func fail(_ what: String) {
            report.violations.append("packet \(report.packets): \(what) (\(v.disposition), length \(old) -> \(length))")
        }
        guard length > 0 && length <= buffer.count else { return fail("length outside the buffer") }
        for i in max(old, length)..<buffer.count where buffer[i] != 0xa5 { return fail("byte \(i) written past the packet") }
        if v.disposition == .forwarded {
            guard let o = v.outputInterface, o >= 0 && o < router.interfaces.count else {
                return fail("forwarded without an output interface")
            }
        }
        let after = UnsafeRawBufferPointer(rebasing: buffer[0..<length])
        if length != old {
            report.lengthChanged += 1
            if proto != 6 { fail("length changed for protocol \(proto.map(String.init) ?? "?")") }
            if oldLengthField == old, Checksums.lengthField(after) != length { fail("IP length field does not follow") }
        }
        if !v.fragments.isEmpty {
            report.refragmented += 1
            for (k, f) in v.fragments.enumerated() {
                let ok = f.withUnsafeBytes { p in
                    Checksums.lengthField(p) == p.count && (p.first! >> 4 == 6 || Checksums.ipv4HeaderValid(p))
                }
                if !ok { fail("fragment \(k) of the refragmented datagram is malformed") }
            }
        }
        guard v.disposition == .forwarded || v.disposition == .delivered else { return }
        if headerOK && !Checksums.ipv4HeaderValid(after) { fail("IPv4 header checksum broken") }
        if l4OK == true && Checksums.layer4Valid(after) != true { fail("layer-4 checksum broken") }
    }
}

/// Internet checksums of the packets the harness sends and receives (RFC 1071).
enum Checksums {
    struct Info {
        var version: UInt8
        var l4: Int          // offset of the layer-4 header
        var end: Int         // end of the datagram (IP length field)
        var proto: UInt8
        var fragment: Bool
    }

    /// The IPv4 header or the IPv6 header without extension headers; nil if malformed.
    static func info(_ p: UnsafeRawBufferPointer) -> Info? {
        guard let first = p.first else { return nil }
        if first >> 4 == 4 {
            let ihl = Int(first & 15) * 4
            guard ihl >= 20, p.count >= ihl else { return nil }
            let total = Int(p[2]) << 8 | Int(p[3])
            guard total >= ihl, total <= p.count else { return nil }
            let frag = (Int(p[6]) << 8 | Int(p[7])) & 0x3fff != 0
            return Info(version: 4, l4: ihl, end: total, proto: p[9], fragment: frag)
        }
        if first >> 4 == 6 {
            guard p.count >= 40 else { return nil }
            let end = 40 + (Int(p[4]) << 8 | Int(p[5]))
            guard end <= p.count else { return nil }
            return Info(version: 6, l4: 40, end: end, proto: p[6], fragment: p[6] == 44)
        }
        return nil
    }

    /// The IP length field as a datagram length (IPv4 total length, IPv6 payload + 40).
    static func lengthField(_ p: UnsafeRawBufferPointer) -> Int? {
        guard let first = p.first else { return nil }
        if first >> 4 == 4, p.count >= 4 { return Int(p[2]) << 8 | Int(p[3]) }
        if first >> 4 == 6, p.count >= 6 { return 40 + (Int(p[4]) << 8 | Int(p[5])) }
        return nil
    }

    static func sum(_ p: UnsafeRawBufferPointer, _ range: Range<Int>, _ initial: UInt32 = 0) -> UInt32 {
        var s = initial
        var i = range.lowerBound
        while i + 1 < range.upperBound { s &+= UInt32(p[i]) << 8 | UInt32(p[i + 1]); i += 2 }
        if i < range.upperBound { s &+= UInt32(p[i]) << 8 }
        return s
    }

    static func fold(_ s: UInt32) -> UInt16 {
        var s = s
        while s > 0xffff { s = (s & 0xffff) + (s >> 16) }
        return UInt16(s)
    }

    static func ipv4HeaderValid(_ p: UnsafeRawBufferPointer) -> Bool {
        guard let first = p.first, first >> 4 == 4 else { return false }
        let ihl = Int(first & 15) * 4
        guard ihl >= 20, p.count >= ihl else { return false }
        return fold(sum(p, 0..<ihl)) == 0xffff
    }

    /// Where the checksum of the layer-4 header is and whether the pseudo-header counts;
    /// nil when the harness does not check this protocol (or the header is too short).
    static func checksumOffset(_ i: Info) -> (offset: Int, pseudo: Bool)? {
        let len = i.end - i.l4
        switch (i.proto, i.version) {
        case (6, _) where len >= 20: return (16, true)
        case (17, _) where len >= 8: return (6, true)
        case (1, 4) where len >= 8: return (2, false)
        case (58, 6) where len >= 8: return (2, true)
        default: return nil
        }
    }

    static func pseudoSum(_ p: UnsafeRawBufferPointer, _ i: Info) -> UInt32 {
        let len = UInt32(i.end - i.l4)
        var s = i.version == 4 ? sum(p, 12..<20) : sum(p, 8..<40)
        s &+= UInt32(i.proto) &+ (len >> 16) &+ (len & 0xffff)
        return s
    }

    /// Whether the TCP/UDP/ICMP/ICMPv6 checksum is right; nil when there is none to check
    /// (another protocol, a fragment, a short header, IPv4 UDP without checksum, a UDP
    /// length that disagrees with the IP length).
    static func layer4Valid(_ p: UnsafeRawBufferPointer) -> Bool? {
        guard let i = info(p), !i.fragment, let (off, pseudo) = checksumOffset(i) else { return nil }
        if i.proto == 17 {
            if Int(p[i.l4 + 4]) << 8 | Int(p[i.l4 + 5]) != i.end - i.l4 { return nil }
            if i.version == 4 && p[i.l4 + off] == 0 && p[i.l4 + off + 1] == 0 { return nil }
        }
        return fold(sum(p, i.l4..<i.end, pseudo ? pseudoSum(p, i) : 0)) == 0xffff
    }

    /// Makes the IP length field, the IPv4 header checksum and the layer-4 checksum (and
    /// UDP length) right for the bytes there are, as a sender would.
    static func fix(_ p: UnsafeMutableRawBufferPointer) {
        let r = UnsafeRawBufferPointer(p)
        guard let first = p.first else { return }
        if first >> 4 == 6, p.count >= 40, p.count - 40 <= 0xffff {
            p[4] = UInt8((p.count - 40) >> 8); p[5] = UInt8((p.count - 40) & 0xff)
        }
        if first >> 4 == 4 {
            let ihl = Int(first & 15) * 4
            guard ihl >= 20, p.count >= ihl, p.count <= 0xffff else { return }
            p[2] = UInt8(p.count >> 8); p[3] = UInt8(p.count & 0xff)
            p[10] = 0; p[11] = 0
            let c = ~fold(sum(r, 0..<ihl))
            p[10] = UInt8(c >> 8); p[11] = UInt8(c & 0xff)
        }
        guard let i = info(r), !i.fragment, let (off, pseudo) = checksumOffset(i) else { return }
        if i.proto == 17 {
            let len = i.end - i.l4
            p[i.l4 + 4] = UInt8(len >> 8); p[i.l4 + 5] = UInt8(len & 0xff)
        }
        p[i.l4 + off] = 0; p[i.l4 + off + 1] = 0
        var c = ~fold(sum(r, i.l4..<i.end, pseudo ? pseudoSum(r, i) : 0))
        if c == 0 && i.proto == 17 { c = 0xffff }
        p[i.l4 + off] = UInt8(c >> 8); p[i.l4 + off + 1] = UInt8(c & 0xff)
    }
}
