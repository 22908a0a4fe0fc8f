#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why reading or writing a capture file failed.
///
/// Every case that concerns the file's contents names the byte offset (from the start of
/// the file or stream) of the record or block that is wrong, so a person can look at it
/// with `xxd -s OFFSET`. ``description`` is one line meant for a user.
public enum CaptureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed (`open`, `read`, `write`, `close`...), with its `errno`.
    case system(operation: String, errno: Int32)
    /// The stream ended before the first four bytes (an empty file).
    case empty
    /// The first four bytes are neither a pcap magic nor a pcapng section header.
    case badMagic(UInt32)
    /// The file format version is not one we read (pcap 2.x, pcapng 1.x).
    case unsupportedVersion(major: UInt16, minor: UInt16, offset: UInt64)
    /// The pcap file header's snapshot length is beyond any plausible value.
    case absurdSnapLength(UInt32, offset: UInt64)
    /// A record or block claims more bytes than the file has left.
    case truncated(what: String, offset: UInt64, needed: Int, available: Int)
    /// A packet record or block claims a length above the reader's limit.
    case tooLarge(what: String, offset: UInt64, length: UInt64, limit: Int)
    /// A pcapng block's total length is below 12, not a multiple of 4, or too small for its type.
    case badBlockLength(blockType: UInt32, offset: UInt64, length: UInt32)
    /// A pcapng block's trailing total length differs from its leading one.
    case mismatchedBlockLength(offset: UInt64, leading: UInt32, trailing: UInt32)
    /// A packet names an interface that no interface description block declared.
    case unknownInterface(id: UInt32, offset: UInt64, known: Int)
    /// A pcapng block appears before any section header block.
    case missingSectionHeader(offset: UInt64)
    /// Another structural problem at an offset (a bad option, a bad timestamp resolution...).
    case corrupt(offset: UInt64, reason: String)
    /// A writer was given a value the format cannot hold (a negative timestamp...).
    case invalidArgument(String)

    /// One line for a user, e.g.
    /// `truncated packet record at offset 1234: header says 1514 bytes, 200 left`.
    public var description: String {
        switch self {
        case .system(let operation, let errno):
            return "\(operation) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        case .empty:
            return "empty capture file: no bytes where the magic number should be"
        case .badMagic(let magic):
            return "not a pcap or pcapng file: magic 0x\(hex(magic)) at offset 0"
        case .unsupportedVersion(let major, let minor, let offset):
            return "unsupported capture format version \(major).\(minor) at offset \(offset)"
        case .absurdSnapLength(let snapLength, let offset):
            return "absurd snapshot length \(snapLength) in file header at offset \(offset)"
        case .truncated(let what, let offset, let needed, let available):
            return "truncated \(what) at offset \(offset): header says \(needed) bytes, \(available) left"
        case .tooLarge(let what, let offset, let length, let limit):
            return "\(what) at offset \(offset) claims \(length) bytes, more than the limit of \(limit)"
        case .badBlockLength(let type, let offset, let length):
            return "bad block length \(length) for block type 0x\(hex(type)) at offset \(offset)"
        case .mismatchedBlockLength(let offset, let leading, let trailing):
            return "block at offset \(offset): trailing length \(trailing) differs from leading length \(leading)"
        case .unknownInterface(let id, let offset, let known):
            return "packet at offset \(offset) names interface \(id), but the section declares \(known)"
        case .missingSectionHeader(let offset):
            return "block at offset \(offset) comes before any section header block"
        case .corrupt(let offset, let reason):
            return "corrupt capture at offset \(offset): \(reason)"
        case .invalidArgument(let reason):
            return "invalid argument: \(reason)"
        }
    }

    /// The byte offset the error points at, when it concerns the file's contents.
    public var offset: UInt64? {
        switch self {
        case .system, .invalidArgument: return nil
        case .empty, .badMagic: return 0
        case .unsupportedVersion(_, _, let o), .absurdSnapLength(_, let o): return o
        case .truncated(_, let o, _, _), .tooLarge(_, let o, _, _): return o
        case .badBlockLength(_, let o, _), .mismatchedBlockLength(let o, _, _): return o
        case .unknownInterface(_, let o, _), .missingSectionHeader(let o), .corrupt(let o, _): return o
        }
    }
}

private func hex(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, 8 - s.count)) + s
}
