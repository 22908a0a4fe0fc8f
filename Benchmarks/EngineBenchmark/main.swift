// Engine micro-benchmark: ns/packet for established flows at several table sizes, full TCP
// lifecycles per second, bytes per connection.
// Run: swift build -c release --product EngineBenchmark && .build/release/EngineBenchmark [flows...]
#if canImport(Glibc)
import Glibc
#endif
import Conntrack
import PacketBuilder
import ConntrackEngine

func clockNS() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func fmt(_ x: Double) -> String { String(Double(Int(x * 100)) / 100) }


/// Packets laid out back to back in one buffer, with their offsets and lengths.
struct PacketArena {
    var bytes: [UInt8] = []
    var spans: [(Int, Int)] = []
    mutating func add(_ p: [UInt8]) { spans.append((bytes.count, p.count)); bytes += p }
}

func address(_ i: Int, client: Bool) -> IPAddress {
    IPAddress(ipv4: (client ? 0x0a00_0000 : 0xac10_0000) | UInt32(truncatingIfNeeded: i >> 16) << 16
                  | UInt32(truncatingIfNeeded: i & 0xffff))
}

func established(flows: Int, rounds: Int) {
    var cfg = TrackerConfiguration()
    cfg.maxEntries = 0
    cfg.events = 0
    cfg.checksum = false
    let t = Tracker(configuration: cfg, seed: 1)
    var setup = PacketArena()
    var hot = PacketArena()
    // Hot packets are laid out in (random) arrival order, as in a receive ring.
    var order = Array(0..<flows)
    var rng = SystemRandomNumberGenerator()
    order.shuffle(using: &rng)
    for i in 0..<flows {
        let c = address(i, client: true), s = address(i, client: false)
        let sp = UInt16(1024 + i % 60000)
        setup.add(PacketBuilder.udp(from: c, sp, to: s, 53, payload: [1, 2, 3, 4]))
        setup.add(PacketBuilder.udp(from: s, 53, to: c, sp, payload: [1, 2, 3, 4]))
    }
    for i in order {
        let c = address(i, client: true), s = address(i, client: false)
        let sp = UInt16(1024 + i % 60000)
        hot.add(PacketBuilder.udp(from: i & 1 == 0 ? c : s, i & 1 == 0 ? sp : 53, to: i & 1 == 0 ? s : c,
                                  i & 1 == 0 ? 53 : sp, payload: Array(repeating: 7, count: 64)))
    }
    var now: UInt64 = 1_000_000_000
    setup.bytes.withUnsafeBytes { raw in
        for (o, n) in setup.spans { _ = t.process(UnsafeRawBufferPointer(rebasing: raw[o..<o + n]), now: now) }
    }
    precondition(t.count == flows, "setup created \(t.count) flows, expected \(flows)")
    var best = UInt64.max
    var established = 0
    hot.bytes.withUnsafeBytes { raw in
        var bufs = (0..<flows).map { i -> UnsafeRawBufferPointer in
            let (o, n) = hot.spans[i]
            return UnsafeRawBufferPointer(rebasing: raw[o..<o + n])
        }
        var times = [UInt64](repeating: 0, count: flows)
        var verdicts = [Verdict](repeating: Verdict(state: .invalid), count: flows)
        let batch = 32
        for _ in 0..<rounds {
            now += 3_000_000_000
            for i in 0..<flows { times[i] = now }
            let t0 = clockNS()
            bufs.withUnsafeMutableBufferPointer { pb in
                times.withUnsafeBufferPointer { tb in
                    verdicts.withUnsafeMutableBufferPointer { vb in
                        var s = 0
                        while s < flows {
                            let e = min(s + batch, flows)
                            t.processBatch(UnsafeBufferPointer(rebasing: pb[s..<e]), now: UnsafeBufferPointer(rebasing: tb[s..<e]),
                                           verdicts: UnsafeMutableBufferPointer(rebasing: vb[s..<e]))
                            s = e
                        }
                    }
                }
            }
            best = min(best, clockNS() - t0)
            established += verdicts.filter { $0.state == .established }.count
        }
    }
    precondition(established == flows * rounds, "not all packets established: \(established)")
    let perConn = Double(t.tableMemoryBytes) / Double(flows)
    print("established UDP, \(flows) flows: \(fmt(Double(best) / Double(flows))) ns/packet, "
          + "\(Int(perConn)) bytes/connection")
}

func lifecycles(count: Int) {
    var cfg = TrackerConfiguration()
    cfg.events = 0
    cfg.checksum = false
    let t = Tracker(configuration: cfg, seed: 1)
    var arena = PacketArena()
    let n = 4096
    for i in 0..<n {
        let c = address(i, client: true), s = address(i, client: false)
        let sp = UInt16(1024 + i)
        arena.add(PacketBuilder.tcp(from: c, sp, to: s, 80, seq: 1000, flags: .syn))
        arena.add(PacketBuilder.tcp(from: s, 80, to: c, sp, seq: 5000, ack: 1001, flags: .synAck))
        arena.add(PacketBuilder.tcp(from: c, sp, to: s, 80, seq: 1001, ack: 5001, flags: .ack))
        arena.add(PacketBuilder.tcp(from: c, sp, to: s, 80, seq: 1001, ack: 5001, flags: .finAck))
        arena.add(PacketBuilder.tcp(from: s, 80, to: c, sp, seq: 5001, ack: 1002, flags: .finAck))
        arena.add(PacketBuilder.tcp(from: c, sp, to: s, 80, seq: 1002, ack: 5002, flags: .ack))
        arena.add(PacketBuilder.tcp(from: c, sp, to: s, 80, seq: 1002, ack: 5002, flags: .rst))
    }
    var now: UInt64 = 1_000_000_000
    var done = 0
    let t0 = clockNS()
    arena.bytes.withUnsafeBytes { raw in
        while done < count {
            for (o, len) in arena.spans {
                _ = t.process(UnsafeRawBufferPointer(rebasing: raw[o..<o + len]), now: now)
            }
            now += 1_000_000
            done += n
            t.advance(to: now + 11_000_000_000) // CLOSE entries expire
            now += 11_000_000_000
        }
    }
    let dt = Double(clockNS() - t0) / 1e9
    print("TCP lifecycles (7 packets + expiry): \(fmt(Double(done) / dt / 1e6)) M/s, table \(t.count)")
}

let sizes = CommandLine.arguments.dropFirst().compactMap { Int($0) }
print("Connection stride \(Tracker.connectionStride) bytes")
let roundsEnv = getenv("ROUNDS").flatMap { Int(String(cString: $0)) }
for f in sizes.isEmpty ? [1000, 100_000, 1_000_000] : sizes { established(flows: f, rounds: roundsEnv ?? max(5, 5_000_000 / f)) }
if getenv("NO_LIFECYCLE") == nil { lifecycles(count: getenv("LIFECYCLES").flatMap { Int(String(cString: $0)) } ?? 2_000_000) }
