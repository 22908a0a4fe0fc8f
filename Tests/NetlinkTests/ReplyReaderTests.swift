import XCTest
@testable import Netlink

/// The reply state machine fed with hand-built datagrams (the layout of
/// linux/netlink.h): ACKs, errors, DONE, NLM_F_DUMP_INTR, malformed messages.
final class ReplyReaderTests: XCTestCase {
    func message(_ b: inout MessageBuilder, type: UInt16, flags: MessageFlags = .multi, seq: UInt32 = 7, payload: [UInt8] = [2, 0, 0, 0]) {
        b.beginMessage(type: type, flags: flags, sequence: seq)
        b.append(bytes: payload)
        b.endMessage()
    }

    func errorPayload(_ errno: Int32) -> [UInt8] {
        withUnsafeBytes(of: -errno) { Array($0) } + [UInt8](repeating: 0, count: 16)
    }

    func feed(_ reader: inout ReplyReader, _ b: MessageBuilder, _ body: (NetlinkMessage) throws -> Bool = { _ in true }) throws -> Bool {
        try b.bytes.withUnsafeBytes { try reader.consume($0, body) }
    }

    func testDumpAcrossDatagramsEndsAtDone() throws {
        var r = ReplyReader(sequence: 7, operation: "dump", isDump: true)
        var seen = 0
        var d1 = MessageBuilder()
        message(&d1, type: 0x0100)
        message(&d1, type: 0x0100)
        message(&d1, type: 0x0100, seq: 6)      // stale: ignored
        XCTAssertFalse(try feed(&r, d1) { _ in seen += 1; return true })
        var d2 = MessageBuilder()
        message(&d2, type: 0x0100)
        message(&d2, type: NetlinkConstants.done, payload: [0, 0, 0, 0])
        XCTAssertTrue(try feed(&r, d2) { _ in seen += 1; return true })
        XCTAssertEqual(seen, 3)
        XCTAssertEqual(r.malformed, 0)
    }

    func testDumpInterruptedIsReportedAfterDraining() throws {
        var r = ReplyReader(sequence: 7, operation: "dump", isDump: true)
        var seen = 0
        var d = MessageBuilder()
        message(&d, type: 0x0100)
        message(&d, type: 0x0100, flags: [.multi, .dumpInterrupted])
        message(&d, type: 0x0100)
        XCTAssertFalse(try feed(&r, d) { _ in seen += 1; return true })
        XCTAssertEqual(seen, 1)
        XCTAssertTrue(r.interrupted)
        var done = MessageBuilder()
        message(&done, type: NetlinkConstants.done, payload: [0, 0, 0, 0])
        XCTAssertThrowsError(try feed(&r, done)) { e in
            XCTAssertEqual((e as? NetlinkError)?.kind, .dumpInterrupted)
            XCTAssertEqual((e as? NetlinkError)?.errno, EINTR)
        }
    }

    func testKernelErrorAndAck() throws {
        var r = ReplyReader(sequence: 7, operation: "create", isDump: false)
        var e = MessageBuilder()
        message(&e, type: NetlinkConstants.error, flags: [], payload: errorPayload(EEXIST))
        XCTAssertThrowsError(try feed(&r, e)) { err in
            XCTAssertEqual(err as? NetlinkError, NetlinkError(errno: EEXIST, operation: "create", kind: .kernel))
        }
        var ok = ReplyReader(sequence: 7, operation: "get", isDump: false)
        var a = MessageBuilder()
        message(&a, type: 0x0100, flags: [])
        message(&a, type: NetlinkConstants.error, flags: [], payload: errorPayload(0))
        var got = 0
        XCTAssertTrue(try feed(&ok, a) { _ in got += 1; return true })
        XCTAssertEqual(got, 1)
    }

    func testRefusedAndBadlyFramedMessagesAreCountedNotFatal() throws {
        var r = ReplyReader(sequence: 7, operation: "dump", isDump: true)
        var d = MessageBuilder()
        message(&d, type: 0x0100)
        message(&d, type: 0x0100)
        var bytes = d.bytes
        bytes += [0xff, 0, 0, 0, 0, 1, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0]  // claims 255 bytes
        var calls = 0
        let finished = try bytes.withUnsafeBytes { raw in
            try r.consume(raw) { _ in calls += 1; return calls != 1 }   // refuse the first
        }
        XCTAssertFalse(finished)
        XCTAssertEqual(calls, 2)
        XCTAssertEqual(r.malformed, 2)   // one refused, one badly framed datagram tail
    }

    func testBodyErrorIsThrownAfterTheDumpIsDrained() throws {
        struct Stop: Error {}
        var r = ReplyReader(sequence: 7, operation: "dump", isDump: true)
        var d = MessageBuilder()
        message(&d, type: 0x0100)
        message(&d, type: 0x0100)
        XCTAssertFalse(try feed(&r, d) { _ in throw Stop() })
        var done = MessageBuilder()
        message(&done, type: NetlinkConstants.done, payload: [0, 0, 0, 0])
        XCTAssertThrowsError(try feed(&r, done)) { XCTAssertTrue($0 is Stop) }
    }
}
