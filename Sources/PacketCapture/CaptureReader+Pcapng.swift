/// pcapng: a sequence of blocks `type(4) total_length(4) body total_length(4)`, grouped
/// in sections that each start with a section header block carrying the byte order.
extension CaptureReader {
    enum BlockKind: UInt32 {
        case interfaceDescription = 0x0000_0001
        case obsoletePacket = 0x0000_0002
        case simplePacket = 0x0000_0003
        case enhancedPacket = 0x0000_0006
        case sectionHeader = 0x0a0d_0d0a
    }

    enum BlockResult {
        case packet(CapturedPacket)
        case other
        case end
    }

    func nextPcapngBlock() throws(CaptureError) -> BlockResult {
        let offset = input.offset
        var n = try input.require(12)
        if n < 12 {
            if n == 0 && sectionCount > 0 { return .end }
            if n == 0 { throw .empty }
            throw .truncated(what: "block header", offset: offset, needed: 12, available: n)
        }
        var p = input.cursor
        let rawType = p.loadUnaligned(as: UInt32.self)   // the SHB type is a byte palindrome
        if rawType == BlockKind.sectionHeader.rawValue {
            let bom = p.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
            if bom == 0x1a2b_3c4d {
                swapped = false
            } else if bom == 0x4d3c_2b1a {
                swapped = true
            } else {
                throw .corrupt(offset: offset + 8, reason: "section header byte-order magic is 0x\(String(bom, radix: 16)), not 0x1a2b3c4d")
            }
            byteOrder = (ByteOrder.host == .littleEndian) != swapped ? .littleEndian : .bigEndian
        } else if sectionCount == 0 {
            throw .missingSectionHeader(offset: offset)
        }
        // A local copy: reading the class property at every field costs an access check.
        let sw = swapped
        @inline(__always) func r16(_ p: UnsafeRawPointer, _ at: Int) -> UInt16 {
            let v = p.loadUnaligned(fromByteOffset: at, as: UInt16.self)
            return sw ? v.byteSwapped : v
        }
        @inline(__always) func r32(_ p: UnsafeRawPointer, _ at: Int) -> UInt32 {
            let v = p.loadUnaligned(fromByteOffset: at, as: UInt32.self)
            return sw ? v.byteSwapped : v
        }
        let type = r32(p, 0)
        let length32 = r32(p, 4)
        let minimum: UInt32
        switch BlockKind(rawValue: type) {
        case .sectionHeader: minimum = 28
        case .interfaceDescription: minimum = 20
        case .enhancedPacket, .obsoletePacket: minimum = 32
        case .simplePacket: minimum = 16
        case nil: minimum = 12
        }
        if length32 < minimum || length32 % 4 != 0 {
            throw .badBlockLength(blockType: type, offset: offset, length: length32)
        }
        if length32 > maximumLength {
            throw .tooLarge(what: "block of type 0x\(String(type, radix: 16))", offset: offset,
                            length: UInt64(length32), limit: maximumLength)
        }
        let length = Int(length32)
        n = try input.require(length)
        if n < length {
            throw .truncated(what: blockName(type), offset: offset, needed: length, available: n)
        }
        p = input.cursor
        let trailing = r32(p, length - 4)
        if trailing != length32 {
            throw .mismatchedBlockLength(offset: offset, leading: length32, trailing: trailing)
        }
        input.consume(length)   // the bytes stay in the buffer until the next read
        let body = p + 8
        let bodyLength = length - 12

        switch BlockKind(rawValue: type) {
        case .enhancedPacket:
            let id = r32(body, 0)
            guard Int(id) < clocks.count else {
                throw .unknownInterface(id: id, offset: offset, known: interfaces.count)
            }
            let capturedLength = Int(r32(body, 12))
            if capturedLength > bodyLength - 20 {
                throw .corrupt(offset: offset, reason: "enhanced packet block says \(capturedLength) captured bytes, its body holds \(bodyLength - 20)")
            }
            let units = UInt64(r32(body, 4)) << 32 | UInt64(r32(body, 8))
            return .packet(packet(interface: Int(id), units: units, originalLength: Int(r32(body, 16)),
                                  bytes: UnsafeRawBufferPointer(start: body + 20, count: capturedLength), offset: offset))
        case .simplePacket:
            guard !clocks.isEmpty else { throw .unknownInterface(id: 0, offset: offset, known: 0) }
            let originalLength = Int(r32(body, 0))
            var capturedLength = min(originalLength, bodyLength - 4)
            let snap = interfaces[0].snapLength
            if snap != 0 { capturedLength = min(capturedLength, Int(snap)) }
            packetCount += 1
            return .packet(CapturedPacket(timestamp: 0, linkType: clocks[0].linkType, interfaceIndex: 0,
                                          originalLength: originalLength,
                                          bytes: UnsafeRawBufferPointer(start: body + 4, count: capturedLength),
                                          offset: offset))
        case .obsoletePacket:
            let id = UInt32(r16(body, 0))
            guard Int(id) < clocks.count else {
                throw .unknownInterface(id: id, offset: offset, known: interfaces.count)
            }
            let capturedLength = Int(r32(body, 12))
            if capturedLength > bodyLength - 20 {
                throw .corrupt(offset: offset, reason: "packet block says \(capturedLength) captured bytes, its body holds \(bodyLength - 20)")
            }
            let units = UInt64(r32(body, 4)) << 32 | UInt64(r32(body, 8))
            return .packet(packet(interface: Int(id), units: units, originalLength: Int(r32(body, 16)),
                                  bytes: UnsafeRawBufferPointer(start: body + 20, count: capturedLength), offset: offset))
        case .interfaceDescription:
            try readInterfaceDescription(body: body, length: bodyLength, offset: offset)
            return .other
        case .sectionHeader:
            let major = r16(body, 4), minor = r16(body, 6)
            if major != 1 { throw .unsupportedVersion(major: major, minor: minor, offset: offset + 12) }
            interfaces.removeAll(keepingCapacity: true)
            sectionCount += 1
            return .other
        case nil:
            return .other
        }
    }

    @inline(__always)
    private func packet(interface: Int, units: UInt64, originalLength: Int,
                        bytes: UnsafeRawBufferPointer, offset: UInt64) -> CapturedPacket {
        let i = clocks[interface]
        var ts = i.nanoseconds(units)
        if i.offset != 0 {
            let (shift, o1) = i.offset.multipliedReportingOverflow(by: 1_000_000_000)
            let (sum, o2) = ts.addingReportingOverflow(shift)
            ts = o1 || o2 ? (i.offset < 0 ? Int64.min : Int64.max) : sum
        }
        packetCount += 1
        return CapturedPacket(timestamp: ts, linkType: i.linkType, interfaceIndex: interface,
                              originalLength: originalLength, bytes: bytes, offset: offset)
    }

    private func readInterfaceDescription(body: UnsafeRawPointer, length: Int, offset: UInt64) throws(CaptureError) {
        var interface = CaptureInterface(linkType: LinkType(rawValue: UInt32(u16(body, 0))), snapLength: u32(body, 4))
        var at = 8
        // Options: code(2) length(2) value padded to 4; opt_endofopt (0) ends them.
        while at + 4 <= length {
            let code = u16(body, at), optionLength = Int(u16(body, at + 2))
            if code == 0 { break }
            let padded = (optionLength + 3) & ~3
            if at + 4 + padded > length {
                throw .corrupt(offset: offset + 8 + UInt64(at),
                               reason: "interface option \(code) of \(optionLength) bytes runs past the end of its block")
            }
            let value = body + at + 4
            switch code {
            case 2 where optionLength > 0:   // if_name
                let bytes = UnsafeRawBufferPointer(start: value, count: optionLength)
                let end = bytes.firstIndex(of: 0) ?? optionLength
                interface.name = String(decoding: bytes[..<end], as: UTF8.self)
            case 9 where optionLength >= 1:  // if_tsresol
                let v = value.load(as: UInt8.self)
                let exponent = v & 0x7f
                if v & 0x80 != 0 {
                    interface.timestampResolution = .binary(exponent: exponent)
                } else {
                    // 10^-20 and finer cannot be represented by 64-bit counts anyway.
                    if exponent > 19 {
                        throw .corrupt(offset: offset + 8 + UInt64(at), reason: "if_tsresol 10^-\(exponent) is not supported")
                    }
                    interface.timestampResolution = .decimal(exponent: exponent)
                }
            case 14 where optionLength >= 8: // if_tsoffset
                interface.timestampOffset = Int64(bitPattern: u64(value, 0))
            default:
                break
            }
            at += 4 + padded
        }
        interfaces.append(interface)
    }

    private func blockName(_ type: UInt32) -> String {
        switch BlockKind(rawValue: type) {
        case .sectionHeader: return "section header block"
        case .interfaceDescription: return "interface description block"
        case .enhancedPacket: return "enhanced packet block"
        case .simplePacket: return "simple packet block"
        case .obsoletePacket: return "packet block"
        case nil: return "block of type 0x\(String(type, radix: 16))"
        }
    }
}
