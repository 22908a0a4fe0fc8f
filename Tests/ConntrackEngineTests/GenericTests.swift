import XCTest
import Conntrack
import PacketBuilder
@testable import ConntrackEngine

/// Generic protocols and GRE (reference §7.3, §7.4).
final class GenericTests: XCTestCase {
    let a = Harness.a4, b = Harness.b4

    func testESPIsGenericWith600Seconds() {
        let h = Harness()
        XCTAssertEqual(h.send(PacketBuilder.generic(from: a, to: b, protocol: 50)).state, .new)
        let f = h.only()
        XCTAssertEqual(f?.timeout, 599)
        XCTAssertEqual(f?.proto, 50)
        XCTAssertEqual(f?.original.sourcePort, 0)
        XCTAssertEqual(f?.reply.source, b)
        XCTAssertEqual(h.send(PacketBuilder.generic(from: b, to: a, protocol: 50)).state, .established)
        h.send(PacketBuilder.generic(from: a, to: b, protocol: 50))
        XCTAssertEqual(h.only()?.assured, false, "generic is never assured")
        XCTAssertEqual(h.only()?.unreplied, false)
    }

    func testDCCPIsGenericIn618() {
        let h = Harness()
        h.send(PacketBuilder.generic(from: a, to: b, protocol: 33, payload: [0x12, 0x34, 0x00, 0x50, 0, 0, 0, 0]))
        XCTAssertEqual(h.only()?.original.sourcePort, 0)
        XCTAssertEqual(h.only()?.timeout, 599)
    }

    func testGREv0KeysZeroAndStreamTimeout() {
        let h = Harness()
        h.send(PacketBuilder.gre(from: a, to: b, key: 1234))
        var f = h.only()
        XCTAssertEqual(f?.original.sourcePort, 0)
        XCTAssertEqual(f?.original.destinationPort, 0)
        XCTAssertEqual(f?.timeout, 29)
        h.send(PacketBuilder.gre(from: b, to: a))
        f = h.only()
        XCTAssertEqual(f?.timeout, 29, "the reply itself refreshes with the unreplied timeout")
        XCTAssertEqual(f?.assured, false)
        h.send(PacketBuilder.gre(from: a, to: b))
        f = h.only()
        XCTAssertEqual(f?.timeout, 179)
        XCTAssertEqual(f?.assured, true)
    }

    func testGREv1CallID() {
        let h = Harness()
        h.send(PacketBuilder.gre(from: a, to: b, version: 1, callID: 0x1234))
        let f = h.only()
        XCTAssertEqual(f?.original.destinationPort, 0x1234)
        XCTAssertEqual(f?.original.sourcePort, 0)
        XCTAssertEqual(f?.reply.sourcePort, 0x1234)
        XCTAssertEqual(f?.reply.destinationPort, 0)
    }

    func testGREv1NotPPPIsInvalid() {
        let h = Harness()
        let v = h.send(PacketBuilder.gre(from: a, to: b, version: 1, protocolType: 0x0800, callID: 1))
        XCTAssertEqual(v.reason, .greMalformed)
        XCTAssertEqual(h.tracker.count, 0)
    }

    func testGREClosing() {
        let h = Harness()
        h.send(PacketBuilder.generic(from: Harness.a6, to: Harness.b6, protocol: 253))
        XCTAssertEqual(h.only()?.family, .ipv6)
    }
}
