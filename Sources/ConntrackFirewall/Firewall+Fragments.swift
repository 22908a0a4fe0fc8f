extension Firewall {
    /// Splits a forwarded datagram again along the payload end offsets `ends` of the
    /// fragments it was reassembled from, as the kernel's fast path does for a datagram
    /// conntrack reassembled (`ip_do_fragment` / `ip6_fragment` walking the frag list):
    /// every fragment gets a copy of the datagram's (NATed, TTL-decremented) header with
    /// its own length and offset, IPv4 headers checksummed anew; IPv6 fragments get a
    /// fragment header after the unfragmentable part, with identification `id`.
    static func refragment(_ d: [UInt8], at ends: [Int], id: UInt32) -> [[UInt8]] {
        guard let first = d.first else { return [] }
        var out: [[UInt8]] = []
        out.reserveCapacity(ends.count)
        var start = 0
        if first >> 4 == 4 {
            let ihl = Int(first & 0xf) * 4
            guard d.count >= ihl else { return [] }
            let df = d[6] & 0x40
            for (i, end) in ends.enumerated() {
                var f = Array(d[0..<ihl])
                let len = ihl + end - start
                f[2] = UInt8(truncatingIfNeeded: len >> 8); f[3] = UInt8(truncatingIfNeeded: len)
                let off = UInt16(start / 8) | (i + 1 < ends.count ? 0x2000 : 0)
                f[6] = UInt8(truncatingIfNeeded: off >> 8) | df; f[7] = UInt8(truncatingIfNeeded: off)
                f[10] = 0; f[11] = 0
                var sum: UInt32 = 0
                var j = 0
                while j + 1 < ihl { sum += UInt32(f[j]) << 8 | UInt32(f[j + 1]); j += 2 }
                while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
                let c = ~UInt16(truncatingIfNeeded: sum)
                f[10] = UInt8(truncatingIfNeeded: c >> 8); f[11] = UInt8(truncatingIfNeeded: c)
                f += d[(ihl + start)..<min(d.count, ihl + end)]
                out.append(f)
                start = end
            }
            return out
        }
        // IPv6: the unfragmentable part is the base header plus hop-by-hop and routing
        // headers (and destination options before a routing header): ip6_find_1stfragopt.
        guard d.count >= 40 else { return [] }
        var hlen = 40
        var prev = 6
        var next = d[6]
        var seenRouting = false
        while hlen + 8 <= d.count {
            var stop = false
            switch next {
            case 0: break
            case 43: seenRouting = true
            case 60:
                // Destination options belong to the unfragmentable part only before a routing header.
                if seenRouting { stop = true } else {
                    var look = d[hlen]
                    var o = hlen + (Int(d[hlen + 1]) + 1) * 8
                    var routingFollows = false
                    while o + 8 <= d.count, look == 60 || look == 0 {
                        look = d[o]; o += (Int(d[o + 1]) + 1) * 8
                    }
                    if look == 43 { routingFollows = true }
                    if !routingFollows { stop = true }
                }
            default: stop = true
            }
            if stop { break }
            prev = hlen
            next = d[hlen]
            hlen += (Int(d[hlen + 1]) + 1) * 8
        }
        guard hlen <= d.count else { return [] }
        let payloadStart = hlen
        for (i, end) in ends.enumerated() {
            var f = Array(d[0..<hlen])
            f[prev] = 44
            let plen = hlen - 40 + 8 + end - start
            f[4] = UInt8(truncatingIfNeeded: plen >> 8); f[5] = UInt8(truncatingIfNeeded: plen)
            let off = UInt16(start) | (i + 1 < ends.count ? 1 : 0)
            f += [next, 0, UInt8(truncatingIfNeeded: off >> 8), UInt8(truncatingIfNeeded: off),
                  UInt8(truncatingIfNeeded: id >> 24), UInt8(truncatingIfNeeded: id >> 16),
                  UInt8(truncatingIfNeeded: id >> 8), UInt8(truncatingIfNeeded: id)]
            f += d[(payloadStart + start)..<min(d.count, payloadStart + end)]
            out.append(f)
            start = end
        }
        return out
    }
}
