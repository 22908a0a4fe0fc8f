import XCTest
import Conntrack
import Netlink
@testable import ConntrackKernel

/// `CTA_HELP` of flows and every `CTA_EXPECT_*` attribute, on messages written by hand
/// from the attribute layout (kernel-conntrack.md §11.2, include/uapi/linux/netfilter/
/// nfnetlink_conntrack.h). The live kernel never sends `CTA_HELP_INFO` here (no
/// nfnetlink_cthelper) nor `CTA_EXPECT_ZONE` (ctnetlink_exp_dump_expect has no zone), so
/// those two are covered only by these bytes; ExpectationTests checks the rest live.
final class HelperAttributeTests: XCTestCase {
    /// One netlink attribute: length (header included, little-endian), type, payload, padding to 4.
    func tlv(_ type: UInt16, _ payload: [UInt8], nested: Bool = false) -> [UInt8] {
        let len = 4 + payload.count
        let t = type | (nested ? 0x8000 : 0)
        var out: [UInt8] = [UInt8(len & 0xff), UInt8(len >> 8), UInt8(t & 0xff), UInt8(t >> 8)] + payload
        while out.count % 4 != 0 { out.append(0) }
        return out
    }
    func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
    func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    func cstring(_ s: String) -> [UInt8] { Array(s.utf8) + [0] }

    /// A nested IPv4 tuple: {1 TUPLE_IP {1 V4_SRC, 2 V4_DST}, 2 TUPLE_PROTO {1 NUM, 2 SRC_PORT, 3 DST_PORT}}.
    func tuple(_ type: UInt16, _ src: [UInt8], _ dst: [UInt8], proto: UInt8, sport: UInt16, dport: UInt16) -> [UInt8] {
        tlv(type, tlv(1, tlv(1, src) + tlv(2, dst), nested: true)
                  + tlv(2, tlv(1, [proto]) + tlv(2, be16(sport)) + tlv(3, be16(dport)), nested: true), nested: true)
    }

    /// nlmsghdr (16 bytes) + nfgenmsg (AF_INET, version 0, res_id 0) + attributes.
    func message(type: UInt16, flags: UInt16, portID: UInt32 = 0, _ attributes: [UInt8]) -> [UInt8] {
        let len = UInt32(16 + 4 + attributes.count)
        func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
        return le32(len) + [UInt8(type & 0xff), UInt8(type >> 8), UInt8(flags & 0xff), UInt8(flags >> 8)]
            + le32(0) + le32(portID) + [2, 0, 0, 0] + attributes
    }

    func decodeEvent(_ bytes: [UInt8]) -> EventStreamElement? {
        bytes.withUnsafeBytes { raw in
            var it = MessageIterator(raw)
            guard let m = it.next() else { return nil }
            return EventSubscription.decode(m, time: 0)
        }
    }

    let a: [UInt8] = [10, 0, 0, 1], b: [UInt8] = [10, 0, 0, 2]

    func flowAttributes(help: [UInt8]) -> [UInt8] {
        tuple(1, a, b, proto: 6, sport: 40000, dport: 21) + tuple(2, b, a, proto: 6, sport: 21, dport: 40000)
            + tlv(3, be32(0x200e))   // CTA_STATUS: SEEN_REPLY|ASSURED|CONFIRMED|HELPER
            + tlv(5, help, nested: true)
    }

    func testHelpNameAndInfoAreDecoded() throws {
        // IPCTNL_MSG_CT_NEW (subsystem 1) with NLM_F_CREATE|NLM_F_EXCL: a NEW event.
        let info: [UInt8] = [0xde, 0xad, 0xbe, 0xef, 0x01]
        let bytes = message(type: 0x0100, flags: 0x0600,
                            flowAttributes(help: tlv(1, cstring("myhelper")) + tlv(2, info)))
        guard case .event(let e) = try XCTUnwrap(decodeEvent(bytes)) else { return XCTFail("not a flow event") }
        XCTAssertEqual(e.type, .new)
        XCTAssertEqual(e.flow.helper, "myhelper")
        XCTAssertEqual(e.flow.helperInfo, info)
        XCTAssertEqual(e.flow.status, Status(rawValue: 0x200e))

        // Name only (what in-kernel helpers send): no info.
        let plain = message(type: 0x0100, flags: 0, flowAttributes(help: tlv(1, cstring("ftp"))))
        guard case .event(let u) = try XCTUnwrap(decodeEvent(plain)) else { return XCTFail("not a flow event") }
        XCTAssertEqual(u.type, .update)
        XCTAssertEqual(u.flow.helper, "ftp")
        XCTAssertNil(u.flow.helperInfo)
    }

    func testHelpInfoIsEncodedAfterTheName() {
        // ctnetlink_parse_help reads CTA_HELP_NAME and hands CTA_HELP_INFO to the helper's
        // from_nlattr; libnetfilter_conntrack puts them in that order.
        var f = Flow(original: Tuple(source: IPAddress("10.0.0.1")!, destination: IPAddress("10.0.0.2")!,
                                     protocol: IPProtocol.tcp, sourcePort: 40000, destinationPort: 21),
                     reply: Tuple(source: IPAddress("10.0.0.2")!, destination: IPAddress("10.0.0.1")!,
                                  protocol: IPProtocol.tcp, sourcePort: 21, destinationPort: 40000))
        f.helper = "ftp"
        f.helperInfo = [1, 2, 3]
        var m = MessageBuilder()
        m.putFlow(f)
        let help = tlv(5, tlv(1, cstring("ftp")) + tlv(2, [1, 2, 3]), nested: true)
        XCTAssertTrue(contains(m.bytes, help), "\(m.bytes)")
    }

    func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= hay.count else { return false }
        return (0...(hay.count - needle.count)).contains { Array(hay[$0..<($0 + needle.count)]) == needle }
    }

    func testEveryExpectationAttributeIsDecoded() throws {
        // IPCTNL_MSG_EXP_NEW (subsystem 2) with NLM_F_CREATE|NLM_F_EXCL, in the kernel's order
        // (ctnetlink_exp_dump_expect) plus CTA_EXPECT_ZONE, which only requests carry.
        let any: [UInt8] = [0, 0, 0, 0], ones: [UInt8] = [255, 255, 255, 255]
        let attrs = tuple(2, b, a, proto: 6, sport: 0, dport: 50000)               // CTA_EXPECT_TUPLE
            + tuple(3, ones, ones, proto: 6, sport: 0, dport: 0xffff)              // CTA_EXPECT_MASK
            + tuple(1, a, b, proto: 6, sport: 40000, dport: 21)                    // CTA_EXPECT_MASTER
            + tlv(10, tlv(1, be32(1)) + tuple(2, any, any, proto: 6, sport: 6000, dport: 0), nested: true) // CTA_EXPECT_NAT
            + tlv(4, be32(299))                                                    // CTA_EXPECT_TIMEOUT
            + tlv(5, be32(0x1234_5678))                                            // CTA_EXPECT_ID
            + tlv(8, be32(0x3))                                                    // CTA_EXPECT_FLAGS
            + tlv(9, be32(2))                                                      // CTA_EXPECT_CLASS
            + tlv(6, cstring("ftp"))                                               // CTA_EXPECT_HELP_NAME
            + tlv(11, cstring("nat-follow-master"))                                // CTA_EXPECT_FN
            + tlv(7, be16(7))                                                      // CTA_EXPECT_ZONE
        guard case .expectation(let x) = try XCTUnwrap(decodeEvent(message(type: 0x0200, flags: 0x0600, portID: 77, attrs))) else {
            return XCTFail("not an expectation event")
        }
        XCTAssertEqual(x.type, .new)
        XCTAssertEqual(x.portID, 77)
        let e = x.expectation
        let ia = IPAddress("10.0.0.1")!, ib = IPAddress("10.0.0.2")!
        XCTAssertEqual(e.tuple, Tuple(source: ib, destination: ia, protocol: IPProtocol.tcp, sourcePort: 0, destinationPort: 50000))
        XCTAssertEqual(e.mask, Tuple(source: IPAddress(ipv4: 0xffff_ffff), destination: IPAddress(ipv4: 0xffff_ffff),
                                     protocol: IPProtocol.tcp, sourcePort: 0, destinationPort: 0xffff))
        XCTAssertEqual(e.master, Tuple(source: ia, destination: ib, protocol: IPProtocol.tcp, sourcePort: 40000, destinationPort: 21))
        XCTAssertEqual(e.natDirection, 1)
        XCTAssertEqual(e.natTuple, Tuple(source: IPAddress(ipv4: 0), destination: IPAddress(ipv4: 0), protocol: IPProtocol.tcp,
                                         sourcePort: 6000, destinationPort: 0))
        XCTAssertEqual(e.timeout, 299)
        XCTAssertEqual(e.id, 0x1234_5678)
        XCTAssertEqual(e.flags, [.permanent, .inactive])
        XCTAssertEqual(e.expectClass, 2)
        XCTAssertEqual(e.helper, "ftp")
        XCTAssertEqual(e.function, "nat-follow-master")
        XCTAssertEqual(e.zone, 7)

        // IPCTNL_MSG_EXP_DELETE: DESTROY.
        guard case .expectation(let d) = try XCTUnwrap(decodeEvent(message(type: 0x0202, flags: 0, attrs))) else {
            return XCTFail("not an expectation event")
        }
        XCTAssertEqual(d.type, .destroy)
        XCTAssertEqual(d.expectation, e)
    }
}
