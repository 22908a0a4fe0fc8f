import Conntrack
import ConntrackEngine
import PacketBuilder

/// Packet makers for flood tests: real handshakes through PacketBuilder, and a SYN
/// template rewritten in place (source address and port, IPv4 header checksum) so a flood
/// costs no allocation per packet. Floods run with nf_conntrack_checksum=0 (the TCP
/// checksum of a rewritten SYN is not recomputed).
enum FloodPackets {
    static let server = IPAddress(ipv4: 0x0a00_0001)  // 10.0.0.1:80

    /// The i-th established client: 10.1.(i >> 8).(i & 255) : 20000 + i % 40000.
    static func client(_ i: Int) -> (IPAddress, UInt16) {
        (IPAddress(ipv4: 0x0a01_0000 | UInt32(i & 0xffff)), UInt16(20000 + i % 40000))
    }

    /// Runs SYN, SYN/ACK, ACK for client i (the connection becomes ESTABLISHED + ASSURED).
    static func handshake(_ t: Tracker, _ i: Int, now: UInt64) {
        let (c, port) = client(i)
        let isn: UInt32 = 1000, risn: UInt32 = 900_000
        for p in [PacketBuilder.tcp(from: c, port, to: server, 80, seq: isn, flags: .syn),
                  PacketBuilder.tcp(from: server, 80, to: c, port, seq: risn, ack: isn + 1, flags: .synAck),
                  PacketBuilder.tcp(from: c, port, to: server, 80, seq: isn + 1, ack: risn + 1, flags: .ack)] {
            _ = p.withUnsafeBytes { t.process($0, now: now) }
        }
    }

    static func originalTuple(_ i: Int) -> Tuple {
        let (c, port) = client(i)
        return Tuple(source: c, destination: server, protocol: 6, sourcePort: port, destinationPort: 80)
    }

    /// A SYN to 10.0.0.1:80 whose source is rewritten by `setSource`.
    static func synTemplate() -> [UInt8] {
        PacketBuilder.tcp(from: IPAddress(ipv4: 0xac10_0000), 1024, to: server, 80, seq: 7, flags: .syn)
    }

    /// Writes source address and port into a template made by `synTemplate` and fixes the
    /// IPv4 header checksum.
    @inline(__always)
    static func setSource(_ p: UnsafeMutableRawBufferPointer, address: UInt32, port: UInt16) {
        p.storeBytes(of: address.bigEndian, toByteOffset: 12, as: UInt32.self)
        p.storeBytes(of: port.bigEndian, toByteOffset: 20, as: UInt16.self)
        p[10] = 0; p[11] = 0
        var sum: UInt32 = 0
        for i in stride(from: 0, to: 20, by: 2) { sum &+= UInt32(p[i]) << 8 | UInt32(p[i + 1]) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        let c = ~UInt16(sum)
        p[10] = UInt8(c >> 8); p[11] = UInt8(c & 0xff)
    }
}

/// A small deterministic generator (SplitMix64) so floods are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
