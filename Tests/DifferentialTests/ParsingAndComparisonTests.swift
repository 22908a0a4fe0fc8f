import XCTest
import Conntrack
import ConntrackEngine
import PacketBuilder

/// The comparison machinery itself, without a kernel: lines printed by conntrack-tools
/// 1.4.7 on Linux 6.18 (recorded from the router namespace) parse into the right
/// fields, and the comparison reports differences when there are some.
final class ParsingAndComparisonTests: XCTestCase {
    let tcpLine = "ipv4     2 tcp      6 431999 ESTABLISHED src=10.88.1.5 dst=10.88.2.5 sport=40000 dport=80 packets=2 bytes=80 src=10.88.2.5 dst=10.88.1.5 sport=80 dport=40000 packets=1 bytes=40 [ASSURED] mark=0 use=1"

    func testParsesListingLine() throws {
        let e = try KernelEntry(line: tcpLine)
        XCTAssertNil(e.eventType)
        XCTAssertEqual(e.family, .ipv4)
        XCTAssertEqual(e.proto, 6)
        XCTAssertEqual(e.timeout, 431_999)
        XCTAssertEqual(e.state, "ESTABLISHED")
        XCTAssertEqual(e.original, Tuple(source: IPAddress("10.88.1.5")!, destination: IPAddress("10.88.2.5")!,
                                         protocol: 6, sourcePort: 40000, destinationPort: 80))
        XCTAssertEqual(e.reply, e.original.inverted())
        XCTAssertEqual(e.countersOriginal, Counters(packets: 2, bytes: 80))
        XCTAssertEqual(e.countersReply, Counters(packets: 1, bytes: 40))
        XCTAssertFalse(e.unreplied)
        XCTAssertTrue(e.assured)
        XCTAssertEqual(e.mark, 0)
        XCTAssertNil(e.zone)
        XCTAssertEqual(e.summary, "tcp ESTABLISHED assured")
    }

    func testParsesEventLinesOfEveryShape() throws {
        let icmp = try KernelEntry(line: "[1795553005.999650]\t    [NEW] ipv4     2 icmp     1 30 src=10.77.1.2 dst=10.77.2.2 type=8 code=0 id=8201 [UNREPLIED] src=10.77.2.2 dst=10.77.1.2 type=0 code=0 id=8201")
        XCTAssertEqual(icmp.eventType, .new)
        XCTAssertEqual(icmp.eventTime, 1_795_553_005_999_650_000)
        XCTAssertEqual(icmp.original.icmpType, 8)
        XCTAssertEqual(icmp.original.icmpID, 8201)
        XCTAssertEqual(icmp.reply.icmpType, 0)
        XCTAssertTrue(icmp.unreplied)
        XCTAssertNil(icmp.state)

        let gre = try KernelEntry(line: "ipv4     2 gre      47 29 src=10.88.1.5 dst=10.88.2.5 srckey=0x0 dstkey=0x1234 packets=1 bytes=48 [UNREPLIED] src=10.88.2.5 dst=10.88.1.5 srckey=0x1234 dstkey=0x0 packets=0 bytes=0 mark=0 use=1")
        XCTAssertEqual(gre.original.destinationPort, 0x1234)
        XCTAssertEqual(gre.reply.sourcePort, 0x1234)

        let zoned = try KernelEntry(line: "[1795554306.655431]\t [UPDATE] ipv4     2 udp      17 30 src=10.88.5.5 dst=10.88.2.5 sport=41000 dport=53 src=10.88.2.5 dst=10.88.5.5 sport=53 dport=41000 zone=5")
        XCTAssertEqual(zoned.eventType, .update)
        XCTAssertEqual(zoned.zone, 5)
        XCTAssertEqual(zoned.timeout, 30)

        let v6 = try KernelEntry(line: "ipv6     10 icmpv6   58 29 src=fd77:1::2 dst=fd77:2::2 type=128 code=0 id=8141 packets=1 bytes=104 src=fd77:2::2 dst=fd77:1::2 type=129 code=0 id=8141 packets=1 bytes=104 mark=0 use=1")
        XCTAssertEqual(v6.family, .ipv6)
        XCTAssertEqual(v6.reply.icmpType, 129)

        XCTAssertThrowsError(try KernelEntry(line: "conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown."))
    }

    /// The engine fed a handshake without its last ACK must disagree with the kernel's
    /// entry for the full handshake: the comparison can fail.
    func testComparisonReportsDifferences() throws {
        let c = TCPTalk()
        let steps = c.handshake
        let t0: UInt64 = 1_000_000_000_000
        let packets = steps.enumerated().map { ReceivedPacket(time: t0 + UInt64($0.offset) * 4_000_000, side: $0.element.side,
                                                              ip: $0.element.packets[0]) }
        let kernel = [try KernelEntry(line: tcpLine)]
        let full = try runEngine(knobs: [], packets: packets, listedAt: t0 + 50_000_000)
        XCTAssertEqual(Comparison.tables(kernel: kernel, engine: full.flows), [],
                       "a correct engine agrees with the recorded kernel entry")
        let partial = try runEngine(knobs: [], packets: Array(packets.dropLast()), listedAt: t0 + 50_000_000)
        let diffs = Comparison.tables(kernel: kernel, engine: partial.flows)
        XCTAssertEqual(diffs.count, 1)
        XCTAssertTrue(diffs.first?.contains("state: kernel ESTABLISHED, engine SYN_RECV") ?? false, "\(diffs)")
        XCTAssertEqual(Comparison.tables(kernel: kernel, engine: []).first?.hasPrefix("missing in engine") ?? false, true)
    }

    func testMergedEventMatching() {
        func s(_ t: EventType, _ st: String?) -> Comparison.EventShape {
            Comparison.EventShape(type: t, state: st, unreplied: false, assured: true)
        }
        let engine = [s(.new, "SYN_SENT"), s(.update, "ESTABLISHED"), s(.update, "FIN_WAIT"), s(.update, "LAST_ACK"),
                      s(.update, "TIME_WAIT")]
        XCTAssertTrue(Comparison.mergedMatch(engine, engine))
        // merged (FIN_WAIT's bits delivered with LAST_ACK's) and late snapshot
        XCTAssertTrue(Comparison.mergedMatch([engine[0], engine[1], engine[3], engine[4]], engine))
        XCTAssertTrue(Comparison.mergedMatch([engine[0], engine[1], engine[3], engine[3], engine[4]], engine))
        // a missing NEW, a wrong order or a missing last event are differences
        XCTAssertFalse(Comparison.mergedMatch(Array(engine.dropFirst()), engine))
        XCTAssertFalse(Comparison.mergedMatch([engine[0], engine[3], engine[2], engine[4]], engine))
        XCTAssertFalse(Comparison.mergedMatch(Array(engine.dropLast()), engine))
    }

    /// Events of a handshake as `conntrack -E -o timestamp,extended` printed them.
    let handshakeEvents = [
        "[1795553228.589089]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.88.1.5 dst=10.88.2.5 sport=40000 dport=80 [UNREPLIED] src=10.88.2.5 dst=10.88.1.5 sport=80 dport=40000",
        "[1795553228.593229]\t [UPDATE] ipv4     2 tcp      6 60 SYN_RECV src=10.88.1.5 dst=10.88.2.5 sport=40000 dport=80 src=10.88.2.5 dst=10.88.1.5 sport=80 dport=40000",
        "[1795553228.597387]\t [UPDATE] ipv4     2 tcp      6 432000 ESTABLISHED src=10.88.1.5 dst=10.88.2.5 sport=40000 dport=80 src=10.88.2.5 dst=10.88.1.5 sport=80 dport=40000 [ASSURED]",
    ]

    func testEventComparisonIsStrict() throws {
        let kernel = try handshakeEvents.map { try KernelEntry(line: $0) }
        let t0: UInt64 = 1_000_000_000_000
        let packets = TCPTalk().handshake.enumerated().map {
            ReceivedPacket(time: t0 + UInt64($0.offset) * 4_000_000, side: $0.element.side, ip: $0.element.packets[0])
        }
        let engine = try runEngine(knobs: [], packets: packets, listedAt: t0 + 50_000_000)
        XCTAssertEqual(Comparison.events(kernel: kernel, engine: engine.events), [])
        var late = engine.events
        late[1].flow.timeout = 120
        XCTAssertFalse(Comparison.events(kernel: kernel, engine: late).isEmpty, "a wrong timeout is a difference")
        var noState = engine.events
        noState[2].flow.protoInfo = nil
        XCTAssertFalse(Comparison.events(kernel: kernel, engine: noState).isEmpty, "a missing state is a difference")
        XCTAssertFalse(Comparison.events(kernel: kernel, engine: Array(engine.events.dropLast())).isEmpty)
    }
}
