import XCTest
import Conntrack
import PacketBuilder
@testable import ConntrackEngine

/// Table limits, early drop, garbage collection, zones, marks, ids, statistics (§1.3, §2.5,
/// §2.6, §8, §12).
final class TableTests: XCTestCase {
    let a = Harness.a4, b = Harness.b4

    func udp(_ sport: UInt16, reply: Bool = false) -> [UInt8] {
        reply ? PacketBuilder.udp(from: b, 53, to: a, sport) : PacketBuilder.udp(from: a, sport, to: b, 53)
    }

    /// One hash bucket (`nf_conntrack_buckets=1`): every entry is on the new tuple's chain,
    /// and `early_drop` kills every non-ASSURED entry of the first bucket that has one
    /// (`early_drop_list` in nf_conntrack_core.c), not just one.
    func testEarlyDropEvictsEveryNonAssuredEntryOfTheBucket() {
        let h = Harness { $0.maxEntries = 3; $0.hashBuckets = 1 }
        for p: UInt16 in 1...3 { h.send(udp(p)) }
        _ = h.events
        let v = h.send(udp(4))
        XCTAssertEqual(v.state, .new)
        XCTAssertEqual(h.tracker.count, 1)
        XCTAssertEqual(h.tracker.statistics["early_drop"], 3)
        XCTAssertEqual(h.tracker.statistics["drop"], 0)
        XCTAssertEqual(h.events.map(\.type), [.destroy, .destroy, .destroy, .new])
        XCTAssertEqual(h.flows.map(\.original.sourcePort), [4])
    }

    /// ASSURED entries on the chain are skipped; the non-ASSURED ones go.
    func testEarlyDropSparesAssuredEntriesOfTheBucket() {
        let h = Harness { $0.maxEntries = 3; $0.hashBuckets = 1 }
        h.send(udp(1)); h.send(udp(1, reply: true)); h.wait(3); h.send(udp(1))  // ASSURED (stream)
        h.send(udp(2)); h.send(udp(3))
        XCTAssertEqual(h.flows.filter(\.assured).count, 1)
        let v = h.send(udp(4))
        XCTAssertEqual(v.state, .new)
        XCTAssertEqual(h.tracker.statistics["early_drop"], 2)
        XCTAssertEqual(Set(h.flows.map(\.original.sourcePort)), [1, 4])
    }

    /// The kernel's hash stays at its boot size (262,144 buckets here) when
    /// `nf_conntrack_max` is lowered: the 8 buckets early drop looks at are then almost
    /// always empty, nothing can be dropped and the new packet is (`drop`++).
    func testEarlyDropFindsNothingInSparseBuckets() {
        let h = Harness { $0.maxEntries = 3 }
        XCTAssertEqual(h.tracker.configuration.hashBuckets, 262_144)
        for p: UInt16 in 1...3 { h.send(udp(p)) }
        let v = h.send(udp(4))
        XCTAssertEqual(v.state, .invalid)
        XCTAssertEqual(v.reason, .tableFull)
        XCTAssertEqual(h.tracker.statistics["early_drop"], 0)
        XCTAssertEqual(h.tracker.statistics["drop"], 1)
        XCTAssertEqual(h.tracker.count, 3)
    }

    func testBucketsSysctl() throws {
        var c = TrackerConfiguration()
        try c.setSysctl("net.netfilter.nf_conntrack_buckets", 4096)
        XCTAssertEqual(c.hashBuckets, 4096)
        XCTAssertEqual(c.sysctl("net.netfilter.nf_conntrack_buckets"), 4096)
        XCTAssertThrowsError(try c.setSysctl("net.netfilter.nf_conntrack_buckets", 0))
    }

    func testTableFullOfAssuredDropsPacket() {
        let h = Harness { $0.maxEntries = 3 }
        for p: UInt16 in 1...3 { h.send(udp(p)); h.send(udp(p, reply: true)) }
        h.wait(3)
        for p: UInt16 in 1...3 { h.send(udp(p)) }
        XCTAssertEqual(h.flows.filter(\.assured).count, 3)
        let v = h.send(udp(9))
        XCTAssertEqual(v.state, .invalid)
        XCTAssertTrue(v.dropped)
        XCTAssertEqual(v.reason, .tableFull)
        XCTAssertEqual(h.tracker.statistics["drop"], 1)
        XCTAssertEqual(h.tracker.statistics["early_drop"], 0)
        XCTAssertEqual(h.tracker.count, 3)
        // Existing connections still work.
        XCTAssertEqual(h.send(udp(1)).state, .established)
    }

    func testGCEvictsClosingAssuredEntriesAfterTableFull() {
        // 20 assured TCP connections, 10 of them in TIME_WAIT; the table is full. A new
        // connection is dropped, then the GC worker evicts the droppable (closing) ones.
        let h = Harness { $0.maxEntries = 20 }
        for i in 0..<20 {
            let a = IPAddress(ipv4: 0x0a00_0100 | UInt32(i))
            let b = Harness.b4
            h.send(PacketBuilder.tcp(from: a, 1000, to: b, 80, seq: 1, flags: .syn))
            h.send(PacketBuilder.tcp(from: b, 80, to: a, 1000, seq: 9, ack: 2, flags: .synAck))
            h.send(PacketBuilder.tcp(from: a, 1000, to: b, 80, seq: 2, ack: 10, flags: .ack))
            if i < 10 {
                h.send(PacketBuilder.tcp(from: a, 1000, to: b, 80, seq: 2, ack: 10, flags: .finAck))
                h.send(PacketBuilder.tcp(from: b, 80, to: a, 1000, seq: 10, ack: 3, flags: .finAck))
                h.send(PacketBuilder.tcp(from: a, 1000, to: b, 80, seq: 3, ack: 11, flags: .ack))
            }
        }
        XCTAssertEqual(h.flows.filter(\.assured).count, 20)
        XCTAssertEqual(h.tracker.count, 20)
        let v = h.send(PacketBuilder.udp(from: Harness.a4, 9, to: Harness.b4, 9))
        XCTAssertTrue(v.dropped)
        h.wait(0.01)
        h.send(PacketBuilder.udp(from: Harness.a4, 9, to: Harness.b4, 9, checksum: .corrupt))
        XCTAssertEqual(h.tracker.count, 10, "GC evicted the 10 TIME_WAIT entries")
        XCTAssertEqual(h.tracker.statistics["early_drop"], 0)
        XCTAssertEqual(h.send(PacketBuilder.udp(from: Harness.a4, 9, to: Harness.b4, 9)).state, .new)
    }

    func testMaxZeroIsUnlimited() throws {
        let h = Harness()
        try h.tracker.setSysctl("net.netfilter.nf_conntrack_max", 0)
        for p: UInt16 in 1...3000 { h.send(udp(p)) }
        XCTAssertEqual(h.tracker.count, 3000)
        XCTAssertEqual(h.flows.count, 3000)
        // Every one is found again in the reply direction.
        for p: UInt16 in 1...3000 { XCTAssertEqual(h.send(udp(p, reply: true)).state, .established) }
    }

    func testIncrementalGCReapsExpiredEntries() {
        let h = Harness()
        for p: UInt16 in 1...10 { h.send(udp(p)) }
        _ = h.events
        h.wait(31)
        let bad = PacketBuilder.udp(from: a, 1, to: b, 2, checksum: .corrupt)
        for _ in 0..<3 { h.send(bad) }
        XCTAssertEqual(h.tracker.count, 0, "bounded GC work per packet reaps the table")
        XCTAssertEqual(h.events.filter { $0.type == .destroy }.count, 10)
    }

    func testExpiredEntryMatchedByLookupIsReplaced() {
        let h = Harness()
        h.send(udp(1))
        _ = h.events
        h.wait(40)
        XCTAssertEqual(h.send(udp(1)).state, .new)
        XCTAssertEqual(h.events.map(\.type), [.destroy, .new])
    }

    func testZonesSeparateTables() {
        let h = Harness()
        XCTAssertEqual(h.send(udp(1), PacketMetadata(zone: Zone(id: 1))).state, .new)
        XCTAssertEqual(h.send(udp(1), PacketMetadata(zone: Zone(id: 2))).state, .new)
        XCTAssertEqual(h.send(udp(1)).state, .new)
        XCTAssertEqual(h.tracker.count, 3)
        XCTAssertEqual(Set(h.flows.map { $0.zone }), [1, 2, nil])
        XCTAssertEqual(h.send(udp(1, reply: true), PacketMetadata(zone: Zone(id: 2))).state, .established)
        let z2 = h.flows.first { $0.zone == 2 }
        XCTAssertEqual(z2?.unreplied, false)
    }

    func testDirectionalZone() {
        let h = Harness()
        let m = PacketMetadata(zone: Zone(id: 7, directions: .original))
        h.send(udp(1), m)
        let f = h.only()
        XCTAssertEqual(f?.original.zone, 7)
        XCTAssertNil(f?.reply.zone)
        XCTAssertNil(f?.zone)
        XCTAssertEqual(h.send(udp(1, reply: true), m).state, .established)
    }

    func testMarkSetAndEvents() {
        let h = Harness()
        h.send(udp(1), PacketMetadata(setMark: 5))
        XCTAssertEqual(h.only()?.mark, 5)
        h.send(udp(1, reply: true), PacketMetadata(setMark: 6))
        let e = h.events
        XCTAssertEqual(e.first?.flow.mark, 5)
        XCTAssertEqual(e.last?.flow.mark, 6)
        XCTAssertEqual(h.only()?.mark, 6)
    }

    func testIDsAreStableAndDistinct() {
        let h = Harness()
        h.send(udp(1)); h.send(udp(2))
        let ids = h.flows.compactMap(\.id)
        XCTAssertEqual(Set(ids).count, 2)
        h.send(udp(1, reply: true))
        XCTAssertEqual(Set(h.flows.compactMap(\.id)), Set(ids))
    }

    func testTimestamps() {
        let h = Harness { $0.timestamps = true }
        let t0 = h.now
        h.send(udp(1))
        h.wait(5)
        h.send(udp(1, reply: true))
        XCTAssertEqual(h.only()?.timestamps?.start, t0)
        XCTAssertNil(h.only()?.timestamps?.stop)
    }

    func testLookupByTuple() {
        let h = Harness()
        h.send(udp(1))
        let t = Tuple(source: a, destination: b, protocol: 17, sourcePort: 1, destinationPort: 53)
        XCTAssertEqual(h.tracker.flow(matching: t, now: h.now)?.original, t)
        XCTAssertEqual(h.tracker.flow(matching: t.inverted(), now: h.now)?.original, t)
        XCTAssertNil(h.tracker.flow(matching: t, zone: 3, now: h.now))
    }

    func testStatisticsFields() {
        let h = Harness()
        let s = h.tracker.statistics
        for name in ["found", "invalid", "insert", "insert_failed", "drop", "early_drop", "error",
                     "search_restart", "clash_resolve", "chaintoolong"] {
            XCTAssertEqual(s[name], 0, name)
        }
        XCTAssertNil(s["searched"])
        h.send([0x45, 0])
        XCTAssertEqual(h.tracker.statistics["invalid"], 1)
        XCTAssertEqual(h.tracker.counters[.truncatedIPHeader], 1)
    }

    func testNotrackIsUntracked() {
        let h = Harness()
        XCTAssertEqual(h.send(udp(1), PacketMetadata(notrack: true)).state, .untracked)
        XCTAssertEqual(h.tracker.count, 0)
    }

    func testEventQueueLimitCountsLostEvents() {
        let h = Harness { $0.eventQueueLimit = 3 }
        for p: UInt16 in 1...5 { h.send(udp(p)) }
        XCTAssertEqual(h.events.count, 3)
        XCTAssertEqual(h.tracker.counters.eventsLost, 2)
        h.send(udp(9))
        XCTAssertEqual(h.events.count, 1, "draining makes room again")
    }

    func testNoEventsWithoutListener() {
        let h = Harness { $0.hasEventListener = false }
        h.send(udp(1))
        XCTAssertTrue(h.events.isEmpty)
        let h1 = Harness { $0.events = 0 }
        h1.send(udp(1))
        XCTAssertTrue(h1.events.isEmpty)
    }

    func testDeleteOne() {
        let h = Harness()
        let v = h.send(udp(1))
        h.send(udp(2))
        _ = h.events
        XCTAssertTrue(h.tracker.delete(v.connection!, now: h.now))
        XCTAssertFalse(h.tracker.delete(v.connection!, now: h.now))
        XCTAssertEqual(h.tracker.count, 1)
        XCTAssertEqual(h.events.map(\.type), [.destroy])
    }

    func testFlushDestroysAll() {
        let h = Harness()
        for p: UInt16 in 1...5 { h.send(udp(p)) }
        _ = h.events
        h.tracker.flush(now: h.now)
        XCTAssertEqual(h.tracker.count, 0)
        XCTAssertEqual(h.events.count, 5)
    }

    func testSlotsAreReusedAfterDeletion() {
        let h = Harness()
        for round in 0..<5 {
            for p: UInt16 in 1...500 { h.send(udp(p &+ UInt16(round) &* 1000)) }
            h.wait(31)
            h.tracker.advance(to: h.now)
            XCTAssertEqual(h.tracker.count, 0)
        }
        for p: UInt16 in 1...500 { h.send(udp(p)) }
        XCTAssertEqual(h.flows.count, 500)
    }
}

final class ParsingTests: XCTestCase {
    func testIPv6ExtensionHeadersAreWalked() {
        let h = Harness()
        var ip = IPOptions()
        ip.ipv6ExtensionHeaders = [(type: 0, body: [1, 4, 0, 0, 0, 0]), (type: 60, body: [1, 4, 0, 0, 0, 0])]
        let v = h.send(PacketBuilder.udp(from: Harness.a6, 1, to: Harness.b6, 2, ip: ip))
        XCTAssertEqual(v.state, .new)
        XCTAssertEqual(h.only()?.original.destinationPort, 2)
    }

    func testNoNextHeaderIsInvalid() {
        let h = Harness()
        var ip = IPOptions()
        ip.ipv6ExtensionHeaders = [(type: 60, body: [1, 4, 0, 0, 0, 0])]
        let v = h.send(PacketBuilder.ip(from: Harness.a6, to: Harness.b6, protocol: 59, payload: [], options: ip))
        XCTAssertEqual(v.reason, .ipv6ExtensionHeaders)
    }

    func testTruncatedAndBadLengths() {
        let h = Harness()
        XCTAssertEqual(h.send([]).reason, .truncatedIPHeader)
        XCTAssertEqual(h.send([0x45] + Array(repeating: 0, count: 10)).reason, .truncatedIPHeader)
        var ip = IPOptions()
        ip.lengthOverride = 2000
        // A length beyond the frame is dropped by the IP layer (not counted: see KernelAgreementTests).
        XCTAssertEqual(h.send(PacketBuilder.udp(from: Harness.a4, 1, to: Harness.b4, 2, ip: ip)).reason, .ipLengthExceedsPacket)
        // Short layer 4: 2 bytes of UDP.
        let short = PacketBuilder.ip(from: Harness.a4, to: Harness.b4, protocol: 17, payload: [0, 1])
        XCTAssertEqual(h.send(short).reason, .truncatedL4Header)
        XCTAssertEqual(h.tracker.statistics["invalid"], 3)
    }

    func testBadIPv4HeaderChecksumIsDroppedBeforeConntrack() {
        let h = Harness()
        var ip = IPOptions()
        ip.headerChecksum = .corrupt
        let v = h.send(PacketBuilder.udp(from: Harness.a4, 1, to: Harness.b4, 2, ip: ip))
        XCTAssertEqual(v.reason, .badIPChecksum)
        XCTAssertTrue(v.dropped)
        XCTAssertEqual(h.tracker.statistics["invalid"], 0, "the IP layer drops it; conntrack counts nothing")
        XCTAssertEqual(h.tracker.count, 0)
        XCTAssertEqual(h.send(PacketBuilder.udp(from: Harness.a4, 1, to: Harness.b4, 2, ip: ip),
                              PacketMetadata(hook: .localOut)).state, .new)
    }

    func testTrailingBytesBeyondTotalLengthAreIgnored() {
        let h = Harness { $0.accounting = true }
        let p = PacketBuilder.udp(from: Harness.a4, 1, to: Harness.b4, 2, payload: [1]) + [0, 0, 0, 0]
        XCTAssertEqual(h.send(p).state, .new)
        XCTAssertEqual(h.only()?.countersOriginal?.bytes, 29)
    }
}

final class BatchTests: XCTestCase {
    func testBatchGivesSameVerdictsAsSingleCallsOnALargeTable() {
        // Above 16384 entries the batch path warms caches first: results must not change.
        var packets: [[UInt8]] = []
        for i in 0..<20_000 {
            let c = IPAddress(ipv4: 0x0a00_0000 | UInt32(i)), s = Harness.b4
            packets.append(PacketBuilder.udp(from: c, 1000, to: s, 53))
        }
        for i in stride(from: 0, to: 20_000, by: 3) {
            let c = IPAddress(ipv4: 0x0a00_0000 | UInt32(i)), s = Harness.b4
            packets.append(PacketBuilder.udp(from: s, 53, to: c, 1000))
            packets.append(PacketBuilder.tcp(from: c, 7, to: s, 80, seq: 1, flags: .syn))
        }
        compare(packets)
    }

    /// What a tracker made of a packet sequence.
    struct Outcome {
        var verdicts: [Verdict] = []
        var events: [Event] = []
        var flows: [Flow] = []
        var count = 0
    }

    /// Runs `packets`, `gap` ns apart, through one tracker packet by packet and through
    /// another by `processBatch` in calls of at most `batch` packets, events drained after
    /// every packet and every call.
    func runBoth(_ packets: [[UInt8]], gap: UInt64, batch: Int = .max,
                 _ configure: (inout TrackerConfiguration) -> Void = { _ in }) -> (single: Outcome, batched: Outcome) {
        let single = Harness(configure), batched = Harness(configure)
        var one = Outcome(), many = Outcome()
        for p in packets {
            one.verdicts.append(single.send(p))
            single.now += gap
            single.tracker.drainEvents { one.events.append($0) }
        }
        let times = (0..<packets.count).map { batched.now + UInt64($0) * gap }
        many.verdicts = [Verdict](repeating: Verdict(state: .invalid), count: packets.count)
        let copies = packets.map { p -> UnsafeMutableRawBufferPointer in
            let b = UnsafeMutableRawBufferPointer.allocate(byteCount: p.count, alignment: 8)
            b.copyBytes(from: p)
            return b
        }
        defer { for c in copies { c.deallocate() } }
        let raws = copies.map { UnsafeRawBufferPointer($0) }
        raws.withUnsafeBufferPointer { pb in
            times.withUnsafeBufferPointer { tb in
                many.verdicts.withUnsafeMutableBufferPointer { vb in
                    var k = 0
                    while k < pb.count {
                        let e = k + min(pb.count - k, batch)
                        batched.tracker.processBatch(UnsafeBufferPointer(rebasing: pb[k..<e]),
                                                     now: UnsafeBufferPointer(rebasing: tb[k..<e]),
                                                     verdicts: UnsafeMutableBufferPointer(rebasing: vb[k..<e]))
                        batched.tracker.drainEvents { many.events.append($0) }
                        k = e
                    }
                }
            }
        }
        batched.now += UInt64(packets.count) * gap  // where `single` stands after its last packet
        one.flows = single.flows; one.count = single.tracker.count
        many.flows = batched.flows; many.count = batched.tracker.count
        return (one, many)
    }

    func compare(_ packets: [[UInt8]], file: StaticString = #filePath, line: UInt = #line) {
        let (single, batched) = runBoth(packets, gap: 10_000)
        XCTAssertEqual(batched.verdicts, single.verdicts, file: file, line: line)
        XCTAssertEqual(batched.count, single.count, file: file, line: line)
    }

    func testBatchGivesSameVerdictsAsSingleCalls() {
        var packets: [[UInt8]] = []
        for i in 0..<100 {
            let c = IPAddress(ipv4: 0x0a00_0000 | UInt32(i % 37)), s = Harness.b4
            packets.append(PacketBuilder.udp(from: c, UInt16(1000 + i % 13), to: s, 53))
            packets.append(PacketBuilder.udp(from: s, 53, to: c, UInt16(1000 + i % 13)))
            packets.append(PacketBuilder.tcp(from: c, UInt16(2000 + i % 7), to: s, 80, seq: 1, flags: i % 3 == 0 ? .syn : .ack))
        }
        packets.append([0x45, 0, 0])
        let (single, batched) = runBoth(packets, gap: 10_000_000)
        XCTAssertEqual(batched.verdicts, single.verdicts)
        XCTAssertEqual(batched.count, single.count)
    }

    /// The batch pipeline against packet-by-packet processing on traffic that goes through
    /// the fast path and out of it: 400 TCP connections (handshake, data both ways, pure
    /// ACKs, a duplicate, an out-of-window ACK, FIN close or RST) and UDP, interleaved at
    /// random so one batch holds connections at every stage, creating and deleting entries
    /// while later packets of the batch are being prefetched. Verdicts, the dumped table
    /// (tuples, state, timeout, counters) and the event stream must be identical.
    func testBatchMatchesSingleCallsOnInterleavedLifecycles() {
        var rng: UInt64 = 0x2545_f491_4f6c_dd1d
        func next() -> UInt64 { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng }
        let s = Harness.b4
        var scripts: [[[UInt8]]] = []
        for i in 0..<400 {
            let c = IPAddress(ipv4: 0x0a50_0000 | UInt32(i)), port = UInt16(20_000 + i)
            let cs: UInt32 = 1000 &* UInt32(i + 1), ss: UInt32 = 700_000 &+ 77 &* UInt32(i)
            let data: [UInt8] = Array(repeating: 0x61, count: 1 + i % 50)
            var p: [[UInt8]] = [
                PacketBuilder.tcp(from: c, port, to: s, 80, seq: cs, flags: .syn),
                PacketBuilder.tcp(from: s, 80, to: c, port, seq: ss, ack: cs + 1, flags: [.syn, .ack]),
                PacketBuilder.tcp(from: c, port, to: s, 80, seq: cs + 1, ack: ss + 1, flags: .ack),
            ]
            var cseq = cs + 1, sseq = ss + 1
            for _ in 0..<(2 + i % 5) {
                p.append(PacketBuilder.tcp(from: c, port, to: s, 80, seq: cseq, ack: sseq, flags: [.psh, .ack], payload: data))
                cseq += UInt32(data.count)
                p.append(PacketBuilder.tcp(from: s, 80, to: c, port, seq: sseq, ack: cseq, flags: .ack))
                p.append(PacketBuilder.tcp(from: c, port, to: s, 80, seq: cseq, ack: sseq, flags: .ack))
                p.append(PacketBuilder.tcp(from: s, 80, to: c, port, seq: sseq, ack: cseq, flags: [.psh, .ack], payload: data))
                sseq += UInt32(data.count)
                p.append(PacketBuilder.tcp(from: c, port, to: s, 80, seq: cseq, ack: sseq, flags: .ack))
            }
            if i % 7 == 0 { p.append(p[p.count - 1]) }  // an identical retransmission
            if i % 11 == 0 {  // far outside the window: invalid, and the fast path must not take it
                p.append(PacketBuilder.tcp(from: c, port, to: s, 80, seq: cseq &+ 0x4000_0000, ack: sseq, flags: .ack))
            }
            if i % 5 == 0 {
                p.append(PacketBuilder.tcp(from: c, port, to: s, 80, seq: cseq, flags: .rst))
            } else {
                p.append(PacketBuilder.tcp(from: c, port, to: s, 80, seq: cseq, ack: sseq, flags: [.fin, .ack]))
                p.append(PacketBuilder.tcp(from: s, 80, to: c, port, seq: sseq, ack: cseq + 1, flags: [.fin, .ack]))
                p.append(PacketBuilder.tcp(from: c, port, to: s, 80, seq: cseq + 1, ack: sseq + 1, flags: .ack))
            }
            scripts.append(p)
            if i % 4 == 0 {
                scripts.append([PacketBuilder.udp(from: c, 5000, to: s, 53), PacketBuilder.udp(from: s, 53, to: c, 5000),
                                PacketBuilder.udp(from: c, 5000, to: s, 53)])
            }
        }
        // Interleave: repeatedly take the next packet of a random unfinished script.
        var cursors = [Int](repeating: 0, count: scripts.count)
        var live = Array(scripts.indices)
        var packets: [[UInt8]] = []
        while !live.isEmpty {
            let k = Int(next() % UInt64(live.count))
            let j = live[k]
            packets.append(scripts[j][cursors[j]])
            cursors[j] += 1
            if cursors[j] == scripts[j].count { live.swapAt(k, live.count - 1); live.removeLast() }
        }

        // Batches of 64 with the events drained between them, as a dataplane would.
        let (single, batched) = runBoth(packets, gap: 10_000, batch: 64) { $0.accounting = true }
        XCTAssertEqual(batched.verdicts, single.verdicts)
        XCTAssertGreaterThan(single.verdicts.filter { $0.state == .invalid }.count, 0, "the out-of-window ACKs are invalid")
        XCTAssertGreaterThan(single.verdicts.filter { $0.state == .established }.count, packets.count / 2)
        XCTAssertEqual(batched.flows, single.flows)
        XCTAssertEqual(batched.events, single.events)
        XCTAssertGreaterThan(single.events.count, 800)
    }
}
