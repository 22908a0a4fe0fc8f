import XCTest
import PacketCapture

/// Hand-built frames following each link type's published header layout.
final class LinkLayerTests: XCTestCase {
    let v4 = ipv4UDP(src: [10, 0, 0, 1], dst: [10, 0, 0, 2], payload: 4)
    let v6 = ipv6UDP(src: [UInt8](repeating: 0, count: 15) + [1], dst: [UInt8](repeating: 0, count: 15) + [1], payload: 4)

    func locate(_ type: LinkType, _ frame: [UInt8]) -> NetworkLayer {
        frame.withUnsafeBytes { LinkLayer.networkLayer(linkType: type, frame: $0) }
    }

    func testEthernetAndVLANStacks() {
        XCTAssertEqual(locate(.ethernet, ethernet(v4, type: 0x0800)), .ipv4(offset: 14))
        XCTAssertEqual(locate(.ethernet, ethernet(v6, type: 0x86dd)), .ipv6(offset: 14))
        XCTAssertEqual(locate(.ethernet, ethernet(v4, type: 0x0800, tags: [(0x8100, 100)])), .ipv4(offset: 18))
        XCTAssertEqual(locate(.ethernet, ethernet(v6, type: 0x86dd, tags: [(0x88a8, 200), (0x8100, 5)])), .ipv6(offset: 22))
        XCTAssertEqual(locate(.ethernet, ethernet(v4, type: 0x0800, tags: [(0x9100, 1), (0x8100, 2)])), .ipv4(offset: 22))
        // ARP is not IP.
        XCTAssertEqual(locate(.ethernet, ethernet([UInt8](repeating: 0, count: 28), type: 0x0806)), .notIP(.otherProtocol(0x0806)))
        XCTAssertEqual(locate(.ethernet, ethernet([UInt8](repeating: 0, count: 28), type: 0x0806, tags: [(0x8100, 7)])),
                       .notIP(.otherProtocol(0x0806)))
        // Truncations: inside the MAC header, inside a tag, nothing after the EtherType.
        XCTAssertEqual(locate(.ethernet, Array(ethernet(v4, type: 0x0800).prefix(13))), .notIP(.truncated))
        XCTAssertEqual(locate(.ethernet, Array(ethernet(v4, type: 0x0800, tags: [(0x8100, 1)]).prefix(16))), .notIP(.truncated))
        XCTAssertEqual(locate(.ethernet, Array(ethernet(v4, type: 0x0800).prefix(14))), .notIP(.truncated))
        XCTAssertEqual(locate(.ethernet, ethernet(v4, type: 0x0800, tags: Array(repeating: (0x8100, 1), count: 9))),
                       .notIP(.tooManyVLANTags))
        XCTAssertEqual(locate(.ethernet, []), .notIP(.truncated))
        // EtherType says IPv4, the packet says otherwise.
        XCTAssertEqual(locate(.ethernet, ethernet(v6, type: 0x0800)), .notIP(.ipVersionMismatch(announced: 4, found: 6)))
        XCTAssertEqual(locate(.ethernet, ethernet([0, 5, 8, 0] + v4, type: 0x0800, tags: [(0x88a8, 200)])),
                       .notIP(.ipVersionMismatch(announced: 4, found: 0)))
    }

    func testLinuxCooked() {
        // SLL: pkttype(2) hatype(2) halen(2) addr(8) protocol(2).
        let sllHeader: [UInt8] = [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]
        XCTAssertEqual(locate(.linuxSLL, sllHeader + [0x08, 0x00] + v4), .ipv4(offset: 16))
        XCTAssertEqual(locate(.linuxSLL, sllHeader + [0x86, 0xdd] + v6), .ipv6(offset: 16))
        XCTAssertEqual(locate(.linuxSLL, sllHeader + [0x08, 0x06] + [0, 1]), .notIP(.otherProtocol(0x0806)))
        XCTAssertEqual(locate(.linuxSLL, sllHeader + [0x81, 0x00, 0, 100, 0x08, 0x00] + v4), .ipv4(offset: 20))
        XCTAssertEqual(locate(.linuxSLL, Array(sllHeader.prefix(15))), .notIP(.truncated))
        // SLL2: protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8).
        let sll2Tail: [UInt8] = [0, 0, 0, 0, 0, 2, 0, 1, 4, 6, 2, 0, 0, 0, 0, 1, 0, 0]
        XCTAssertEqual(locate(.linuxSLL2, [0x08, 0x00] + sll2Tail + v4), .ipv4(offset: 20))
        XCTAssertEqual(locate(.linuxSLL2, [0x86, 0xdd] + sll2Tail + v6), .ipv6(offset: 20))
        XCTAssertEqual(locate(.linuxSLL2, [0x00, 0x04] + sll2Tail + [1, 2, 3]), .notIP(.otherProtocol(4)))
        XCTAssertEqual(locate(.linuxSLL2, [0x08, 0x00] + sll2Tail), .notIP(.truncated))
    }

    func testRawIP() {
        for t in [LinkType.raw, .rawDLT12, .rawDLT14] {
            XCTAssertEqual(locate(t, v4), .ipv4(offset: 0))
            XCTAssertEqual(locate(t, v6), .ipv6(offset: 0))
            XCTAssertEqual(locate(t, [0x50, 0]), .notIP(.otherProtocol(5)))
            XCTAssertEqual(locate(t, []), .notIP(.truncated))
        }
        XCTAssertEqual(locate(.ipv4, v4), .ipv4(offset: 0))
        XCTAssertEqual(locate(.ipv6, v6), .ipv6(offset: 0))
        XCTAssertEqual(locate(.ipv4, v6), .notIP(.ipVersionMismatch(announced: 4, found: 6)))
    }

    func testLoopbackNullAndLoop() {
        // NULL: family in the capturing host's order; both orders occur in real files.
        XCTAssertEqual(locate(.null, [2, 0, 0, 0] + v4), .ipv4(offset: 4))
        XCTAssertEqual(locate(.null, [0, 0, 0, 2] + v4), .ipv4(offset: 4))
        for family: UInt8 in [24, 28, 30] {
            XCTAssertEqual(locate(.null, [family, 0, 0, 0] + v6), .ipv6(offset: 4))
            XCTAssertEqual(locate(.null, [0, 0, 0, family] + v6), .ipv6(offset: 4))
            XCTAssertEqual(locate(.loop, [0, 0, 0, family] + v6), .ipv6(offset: 4))
        }
        XCTAssertEqual(locate(.loop, [0, 0, 0, 2] + v4), .ipv4(offset: 4))
        XCTAssertEqual(locate(.null, [7, 0, 0, 0] + v4), .notIP(.otherProtocol(7)))
        // LOOP is always network order: a little-endian 2 is family 0x02000000.
        XCTAssertEqual(locate(.loop, [2, 0, 0, 0] + v4), .notIP(.otherProtocol(0x0200_0000)))
        XCTAssertEqual(locate(.null, [2, 0, 0]), .notIP(.truncated))
    }

    func testPacketConveniences() {
        let frame = ethernet(v4, type: 0x0800, tags: [(0x8100, 9)])
        frame.withUnsafeBytes { b in
            let p = CapturedPacket(timestamp: 0, linkType: .ethernet, interfaceIndex: 0, originalLength: b.count, bytes: b, offset: 0)
            XCTAssertEqual(p.networkLayer, .ipv4(offset: 18))
            XCTAssertEqual(p.ipPacket.map(Array.init), v4)
        }
        [UInt8]([8, 6]).withUnsafeBytes { b in
            let p = CapturedPacket(timestamp: 0, linkType: .ethernet, interfaceIndex: 0, originalLength: 2, bytes: b, offset: 0)
            XCTAssertNil(p.ipPacket)
        }
    }

    func testUnsupportedLinkType() {
        XCTAssertEqual(locate(LinkType(rawValue: 105), v4), .notIP(.unsupportedLinkType(LinkType(rawValue: 105))))
        XCTAssertEqual(LinkType(rawValue: 276).description, "LINUX_SLL2")
    }
}
