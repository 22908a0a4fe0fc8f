import XCTest
import Conntrack
import PacketBuilder
@testable import ConntrackEngine

/// SCTP (reference §7.1, live 6.18 handshake and shutdown).
final class SCTPTests: XCTestCase {
    let a = Harness.a4, b = Harness.b4
    let tagA: UInt32 = 0x1111_1111   // A's initiate tag: what B's packets carry
    let tagB: UInt32 = 0x2222_2222   // B's initiate tag: what A's packets carry

    func fromA(_ h: Harness, vtag: UInt32, _ chunks: [SCTPChunk], checksum: ChecksumMode = .correct) -> Verdict {
        h.send(PacketBuilder.sctp(from: a, 5000, to: b, 6000, vtag: vtag, chunks: chunks, checksum: checksum))
    }
    func fromB(_ h: Harness, vtag: UInt32, _ chunks: [SCTPChunk]) -> Verdict {
        h.send(PacketBuilder.sctp(from: b, 6000, to: a, 5000, vtag: vtag, chunks: chunks))
    }

    func state(_ h: Harness) -> (SCTPState?, UInt32?, Bool, Bool) {
        let f = h.only()
        guard case .sctp(let s)? = f?.protoInfo else { return (nil, nil, false, true) }
        return (SCTPState(rawValue: s.state), f?.timeout, f?.assured ?? false, f?.unreplied ?? true)
    }

    func handshake(_ h: Harness) {
        XCTAssertEqual(fromA(h, vtag: 0, [.initChunk(initiateTag: tagA)]).state, .new)
        XCTAssertEqual(fromB(h, vtag: tagA, [.initAck(initiateTag: tagB)]).state, .established)
        XCTAssertEqual(fromA(h, vtag: tagB, [.cookieEcho()]).state, .established)
        XCTAssertEqual(fromB(h, vtag: tagA, [.cookieAck]).state, .established)
    }

    func testHandshakeAndShutdown() {
        let h = Harness()
        fromA(h, vtag: 0, [.initChunk(initiateTag: tagA)])
        var s = state(h)
        XCTAssertEqual(s.0, .closed); XCTAssertEqual(s.1, 9); XCTAssertTrue(s.3)
        fromB(h, vtag: tagA, [.initAck(initiateTag: tagB)])
        s = state(h)
        XCTAssertEqual(s.0, .cookieWait); XCTAssertEqual(s.1, 2)
        fromA(h, vtag: tagB, [.cookieEcho()])
        s = state(h)
        XCTAssertEqual(s.0, .cookieEchoed); XCTAssertEqual(s.1, 2)
        fromB(h, vtag: tagA, [.cookieAck])
        s = state(h)
        XCTAssertEqual(s.0, .established); XCTAssertEqual(s.1, 209); XCTAssertTrue(s.2)
        guard case .sctp(let info)? = h.only()?.protoInfo else { return XCTFail() }
        XCTAssertEqual(info.vtagOriginal, tagB)
        XCTAssertEqual(info.vtagReply, tagA)
        XCTAssertEqual(fromA(h, vtag: tagB, [.data(tsn: 1)]).state, .established)
        fromA(h, vtag: tagB, [.shutdown(cumulativeTSN: 1)])
        XCTAssertEqual(state(h).0, .shutdownSent)
        XCTAssertEqual(state(h).1, 2)
        fromB(h, vtag: tagA, [.shutdownAck])
        XCTAssertEqual(state(h).0, .shutdownAckSent)
        fromA(h, vtag: tagB, [.shutdownComplete()])
        s = state(h)
        XCTAssertEqual(s.0, .closed); XCTAssertEqual(s.1, 9)
    }

    func testEventsCarryStateChanges() {
        let h = Harness()
        handshake(h)
        let e = h.events
        XCTAssertEqual(e.map(\.type), [.new, .update, .update, .update])
        XCTAssertEqual(e.last?.flow.status?.contains(.assured), true)
    }

    func testHeartbeatOpensSecondaryEntry() {
        let h = Harness()
        XCTAssertEqual(fromA(h, vtag: 0x77, [.heartbeat()]).state, .new)
        var s = state(h)
        XCTAssertEqual(s.0, .heartbeatSent); XCTAssertEqual(s.1, 29); XCTAssertTrue(s.3)
        fromB(h, vtag: 0x88, [.heartbeatAck()])
        s = state(h)
        XCTAssertEqual(s.0, .established); XCTAssertEqual(s.1, 209); XCTAssertTrue(s.2)
    }

    func testOutOfTheBlueFirstPacketsAreInvalid() {
        let h = Harness()
        XCTAssertEqual(fromA(h, vtag: 1, [.abort()]).reason, .sctpCannotCreate)
        XCTAssertEqual(fromA(h, vtag: 1, [.shutdownComplete()]).reason, .sctpCannotCreate)
        XCTAssertEqual(fromA(h, vtag: 1, [.cookieAck]).reason, .sctpCannotCreate)
        XCTAssertEqual(fromA(h, vtag: 5, [.initChunk(initiateTag: tagA)]).reason, .sctpCannotCreate, "INIT vtag must be 0")
        XCTAssertEqual(fromA(h, vtag: 1, [.data(tsn: 1)]).reason, .sctpCannotCreate)
        XCTAssertEqual(h.tracker.count, 0)
    }

    func testWrongVtagIsInvalidStateUnchanged() {
        let h = Harness()
        handshake(h)
        let v = fromA(h, vtag: 0xdead, [.data(tsn: 1)])
        XCTAssertEqual(v.reason, .sctpBadVtag)
        XCTAssertEqual(state(h).0, .established)
    }

    func testBadCRCIsInvalid() {
        let h = Harness()
        XCTAssertEqual(fromA(h, vtag: 0, [.initChunk(initiateTag: tagA)], checksum: .corrupt).reason, .badChecksum)
        XCTAssertEqual(h.tracker.count, 0)
    }

    func testMalformedChunks() {
        let h = Harness()
        // INIT not alone
        XCTAssertEqual(fromA(h, vtag: 0, [.initChunk(initiateTag: tagA), .data(tsn: 1)]).reason, .sctpMalformed)
        // zero chunk length
        XCTAssertEqual(fromA(h, vtag: 0, [SCTPChunk(type: 0, lengthOverride: 0)]).reason, .sctpMalformed)
        // no chunk at all
        XCTAssertEqual(fromA(h, vtag: 0, []).reason, .sctpMalformed)
    }

    func testInitRetransmissionDoesNotRefresh() {
        let h = Harness()
        fromA(h, vtag: 0, [.initChunk(initiateTag: tagA)])
        h.wait(5)
        XCTAssertNotEqual(fromA(h, vtag: 0, [.initChunk(initiateTag: tagA)]).state, .invalid)
        XCTAssertEqual(state(h).1, 4)
    }

    func testTableCellsMatchReference() {
        // Rows INIT..HEARTBEAT_ACK, columns NO CL CW CE ES SS SR SA HS (reference §7.1)
        let original = ["CL CL CW CE ES CL CL SA CW", "CL CL CW CE ES SS SR SA CL", "CL CL CL CL CL CL CL CL CL",
                        "CL CL CW CE SS SS SR SA CL", "SA CL CW CE ES SA SA SA SA", "CL CL CW CE ES SS SR SA CL",
                        "CL CL CE CE ES SS SR SA CL", "CL CL CW ES ES SS SR SA CL", "CL CL CW CE ES SS SR CL CL",
                        "HS CL CW CE ES SS SR SA HS", "CL CL CW CE ES SS SR SA HS"]
        let reply = ["IV CL CW CE ES SS SR SA IV", "IV CW CW CE ES SS SR SA IV", "IV CL CL CL CL CL CL CL IV",
                     "IV CL CW CE SR SS SR SA IV", "IV CL CW CE ES SA SA SA IV", "IV CL CW CL ES SS SR SA IV",
                     "IV CL CE CE ES SS SR SA IV", "IV CL CW ES ES SS SR SA IV", "IV CL CW CE ES SS SR CL IV",
                     "IV CL CW CE ES SS SR SA HS", "IV CL CW CE ES SS SR SA ES"]
        let names = ["NO", "CL", "CW", "CE", "ES", "SS", "SR", "SA", "HS", "HA", "IV"]
        let chunkTypes: [UInt8] = [1, 2, 6, 7, 8, 9, 10, 11, 14, 4, 5]
        for (dir, rows) in [original, reply].enumerated() {
            for (r, row) in rows.enumerated() {
                for (col, want) in row.split(separator: " ").enumerated() {
                    let got = SCTPStateTable.next(direction: UInt8(dir), state: UInt8(col), chunkType: chunkTypes[r])
                    XCTAssertEqual(names[Int(got)], String(want), "dir \(dir) chunk \(chunkTypes[r]) state \(col)")
                }
            }
        }
        XCTAssertEqual(SCTPStateTable.next(direction: 0, state: 4, chunkType: 0), 4, "DATA keeps the state")
    }
}
