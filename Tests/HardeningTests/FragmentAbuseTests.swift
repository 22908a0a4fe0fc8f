import Conntrack
import ConntrackEngine
import Foundation
import PacketBuilder
import XCTest

/// Fragment abuse against the tracker's defragmenter (kernel-conntrack.md 13; defaults from
/// section 0: ipfrag_time 30 s, nf_conntrack_frag6_timeout 60 s): overlapping, tiny,
/// never-completed and oversized trains keep reassembly memory bounded by the high
/// thresholds and time out like the kernel's.
///
/// Memory is observed from outside (resident set growth, /proc/self/statm), so the tests need no
/// internal accessor.
final class FragmentAbuseTests: XCTestCase {
    static let second: UInt64 = 1_000_000_000
    static let a = IPAddress(ipv4: 0xc000_0201), b = IPAddress(ipv4: 0xc633_6402)
    static let a6 = IPAddress(ipv6High: 0x2001_0db8_0000_0000, low: 1), b6 = IPAddress(ipv6High: 0x2001_0db8_0000_0000, low: 2)

    /// A UDP datagram of `size` payload bytes in fragments of `chunk` bytes.
    static func train(v6: Bool = false, id: UInt16, sport: UInt16 = 1000, size: Int = 400, chunk: Int = 128) -> [[UInt8]] {
        var ip = IPOptions()
        ip.identification = id
        let p = v6 ? PacketBuilder.udp(from: a6, sport, to: b6, 53, payload: [UInt8](repeating: 0x5a, count: size), ip: ip)
                   : PacketBuilder.udp(from: a, sport, to: b, 53, payload: [UInt8](repeating: 0x5a, count: size), ip: ip)
        return PacketBuilder.fragment(p, payloadSize: chunk, ipv6Identification: UInt32(id))
    }

    static func send(_ t: Tracker, _ packets: [[UInt8]], now: UInt64) {
        for p in packets { _ = p.withUnsafeBytes { t.process($0, now: now) } }
    }

    /// True in an ASan or TSan build (RSS then says little about the program's own memory).
    static let underSanitizer: Bool = {
        let h = dlopen(nil, RTLD_NOW)
        defer { if let h { dlclose(h) } }
        return dlsym(h, "__asan_init") != nil || dlsym(h, "__tsan_init") != nil
    }()

    /// Resident set size (glibc's `mallinfo` is not visible to Swift); growth only.
    static func heapInUse() -> Int {
        guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = s.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    func tracker() -> Tracker { Tracker(seed: 3) }

    func testCompleteTrainIsOneTrackedPacket() throws {
        let t = tracker()
        let frags = Self.train(id: 1)
        XCTAssertEqual(frags.count, 4)
        Self.send(t, frags, now: Self.second)
        XCTAssertEqual(t.counters.reassembled, 1)
        var flows: [Flow] = []
        t.forEachFlow(now: Self.second) { flows.append($0) }
        XCTAssertEqual(flows.count, 1)
    }

    /// IPv4: a queue lives ipfrag_time (30 s) from its first fragment.
    func testIPv4QueueTimesOutAfterIpfragTime() throws {
        let t = tracker()
        let inTime = Self.train(id: 2, sport: 2), late = Self.train(id: 3, sport: 3)
        let t0 = 100 * Self.second
        Self.send(t, [inTime[0], late[0]], now: t0)
        Self.send(t, Array(inTime.dropFirst()), now: t0 + 29 * Self.second)
        XCTAssertEqual(t.counters.reassembled, 1, "completed 29 s after the first fragment")
        Self.send(t, Array(late.dropFirst()), now: t0 + 31 * Self.second)
        XCTAssertEqual(t.counters.reassembled, 1, "completed 31 s after the first fragment: queue expired")
        XCTAssertGreaterThanOrEqual(t.counters.fragmentQueuesExpired, 1)
    }

    /// IPv6: nf_conntrack_frag6_timeout (60 s).
    func testIPv6QueueTimesOutAfterFrag6Timeout() throws {
        let t = tracker()
        let inTime = Self.train(v6: true, id: 4, sport: 4), late = Self.train(v6: true, id: 5, sport: 5)
        let t0 = 100 * Self.second
        Self.send(t, [inTime[0], late[0]], now: t0)
        Self.send(t, Array(inTime.dropFirst()), now: t0 + 59 * Self.second)
        XCTAssertEqual(t.counters.reassembled, 1, "completed 59 s after the first fragment")
        Self.send(t, Array(late.dropFirst()), now: t0 + 61 * Self.second)
        XCTAssertEqual(t.counters.reassembled, 1, "completed 61 s after the first fragment: queue expired")
        XCTAssertGreaterThanOrEqual(t.counters.fragmentQueuesExpired, 1)
    }

    /// Many never-completed trains: the defragmenter stops queueing at the high threshold,
    /// the heap stays bounded, and once the queues expire reassembly works again.
    func testNeverCompletedTrainsStayWithinThreshold() throws {
        for v6 in [false, true] {
            let t = tracker()
            let high = 256 * 1024
            try t.setSysctl(v6 ? "nf_conntrack_frag6_high_thresh" : "net.ipv4.ipfrag_high_thresh", high)
            try t.setSysctl(v6 ? "nf_conntrack_frag6_low_thresh" : "net.ipv4.ipfrag_low_thresh", high * 3 / 4)
            let heap0 = Self.heapInUse()
            let trains = 20_000  // 20,000 x 1 KiB first fragments: 20 MiB if nothing were bounded
            var rejected = t.counters.invalid
            for i in 0..<trains {
                let first = Self.train(v6: v6, id: UInt16(truncatingIfNeeded: i), sport: UInt16(1000 + i % 50_000),
                                       size: 2048, chunk: 1024)[0]
                _ = first.withUnsafeBytes { t.process($0, now: Self.second + UInt64(i) * 1000) }
            }
            rejected = t.counters.invalid - rejected
            let growth = Self.heapInUse() - heap0
            // Unbounded, the first fragments alone would hold 20 MiB. (Not under ASan/TSan:
            // their quarantine keeps freed memory resident.)
            if !Self.underSanitizer { XCTAssertLessThan(growth, 8 << 20, "v6=\(v6): RSS grew \(growth) bytes for never-completed trains") }
            XCTAssertGreaterThan(rejected, 0, "v6=\(v6): fragments above the high threshold are refused and counted")
            XCTAssertEqual(t.count, 0, "v6=\(v6): incomplete trains create no entry")
            // After the timeout the queues are gone and a fresh datagram reassembles.
            let later = Self.second + (v6 ? 61 : 31) * Self.second + UInt64(trains) * 1000
            t.advance(to: later)
            let before = t.counters.reassembled
            Self.send(t, Self.train(v6: v6, id: 60_000, sport: 7), now: later)
            XCTAssertEqual(t.counters.reassembled, before + 1, "v6=\(v6): reassembly after the queues expired")
            print("fragment flood v6=\(v6): RSS growth \(growth) bytes (high_thresh \(high)), refused \(rejected), expired \(t.counters.fragmentQueuesExpired)")
        }
    }

    /// Overlapping fragments drop the whole queue (RFC 5722; Linux does the same for IPv4
    /// since 4.19): the datagram is never delivered, nothing is tracked.
    func testOverlappingTrainIsDropped() throws {
        for v6 in [false, true] {
            let t = tracker()
            var frags = Self.train(v6: v6, id: 7, sport: 8, size: 400, chunk: 128)
            // A second copy of fragment 1 shifted back by 8 bytes overlaps fragments 0 and 1.
            var shifted = frags[1]
            let foOffset = v6 ? 42 : 6
            let fo = UInt16(shifted[foOffset]) << 8 | UInt16(shifted[foOffset + 1])
            let units = v6 ? (fo >> 3) : (fo & 0x1fff)
            let newFo = v6 ? ((units - 1) << 3 | (fo & 7)) : ((units - 1) | (fo & 0xe000))
            shifted[foOffset] = UInt8(newFo >> 8); shifted[foOffset + 1] = UInt8(newFo & 0xff)
            if !v6 {
                shifted[10] = 0; shifted[11] = 0
                var s: UInt32 = 0
                for i in stride(from: 0, to: 20, by: 2) { s += UInt32(shifted[i]) << 8 | UInt32(shifted[i + 1]) }
                while s > 0xffff { s = (s & 0xffff) + (s >> 16) }
                shifted[10] = UInt8(~UInt16(s) >> 8); shifted[11] = UInt8(~UInt16(s) & 0xff)
            }
            frags.insert(shifted, at: 2)
            Self.send(t, frags, now: Self.second)
            XCTAssertEqual(t.counters.reassembled, 0, "v6=\(v6): overlapping train reassembled")
            XCTAssertEqual(t.count, 0, "v6=\(v6)")
        }
    }

    /// 8-byte fragments are legal: a 400-byte datagram in 51 pieces reassembles once.
    func testTinyFragmentsReassemble() throws {
        let t = tracker()
        let frags = Self.train(id: 9, sport: 9, size: 400, chunk: 8)
        XCTAssertGreaterThan(frags.count, 50)
        Self.send(t, frags, now: Self.second)
        XCTAssertEqual(t.counters.reassembled, 1)
        XCTAssertEqual(t.count, 1)
    }

    /// A train whose last fragment would end past 65535 bytes is dropped, creating nothing.
    func testOversizedTrainIsDropped() throws {
        let t = tracker()
        var frags = Self.train(id: 10, sport: 10, size: 400, chunk: 128)
        var last = frags[frags.count - 1]
        // Offset 8184 units = 65472 bytes; with 128+ bytes of payload the end passes 65535.
        let fo: UInt16 = 8184
        last[6] = UInt8(fo >> 8); last[7] = UInt8(fo & 0xff)
        last[10] = 0; last[11] = 0
        var s: UInt32 = 0
        for i in stride(from: 0, to: 20, by: 2) { s += UInt32(last[i]) << 8 | UInt32(last[i + 1]) }
        while s > 0xffff { s = (s & 0xffff) + (s >> 16) }
        last[10] = UInt8(~UInt16(s) >> 8); last[11] = UInt8(~UInt16(s) & 0xff)
        frags[frags.count - 1] = last
        Self.send(t, frags, now: Self.second)
        XCTAssertEqual(t.counters.reassembled, 0)
        XCTAssertEqual(t.count, 0)
        t.advance(to: 40 * Self.second)
        XCTAssertEqual(t.count, 0)
    }
}
