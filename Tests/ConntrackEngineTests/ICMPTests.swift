import XCTest
import Conntrack
import PacketBuilder
@testable import ConntrackEngine

/// ICMP/ICMPv6 queries, untracked ND/MLD, and errors RELATED (reference §1.2, §6).
final class ICMPTests: XCTestCase {
    let a = Harness.a4, b = Harness.b4, r = Harness.r4

    func testEchoRequestAndReply() {
        let h = Harness()
        XCTAssertEqual(h.send(PacketBuilder.icmp(from: a, to: b, type: 8, id: 77, sequence: 1)).state, .new)
        let v = h.send(PacketBuilder.icmp(from: b, to: a, type: 0, id: 77, sequence: 1))
        XCTAssertEqual(v.state, .established)
        XCTAssertEqual(v.direction, .reply)
        let f = h.only()
        XCTAssertEqual(f?.original.icmpType, 8)
        XCTAssertEqual(f?.original.icmpID, 77)
        XCTAssertEqual(f?.reply.icmpType, 0)
        XCTAssertEqual(f?.reply.icmpID, 77)
        XCTAssertEqual(f?.timeout, 29)
        XCTAssertEqual(f?.assured, false, "ICMP is never assured")
        XCTAssertEqual(f?.unreplied, false)
    }

    func testInversionMapTypes() {
        for (req, rep) in [(8, 0), (13, 14), (15, 16), (17, 18)] as [(UInt8, UInt8)] {
            let h = Harness()
            XCTAssertEqual(h.send(PacketBuilder.icmp(from: a, to: b, type: req, id: 1)).state, .new, "type \(req)")
            XCTAssertEqual(h.only()?.reply.icmpType, rep)
        }
        for (req, rep) in [(128, 129), (139, 140)] as [(UInt8, UInt8)] {
            let h = Harness()
            XCTAssertEqual(h.send(PacketBuilder.icmp(from: Harness.a6, to: Harness.b6, type: req, id: 1)).state, .new)
            XCTAssertEqual(h.only()?.reply.icmpType, rep)
        }
    }

    func testLoneReplyIsInvalid() {
        let h = Harness()
        let v = h.send(PacketBuilder.icmp(from: b, to: a, type: 0, id: 77))
        XCTAssertEqual(v.state, .invalid)
        XCTAssertEqual(v.reason, .icmpCannotCreate)
        XCTAssertEqual(h.tracker.count, 0)
        XCTAssertEqual(h.tracker.statistics["invalid"], 1)
        let v6 = h.send(PacketBuilder.icmp(from: Harness.b6, to: Harness.a6, type: 129, id: 77))
        XCTAssertEqual(v6.reason, .icmpCannotCreate)
    }

    func testTypeWithoutInverseIsInvalid() {
        let h = Harness()
        XCTAssertEqual(h.send(PacketBuilder.icmp(from: a, to: b, type: 9)).reason, .cannotInvert)
        XCTAssertEqual(h.send(PacketBuilder.icmp(from: a, to: b, type: 10)).reason, .cannotInvert)
        XCTAssertEqual(h.tracker.statistics["invalid"], 2)
        XCTAssertEqual(h.tracker.count, 0)
    }

    func testTypeAbove18CountsAsError() {
        let h = Harness()
        let v = h.send(PacketBuilder.icmp(from: a, to: b, type: 42))
        XCTAssertEqual(v.state, .invalid)
        XCTAssertEqual(v.reason, .icmpBadType)
        XCTAssertEqual(h.tracker.statistics["error"], 1)
        XCTAssertEqual(h.tracker.statistics["invalid"], 0)
    }

    func testBadICMPChecksumCountsAsError() {
        let h = Harness()
        XCTAssertEqual(h.send(PacketBuilder.icmp(from: a, to: b, type: 8, checksum: .corrupt)).reason, .icmpBadChecksum)
        XCTAssertEqual(h.tracker.statistics["error"], 1)
    }

    func testNeighborDiscoveryAndMLDAreUntracked() {
        let h = Harness()
        for t: UInt8 in [130, 131, 132, 133, 134, 135, 136, 143] {
            let v = h.send(PacketBuilder.icmp(from: Harness.a6, to: Harness.b6, type: t))
            XCTAssertEqual(v.state, .untracked, "type \(t)")
            XCTAssertNil(v.connection)
        }
        XCTAssertEqual(h.tracker.count, 0)
    }

    func testUnreachableAboutUDPIsRelatedWithoutRefresh() {
        let h = Harness { $0.accounting = true }
        let req = PacketBuilder.udp(from: a, 5000, to: b, 53)
        h.send(req)
        h.wait(10)
        // The server answers with port unreachable quoting the request.
        let err = PacketBuilder.icmpError(from: b, to: a, type: 3, code: 3, quoting: req)
        let v = h.send(err)
        XCTAssertEqual(v.state, .related)
        XCTAssertEqual(v.direction, .reply)
        XCTAssertNotNil(v.connection)
        let f = h.only()
        XCTAssertEqual(f?.timeout, 19, "not refreshed")
        XCTAssertEqual(f?.countersReply?.packets, 0, "not counted")
        XCTAssertEqual(f?.unreplied, true)
    }

    func testErrorFromRouterInOriginalDirection() {
        // A router on the path tells the client its packet died: quoted packet is the
        // client's own (original direction) so the lookup hits the REPLY tuple... and an
        // error sent by the initiator about a reply packet is RELATED in the original dir.
        let h = Harness()
        let req = PacketBuilder.udp(from: a, 5000, to: b, 53)
        h.send(req)
        let timeExceeded = PacketBuilder.icmpError(from: r, to: a, type: 11, code: 0, quoting: req)
        XCTAssertEqual(h.send(timeExceeded).state, .related)
        let reply = PacketBuilder.udp(from: b, 53, to: a, 5000)
        h.send(reply)
        let fromClient = PacketBuilder.icmpError(from: a, to: b, type: 3, code: 3, quoting: reply)
        let v = h.send(fromClient)
        XCTAssertEqual(v.state, .related)
        XCTAssertEqual(v.direction, .original)
    }

    func testErrorForUnknownConnectionIsInvalidError() {
        let h = Harness()
        let req = PacketBuilder.udp(from: a, 5000, to: b, 53)
        let v = h.send(PacketBuilder.icmpError(from: b, to: a, type: 3, code: 3, quoting: req))
        XCTAssertEqual(v.state, .invalid)
        XCTAssertEqual(v.reason, .icmpErrorNotFound)
        XCTAssertEqual(v.reason.description, "ICMP error: embedded tuple not found")
        XCTAssertEqual(h.tracker.statistics["error"], 1)
        XCTAssertEqual(h.tracker.count, 0)
    }

    func testErrorWithWrongOuterDestinationIsInvalid() {
        let h = Harness()
        let req = PacketBuilder.udp(from: a, 5000, to: b, 53)
        h.send(req)
        let v = h.send(PacketBuilder.icmpError(from: b, to: IPAddress("10.77.9.9")!, type: 3, code: 3, quoting: req))
        XCTAssertEqual(v.reason, .icmpErrorAddressMismatch)
        XCTAssertEqual(h.tracker.statistics["error"], 1)
    }

    func testICMPv6ErrorRelated() {
        let h = Harness()
        let req = PacketBuilder.udp(from: Harness.a6, 5000, to: Harness.b6, 53)
        h.send(req)
        let v = h.send(PacketBuilder.icmpError(from: Harness.b6, to: Harness.a6, type: 1, code: 4, quoting: req))
        XCTAssertEqual(v.state, .related)
        XCTAssertEqual(v.direction, .reply)
    }

    func testErrorAboutTCPAndICMPEcho() {
        let h = Harness()
        let syn = PacketBuilder.tcp(from: a, 40000, to: b, 80, seq: 1, flags: .syn)
        h.send(syn)
        XCTAssertEqual(h.send(PacketBuilder.icmpError(from: b, to: a, type: 3, code: 1, quoting: syn)).state, .related)
        let echo = PacketBuilder.icmp(from: a, to: b, type: 8, id: 9)
        h.send(echo)
        XCTAssertEqual(h.send(PacketBuilder.icmpError(from: r, to: a, type: 11, code: 0, quoting: echo)).state, .related)
    }
}
