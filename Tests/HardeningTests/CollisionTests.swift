import Conntrack
@testable import ConntrackEngine
import Foundation
import PacketBuilder
import XCTest

/// Hash flooding. Tuples are brute-forced to share one home slot of the connection index
/// under a known seed S (through the engine's own `FlowKey.hash` and `ConnectionTable.tag`,
/// reached with @testable). Under S they pile up into one long linear-probe run; under any
/// other seed (the default is random per tracker) they spread. Probe lengths are read from
/// the live index: the distance from a key's home slot to the slot that holds it.
final class CollisionTests: XCTestCase {
    static let knownSeed: UInt64 = 0x0123_4567_89ab_cdef
    static let server = IPAddress(ipv4: 0x0a00_0001)

    static func key(_ t: Tuple) -> FlowKey {
        FlowKey(srcHi: t.source.high, srcLo: t.source.low, dstHi: t.destination.high, dstLo: t.destination.low,
                sport: t.sourcePort, dport: t.destinationPort, proto: t.proto, family: t.family.rawValue, zone: 0)
    }

    /// `count` UDP tuples (10.x.y.z:port -> 10.0.0.1:53) whose tag's low 16 bits agree under
    /// `seed`: they share a home slot in any index of up to 65,536 slots.
    static func collidingTuples(count: Int, seed: UInt64) -> [Tuple] {
        var out: [Tuple] = []
        var target: UInt64? = nil
        var n: UInt32 = 0
        while out.count < count {
            n &+= 1
            let t = Tuple(source: IPAddress(ipv4: 0x0a00_0000 | (n >> 8 & 0xffffff) | 0x0100_0000), destination: server,
                          protocol: 17, sourcePort: UInt16(1024 + n & 0xff), destinationPort: 53)
            let low = ConnectionTable.tag(key(t).hash(seed: seed)) & 0xffff
            if target == nil { target = low }
            if low == target { out.append(t) }
        }
        return out
    }

    /// The tracker's core, whether the tracker holds it inline or behind a pointer.
    static func core(_ t: Tracker) -> TrackerCore {
        let value = Mirror(reflecting: t).children.first { $0.label == "core" }!.value
        if let c = value as? TrackerCore { return c }
        return (value as! UnsafeMutablePointer<TrackerCore>).pointee
    }

    /// Linear-probe distance of each tuple's original-direction entry.
    static func probeLengths(_ tracker: Tracker, _ tuples: [Tuple]) -> [Int] {
        let table = core(tracker).table
        return tuples.map { t in
            let k = key(t)
            let h = k.hash(seed: table.seed)
            guard let ref = table.find(k, hash: h) else { return -1 }
            let home = table.homeSlot(h)
            var i = home, d = 0
            while table.slots[i] & 0xffff_ffff != UInt64(ref) + 1 { i = (i + 1) & table.slotMask; d += 1 }
            return d
        }
    }

    static func fill(_ tracker: Tracker, _ tuples: [Tuple]) {
        for (i, t) in tuples.enumerated() {
            let p = PacketBuilder.udp(from: t.source, t.sourcePort, to: t.destination, t.destinationPort, payload: [1])
            _ = p.withUnsafeBytes { tracker.process($0, now: 1_000_000_000 + UInt64(i)) }
        }
    }

    static func summary(_ d: [Int]) -> String {
        let s = d.sorted()
        let mean = Double(s.reduce(0, +)) / Double(max(1, s.count))
        return "mean \(String(format: "%.2f", mean)), p50 \(s[s.count / 2]), p99 \(s[s.count * 99 / 100]), max \(s.last!)"
    }

    func testCollidingTuplesUnderKnownSeedSpreadUnderAnotherSeed() throws {
        let n = 300
        let tuples = Self.collidingTuples(count: n, seed: Self.knownSeed)

        let attacked = Tracker(seed: Self.knownSeed)
        Self.fill(attacked, tuples)
        XCTAssertEqual(attacked.count, n)
        let underS = Self.probeLengths(attacked, tuples)
        XCTAssertFalse(underS.contains(-1))
        // One run: the i-th key inserted sits about i slots past the shared home slot.
        XCTAssertGreaterThanOrEqual(underS.max()!, n - 1)

        var seeds: [UInt64] = [0xdead_beef_cafe_f00d, 1, 42]
        var rng = SystemRandomNumberGenerator()
        seeds.append(rng.next())  // and the default: a random seed
        for seed in seeds {
            let t = Tracker(seed: seed)
            Self.fill(t, tuples)
            let d = Self.probeLengths(t, tuples)
            XCTAssertFalse(d.contains(-1))
            XCTAssertLessThan(d.max()!, 24, "seed \(seed): \(Self.summary(d))")
            XCTAssertLessThan(Double(d.reduce(0, +)) / Double(n), 2.0, "seed \(seed): \(Self.summary(d))")
            print("collision flood: \(n) tuples colliding under S; seed \(String(seed, radix: 16)): \(Self.summary(d))")
        }
        print("collision flood: under the known seed S: \(Self.summary(underS))")
    }
}
