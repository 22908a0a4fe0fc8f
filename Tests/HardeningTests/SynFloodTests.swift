import Conntrack
import ConntrackEngine
import XCTest

/// SYN flood against a full table (kernel-conntrack.md 2.5): when the table is full, a new
/// entry early-drops the non-ASSURED entries of the first of 8 bucket groups that has one
/// (`early_drop` += number dropped); if none has one, the packet is dropped (`drop`++).
/// ASSURED entries are never early-dropped.
final class SynFloodTests: XCTestCase {
    static let second: UInt64 = 1_000_000_000

    func makeTracker(max: Int) throws -> Tracker {
        let t = Tracker(seed: 0x5f10)
        try t.setSysctl("nf_conntrack_max", max)
        try t.setSysctl("nf_conntrack_checksum", 0)
        return t
    }

    /// Floods `count` SYNs from distinct sources (172.16.0.0/12, random ports), 10 µs apart.
    func flood(_ t: Tracker, count: Int, start: UInt64, maxEntries: Int, rng: inout SplitMix64) -> UInt64 {
        var p = FloodPackets.synTemplate()
        var now = start
        var peak = 0
        p.withUnsafeMutableBytes { buf in
            for i in 0..<count {
                FloodPackets.setSource(buf, address: 0xac10_0000 | UInt32(i & 0xfffff), port: UInt16.random(in: 1024...65535, using: &rng))
                now += 10_000
                _ = t.process(UnsafeRawBufferPointer(buf), now: now)
                if i & 1023 == 0 { peak = max(peak, t.count) }
            }
        }
        XCTAssertLessThanOrEqual(max(peak, t.count), maxEntries, "the table grew past nf_conntrack_max")
        return now
    }

    func testAssuredEntriesSurviveAndUnrepliedAreEarlyDropped() throws {
        let max = 4096, assured = 1000, syns = 100_000
        let t = try makeTracker(max: max)
        var now = 10 * Self.second
        for i in 0..<assured { FloodPackets.handshake(t, i, now: now) }
        for i in 0..<assured {
            let f = try XCTUnwrap(t.flow(matching: FloodPackets.originalTuple(i), now: now), "client \(i)")
            XCTAssertTrue(f.status?.contains(.assured) ?? false, "client \(i) not ASSURED after the handshake")
        }
        let before = t.counters
        var rng = SplitMix64(state: 1)
        now = flood(t, count: syns, start: now, maxEntries: max, rng: &rng)
        let c = t.counters

        var lost = 0
        for i in 0..<assured {
            guard let f = t.flow(matching: FloodPackets.originalTuple(i), now: now) else { lost += 1; continue }
            XCTAssertTrue(f.status?.contains(.assured) ?? false)
        }
        XCTAssertEqual(lost, 0, "ASSURED entries early-dropped")
        // The table filled up, so almost every SYN past the first (max - assured) needed a
        // victim: early drop at allocation, or the GC worker's eviction once a drop set its
        // early_drop flag (nothing expires within the flood's second).
        let earlyDrops = c.earlyDrop - before.earlyDrop
        let drops = c.drop - before.drop
        let created = c.created - before.created
        let gcEvicted = Int64(assured) + Int64(created) - Int64(earlyDrops) - Int64(t.count)
        XCTAssertGreaterThanOrEqual(gcEvicted, 0)
        XCTAssertGreaterThan(earlyDrops, 0)
        XCTAssertGreaterThanOrEqual(Int64(earlyDrops + drops) + gcEvicted, Int64(syns - (max - assured)),
                                    "every SYN beyond the free room made room (early drop, GC) or was dropped")
        // Every SYN was either inserted or dropped (a packet dropped for a full table makes no entry).
        XCTAssertEqual(c.created - before.created, UInt64(syns) - drops)
        XCTAssertLessThanOrEqual(t.count, max)
        XCTAssertEqual(t.statistics["early_drop"], UInt32(truncatingIfNeeded: c.earlyDrop), "conntrack -S early_drop")
        XCTAssertEqual(t.statistics["drop"], UInt32(truncatingIfNeeded: c.drop), "conntrack -S drop")
        print("syn flood (test): early_drop=\(earlyDrops) drop=\(drops) gc evicted=\(gcEvicted) entries=\(t.count)")
    }

    /// A table full of ASSURED entries has no victim: every new SYN is dropped (`drop`++),
    /// nothing is early-dropped, the table stays as it was.
    func testTableFullOfAssuredDropsNewPackets() throws {
        let max = 512
        let t = try makeTracker(max: max)
        let now = 10 * Self.second
        for i in 0..<max { FloodPackets.handshake(t, i, now: now) }
        XCTAssertEqual(t.count, max)
        let before = t.counters
        var rng = SplitMix64(state: 2)
        let end = flood(t, count: 5000, start: now, maxEntries: max, rng: &rng)
        let c = t.counters
        XCTAssertEqual(c.drop - before.drop, 5000)
        XCTAssertEqual(c.earlyDrop - before.earlyDrop, 0)
        XCTAssertEqual(c.created - before.created, 0)
        XCTAssertEqual(t.count, max)
        for i in 0..<max { XCTAssertNotNil(t.flow(matching: FloodPackets.originalTuple(i), now: end)) }
    }
}
