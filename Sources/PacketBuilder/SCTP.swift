/// An SCTP chunk: type, flags and value (padded to 4 bytes when encoded).
public struct SCTPChunk: Sendable, Equatable {
    public var type: UInt8
    public var flags: UInt8
    public var value: [UInt8]
    /// Overrides the chunk length field (for malformed chunks, e.g. 0).
    public var lengthOverride: UInt16?

    public init(type: UInt8, flags: UInt8 = 0, value: [UInt8] = [], lengthOverride: UInt16? = nil) {
        self.type = type; self.flags = flags; self.value = value; self.lengthOverride = lengthOverride
    }

    var bytes: [UInt8] {
        var b: [UInt8] = [type, flags] + be16(lengthOverride ?? UInt16(4 + value.count)) + value
        while b.count % 4 != 0 { b.append(0) }
        return b
    }

    public static func data(tsn: UInt32, stream: UInt16 = 0, ppid: UInt32 = 0, payload: [UInt8] = [1, 2, 3, 4]) -> SCTPChunk {
        SCTPChunk(type: 0, flags: 0x03, value: be32(tsn) + be16(stream) + be16(0) + be32(ppid) + payload)
    }
    public static func initChunk(initiateTag: UInt32, aRwnd: UInt32 = 65535, outStreams: UInt16 = 10,
                                 inStreams: UInt16 = 10, initialTSN: UInt32 = 1) -> SCTPChunk {
        SCTPChunk(type: 1, value: be32(initiateTag) + be32(aRwnd) + be16(outStreams) + be16(inStreams) + be32(initialTSN))
    }
    public static func initAck(initiateTag: UInt32, aRwnd: UInt32 = 65535, outStreams: UInt16 = 10,
                               inStreams: UInt16 = 10, initialTSN: UInt32 = 1, cookie: [UInt8] = [0xc0, 0x0c, 0x1e, 0x00]) -> SCTPChunk {
        // State cookie parameter (type 7).
        var param: [UInt8] = be16(7) + be16(UInt16(4 + cookie.count)) + cookie
        while param.count % 4 != 0 { param.append(0) }
        return SCTPChunk(type: 2, value: be32(initiateTag) + be32(aRwnd) + be16(outStreams) + be16(inStreams) + be32(initialTSN) + param)
    }
    public static func sack(cumulativeTSN: UInt32, aRwnd: UInt32 = 65535) -> SCTPChunk {
        SCTPChunk(type: 3, value: be32(cumulativeTSN) + be32(aRwnd) + be16(0) + be16(0))
    }
    public static func heartbeat(info: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]) -> SCTPChunk {
        SCTPChunk(type: 4, value: be16(1) + be16(UInt16(4 + info.count)) + info)
    }
    public static func heartbeatAck(info: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]) -> SCTPChunk {
        SCTPChunk(type: 5, value: be16(1) + be16(UInt16(4 + info.count)) + info)
    }
    /// ABORT; `tBit` set means the vtag is the peer's (reflected).
    public static func abort(tBit: Bool = false) -> SCTPChunk { SCTPChunk(type: 6, flags: tBit ? 1 : 0) }
    public static func shutdown(cumulativeTSN: UInt32) -> SCTPChunk { SCTPChunk(type: 7, value: be32(cumulativeTSN)) }
    public static let shutdownAck = SCTPChunk(type: 8)
    public static func error(cause: [UInt8] = [0, 1, 0, 4]) -> SCTPChunk { SCTPChunk(type: 9, value: cause) }
    public static func cookieEcho(cookie: [UInt8] = [0xc0, 0x0c, 0x1e, 0x00]) -> SCTPChunk { SCTPChunk(type: 10, value: cookie) }
    public static let cookieAck = SCTPChunk(type: 11)
    public static func shutdownComplete(tBit: Bool = false) -> SCTPChunk { SCTPChunk(type: 14, flags: tBit ? 1 : 0) }
}

extension PacketBuilder {
    /// An SCTP packet with the given verification tag and chunks; CRC32c correct unless asked otherwise.
    public static func sctp(from source: IPAddress, _ sport: UInt16, to destination: IPAddress, _ dport: UInt16,
                            vtag: UInt32, chunks: [SCTPChunk], checksum: ChecksumMode = .correct,
                            ip: IPOptions = IPOptions()) -> [UInt8] {
        var seg: [UInt8] = be16(sport) + be16(dport) + be32(vtag) + [0, 0, 0, 0]
        for c in chunks { seg += c.bytes }
        var crc = CRC32c.checksum(seg)
        switch checksum {
        case .correct: break
        case .zero: crc = 0
        case .corrupt: crc ^= 0x0100
        case .value(let v): crc = UInt32(v)
        }
        // CRC32c is stored little-endian on the wire (RFC 4960 appendix B byte order).
        seg[8] = UInt8(crc & 0xff); seg[9] = UInt8((crc >> 8) & 0xff)
        seg[10] = UInt8((crc >> 16) & 0xff); seg[11] = UInt8(crc >> 24)
        return PacketBuilder.ip(from: source, to: destination, protocol: IPProtocol.sctp, payload: seg, options: ip)
    }
}
