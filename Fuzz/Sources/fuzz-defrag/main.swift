import ConntrackEngine
import FuzzCommon

// (b) Fragment trains. The fuzzer controls the fragment fields, not the framing: each
// record is [u8 control][u16 LE offset in 8-byte units][u8 length/8][u8 id][payload...].
// control bit 0: more-fragments; bit 1: IPv6 (else IPv4); bit 2: next protocol UDP (else
// TCP); bits 4-7: time step (x 1 s). Headers are well formed (IPv4 checksum correct), so
// inputs reach the reassembly logic instead of stopping in header validation.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDefrag(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var r = ByteReader(UnsafeRawBufferPointer(start: data, count: size))
    let tracker = Tracker(seed: 7)
    // Small limits so eviction and the thresholds are reached within one input.
    try? tracker.setSysctl("net.ipv4.ipfrag_high_thresh", 16 * 1024)
    try? tracker.setSysctl("net.ipv4.ipfrag_low_thresh", 8 * 1024)
    try? tracker.setSysctl("nf_conntrack_frag6_high_thresh", 16 * 1024)
    try? tracker.setSysctl("nf_conntrack_frag6_low_thresh", 8 * 1024)
    var now: UInt64 = 1_000_000_000
    var packet = [UInt8]()
    packet.reserveCapacity(70_000)
    while !r.isAtEnd {
        let control = r.u8()
        let offset = r.u16() & 0x1fff
        let length = Int(r.u8()) * 8
        let id = r.u8()
        let payload = r.bytes(length)
        now += UInt64(control >> 4) * 1_000_000_000
        packet.removeAll(keepingCapacity: true)
        Fragments.build(into: &packet, ipv6: control & 2 != 0, udp: control & 4 != 0, id: id,
                        offsetUnits: offset, more: control & 1 != 0, payloadLength: length, payload: payload)
        packet.withUnsafeBytes { _ = tracker.process($0, now: now) }
    }
    tracker.advance(to: now + 120_000_000_000)
    tracker.drainEvents { _ in }
    return 0
}

enum Fragments {
    /// One fragment; `payload` is padded with a counter pattern up to `payloadLength`.
    static func build(into p: inout [UInt8], ipv6: Bool, udp: Bool, id: UInt8, offsetUnits: UInt16, more: Bool,
                      payloadLength: Int, payload: UnsafeRawBufferPointer) {
        let proto: UInt8 = udp ? 17 : 6
        if ipv6 {
            let plen = 8 + payloadLength
            p += [0x60, 0, 0, 0, UInt8(plen >> 8), UInt8(plen & 0xff), 44, 64]
            p += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
            p += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [2]
            let fo = offsetUnits << 3 | (more ? 1 : 0)
            p += [proto, 0, UInt8(fo >> 8), UInt8(fo & 0xff), 0, 0, 0, id]
        } else {
            let total = 20 + payloadLength
            let fo = offsetUnits | (more ? 0x2000 : 0)
            p += [0x45, 0, UInt8(total >> 8 & 0xff), UInt8(total & 0xff), 0, id, UInt8(fo >> 8), UInt8(fo & 0xff),
                  64, proto, 0, 0, 192, 0, 2, 1, 198, 51, 100, 2]
            var sum: UInt32 = 0
            for i in stride(from: 0, to: 20, by: 2) { sum += UInt32(p[i]) << 8 | UInt32(p[i + 1]) }
            while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
            let c = ~UInt16(sum)
            p[10] = UInt8(c >> 8)
            p[11] = UInt8(c & 0xff)
        }
        p.append(contentsOf: payload)
        var k = payload.count
        while k < payloadLength { p.append(UInt8(truncatingIfNeeded: k)); k += 1 }
    }
}

@_cdecl("fuzz_defrag_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, { fuzzDefrag($0, $1) })
}
