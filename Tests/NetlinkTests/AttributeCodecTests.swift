import XCTest
@testable import Netlink

/// The attribute walker and builder against hand-written netlink bytes (the layout
/// of `struct nlmsghdr` / `struct nlattr` from linux/netlink.h).
final class AttributeCodecTests: XCTestCase {
    func testBuilderLayoutAlignmentAndNesting() {
        var b = MessageBuilder()
        b.beginMessage(type: 0x0101, flags: [.request, .ack], sequence: 0x01020304, portID: 0)
        b.append(bytes: [2, 0, 0, 0])
        let n = b.beginNested(1)
        b.put(2, u8: 6)
        b.put(3, be16: 0x1234)
        b.endNested(n)
        b.put(7, be32: 0xdeadbeef)
        b.put(9, string: "ftp")
        b.endMessage()
        let expected: [UInt8] = [
            0x38, 0, 0, 0, 0x01, 0x01, 0x05, 0x00, 0x04, 0x03, 0x02, 0x01, 0, 0, 0, 0,  // nlmsghdr len 56
            2, 0, 0, 0,                                                              // nfgenmsg
            0x14, 0, 0x01, 0x80,                                                     // nested 1, len 20, NLA_F_NESTED
            0x05, 0, 0x02, 0, 6, 0, 0, 0,                                            // u8 + 3 pad
            0x06, 0, 0x03, 0, 0x12, 0x34, 0, 0,                                      // be16 + 2 pad
            0x08, 0, 0x07, 0, 0xde, 0xad, 0xbe, 0xef,
            0x08, 0, 0x09, 0, 0x66, 0x74, 0x70, 0x00,
        ]
        XCTAssertEqual(b.bytes, expected)
        XCTAssertEqual(b.messageCount, 1)
    }

    func testWalkerReadsWhatTheBuilderWrote() {
        var b = MessageBuilder()
        b.beginMessage(type: 0x0100, flags: .multi, sequence: 9, portID: 42)
        let n = b.beginNested(1)
        b.put(4, be64: 0x0102030405060708)
        b.endNested(n)
        b.put(5, bytes: [1, 2, 3])
        b.endMessage()
        b.beginMessage(type: NetlinkConstants.done, flags: .multi, sequence: 9)
        b.append(bytes: [0, 0, 0, 0])
        b.endMessage()
        b.bytes.withUnsafeBytes { raw in
            var it = MessageIterator(raw)
            let m = it.next()!
            XCTAssertEqual(m.type, 0x0100)
            XCTAssertEqual(m.portID, 42)
            XCTAssertEqual(m.flags, .multi)
            var attrs = Array(Attributes(m.payload))
            XCTAssertEqual(attrs.map(\.type), [1, 5])
            XCTAssertTrue(attrs[0].isNested)
            XCTAssertEqual(Array(attrs[0].nested).first?.be64, 0x0102030405060708)
            XCTAssertEqual(Array(attrs[1].payload), [1, 2, 3])
            attrs.removeAll()
            let done = it.next()!
            XCTAssertEqual(done.type, NetlinkConstants.done)
            XCTAssertEqual(done.errorNumber, 0)
            XCTAssertNil(it.next())
            XCTAssertFalse(it.malformed)
        }
    }

    func testMalformedInputStopsTheWalkWithoutCrashing() {
        // attribute claims 12 bytes but only 6 are there
        let bad: [UInt8] = [12, 0, 1, 0, 0xff, 0xff]
        bad.withUnsafeBytes { raw in
            var it = AttributeIterator(raw)
            XCTAssertNil(it.next())
            XCTAssertTrue(it.malformed)
            XCTAssertFalse(Attributes(raw).isWellFormed)
        }
        // attribute length below the header size
        let tiny: [UInt8] = [2, 0, 1, 0]
        tiny.withUnsafeBytes { raw in
            var it = AttributeIterator(raw)
            XCTAssertNil(it.next())
            XCTAssertTrue(it.malformed)
        }
        // a message header whose length runs past the datagram
        let msg: [UInt8] = [64, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]
        msg.withUnsafeBytes { raw in
            var it = MessageIterator(raw)
            XCTAssertNil(it.next())
            XCTAssertTrue(it.malformed)
        }
        // readers refuse short payloads
        let short: [UInt8] = [6, 0, 1, 0, 0xaa, 0xbb, 0, 0]
        short.withUnsafeBytes { raw in
            let a = Array(Attributes(raw))[0]
            XCTAssertEqual(a.be16, 0xaabb)
            XCTAssertNil(a.be32)
            XCTAssertNil(a.be64)
        }
    }

    func testSocketOpensAndReportsKernelErrors() throws {
        let s = try NetlinkSocket(protocol: NetlinkConstants.netfilterProtocol, receiveBufferSize: 1 << 20)
        XCTAssertNotEqual(s.portID, 0)
        XCTAssertGreaterThanOrEqual(try s.receiveBufferSize(), 1 << 20)
        // An unknown nfnetlink subsystem (0x7f) is answered with NLMSG_ERROR.
        var b = MessageBuilder()
        let seq = s.nextSequence()
        b.beginMessage(type: 0x7f00, flags: [.request, .ack], sequence: seq)
        b.append(bytes: [0, 0, 0, 0])
        b.endMessage()
        XCTAssertThrowsError(try s.request(b.bytes, sequence: seq, operation: "probe", isDump: false) { _ in true }) { e in
            let n = e as? NetlinkError
            XCTAssertEqual(n?.kind, .kernel)
            XCTAssertEqual(n?.operation, "probe")
            XCTAssertNotEqual(n?.errno ?? 0, 0)
        }
    }
}
