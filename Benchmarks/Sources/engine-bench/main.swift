import Conntrack
import ConntrackEngine
import MallocCounter
#if canImport(Glibc)
import Glibc
#endif

// engine-bench: per-packet cost of the userspace tracker, one core, packets pre-built in memory.
//
//   engine-bench established N [PACKETS]   in-window TCP ACKs to N established flows chosen
//                                           uniformly at random; ns/packet, allocations/packet,
//                                           heap bytes per tracked connection
//   engine-bench established-batch N [PACKETS]   the same through `processBatch`, 64 packets a call
//   engine-bench lifecycle CONNECTIONS     full lifecycles (3-way handshake, data, 4-way close)
//   engine-bench established-nat N [PACKETS]   the `established` stream through the router
//                                           (`Firewall.process`: masquerade, 20 rules), beside the
//                                           engine alone on the same flows (NATBench.swift)
//
// Packets carry `checksumVerified` (as a NIC with checksum offload reports them) unless
// SOFTWARE_CHECKSUM=1 is set in the environment. NO_EVENTS=1 runs the tracker without an
// event listener (no events are built).

@inline(__always) func nowNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Writes a 40-byte IPv4+TCP packet (no options) with correct checksums at `p`.
func writeTCP(_ p: UnsafeMutableRawPointer, src: UInt32, dst: UInt32, sport: UInt16, dport: UInt16,
              seq: UInt32, ack: UInt32, flags: UInt8, payload: Int = 0) {
    let total = 40 + payload
    let b = p.assumingMemoryBound(to: UInt8.self)
    for i in 0..<total { b[i] = 0 }
    func put16(_ o: Int, _ v: UInt16) { b[o] = UInt8(v >> 8); b[o + 1] = UInt8(v & 0xff) }
    func put32(_ o: Int, _ v: UInt32) { put16(o, UInt16(v >> 16)); put16(o + 2, UInt16(v & 0xffff)) }
    b[0] = 0x45; put16(2, UInt16(total)); put16(4, 1); b[8] = 64; b[9] = 6
    put32(12, src); put32(16, dst)
    var s: UInt32 = 0
    for i in stride(from: 0, to: 20, by: 2) { s &+= UInt32(b[i]) << 8 | UInt32(b[i + 1]) }
    while s >> 16 != 0 { s = (s & 0xffff) + (s >> 16) }
    put16(10, ~UInt16(s))
    put16(20, sport); put16(22, dport); put32(24, seq); put32(28, ack)
    b[32] = 5 << 4; b[33] = flags; put16(34, 0xffff)
    for i in 0..<payload { b[40 + i] = 0x61 }
    var t: UInt32 = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 6 + UInt32(total - 20)
    var i = 20
    while i + 1 < total { t &+= UInt32(b[i]) << 8 | UInt32(b[i + 1]); i += 2 }
    if i < total { t &+= UInt32(b[i]) << 8 }
    while t >> 16 != 0 { t = (t & 0xffff) + (t >> 16) }
    put16(36, ~UInt16(t))
}

let SYN: UInt8 = 0x02, ACK: UInt8 = 0x10, FIN: UInt8 = 0x01, PSH: UInt8 = 0x08
let server: UInt32 = 0xc0a8_0001

@inline(__always) func client(_ i: Int) -> (UInt32, UInt16) {
    (0x0a00_0000 | UInt32(i / 60000), UInt16(1024 + i % 60000))
}

/// Packets processed untimed before each `established` measurement (WARMUP=N overrides).
let warmupPackets = getenv("WARMUP").flatMap { Int(String(cString: $0)) } ?? 3_000_000

func makeMetadata() -> PacketMetadata {
    var m = PacketMetadata()
    m.checksumVerified = getenv("SOFTWARE_CHECKSUM") == nil
    return m
}

func makeTracker(capacity: Int) -> Tracker {
    var config = TrackerConfiguration()
    config.maxEntries = capacity
    // NO_EVENTS=1: nobody listens for events (the kernel then builds none either).
    if getenv("NO_EVENTS") != nil { config.hasEventListener = false }
    return Tracker(configuration: config, seed: 0x5eed)
}

func runEstablished(flows n: Int, packets m: Int, batch: Int = 0) {
    let metadata = makeMetadata()
    let heapBefore = mc_heap_in_use()
    let tracker = makeTracker(capacity: n + n / 4)
    let buf = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
    defer { buf.deallocate() }
    var t: UInt64 = 1_700_000_000_000_000_000
    for i in 0..<n {
        let (c, port) = client(i)
        writeTCP(buf, src: c, dst: server, sport: port, dport: 80, seq: 1000, ack: 0, flags: SYN)
        _ = tracker.process(UnsafeRawBufferPointer(start: buf, count: 40), now: t, metadata: metadata)
        writeTCP(buf, src: server, dst: c, sport: 80, dport: port, seq: 5000, ack: 1001, flags: SYN | ACK)
        _ = tracker.process(UnsafeRawBufferPointer(start: buf, count: 40), now: t, metadata: metadata)
        writeTCP(buf, src: c, dst: server, sport: port, dport: 80, seq: 1001, ack: 5001, flags: ACK)
        let v = tracker.process(UnsafeRawBufferPointer(start: buf, count: 40), now: t, metadata: metadata)
        if i == 0 && v.state != .established { print("warning: handshake ended in \(v.state) \(v.reason)") }
        t &+= 10
        if i & 0xffff == 0 { tracker.drainEvents { _ in } }
    }
    tracker.drainEvents { _ in }
    let heapAfter = mc_heap_in_use()
    // Pre-build the measured packets: ACKs to random flows, alternating directions.
    let pool = UnsafeMutableRawPointer.allocate(byteCount: m * 40, alignment: 64)
    defer { pool.deallocate() }
    var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
    for k in 0..<m {
        rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
        let i = Int(rng % UInt64(n))
        let (c, port) = client(i)
        if k & 1 == 0 {
            writeTCP(pool + k * 40, src: c, dst: server, sport: port, dport: 80, seq: 1001, ack: 5001, flags: ACK)
        } else {
            writeTCP(pool + k * 40, src: server, dst: c, sport: 80, dport: port, seq: 5001, ack: 1001, flags: ACK)
        }
    }
    // For the batch entry point: the packet descriptors and times, built before timing.
    let descriptors = UnsafeMutableBufferPointer<UnsafeRawBufferPointer>.allocate(capacity: batch > 0 ? m : 0)
    let times = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: batch > 0 ? m : 0)
    let verdicts = UnsafeMutableBufferPointer<Verdict>.allocate(capacity: max(batch, 1))
    defer { descriptors.deallocate(); times.deallocate(); verdicts.deallocate() }
    if batch > 0 {
        for k in 0..<m {
            descriptors[k] = UnsafeRawBufferPointer(start: pool + k * 40, count: 40)
            times[k] = t &+ UInt64(k)
        }
    }
    // Warm-up, untimed: the first packets of the pool once through the same entry point,
    // so the timed part starts in steady state (caches, TLB, transparent huge pages that
    // the kernel assembles in the background for the big tables). The same in-window
    // ACKs again are just more in-window ACKs.
    // The first `count` packets of the pool through the entry point under test; returns
    // how many were established.
    func run(_ count: Int) -> Int {
        var established = 0
        if batch > 0 {
            var k = 0
            while k < count {
                let e = min(count, k + batch)
                tracker.processBatch(UnsafeBufferPointer(rebasing: descriptors[k..<e]),
                                     now: UnsafeBufferPointer(rebasing: times[k..<e]), metadata: metadata,
                                     verdicts: verdicts)
                for i in 0..<(e - k) where verdicts[i].state == .established { established &+= 1 }
                k = e
            }
        } else {
            for k in 0..<count {
                let v = tracker.process(UnsafeRawBufferPointer(start: pool + k * 40, count: 40), now: t, metadata: metadata)
                if v.state == .established { established &+= 1 }
                t &+= 1
            }
        }
        return established
    }
    _ = run(min(m, warmupPackets))
    let allocBefore = mc_allocations()
    let start = nowNanos()
    let established = run(m)
    let elapsed = nowNanos() - start
    let allocs = mc_allocations() - allocBefore
    let perConn = Double(heapAfter - heapBefore) / Double(n)
    print("established\(batch > 0 ? " (batches of \(batch))" : "") N=\(n): \(fmt(Double(elapsed) / Double(m))) ns/packet, "
          + "\(fmt(Double(allocs) / Double(m), 3)) allocations/packet, "
          + "\(fmt(perConn)) heap bytes/connection, \(established)/\(m) established, table \(tracker.count)")
}

func runLifecycle(connections n: Int) {
    let metadata = makeMetadata()
    let tracker = makeTracker(capacity: n + n / 4)
    let perConn = 9
    let sizes = [40, 40, 40, 41, 40, 40, 40, 40, 40]
    let slot = 48
    let pool = UnsafeMutableRawPointer.allocate(byteCount: n * perConn * slot, alignment: 64)
    defer { pool.deallocate() }
    for i in 0..<n {
        let (c, port) = client(i)
        let base = pool + i * perConn * slot
        writeTCP(base + 0 * slot, src: c, dst: server, sport: port, dport: 80, seq: 1000, ack: 0, flags: SYN)
        writeTCP(base + 1 * slot, src: server, dst: c, sport: 80, dport: port, seq: 5000, ack: 1001, flags: SYN | ACK)
        writeTCP(base + 2 * slot, src: c, dst: server, sport: port, dport: 80, seq: 1001, ack: 5001, flags: ACK)
        writeTCP(base + 3 * slot, src: c, dst: server, sport: port, dport: 80, seq: 1001, ack: 5001, flags: PSH | ACK, payload: 1)
        writeTCP(base + 4 * slot, src: server, dst: c, sport: 80, dport: port, seq: 5001, ack: 1002, flags: ACK)
        writeTCP(base + 5 * slot, src: c, dst: server, sport: port, dport: 80, seq: 1002, ack: 5001, flags: FIN | ACK)
        writeTCP(base + 6 * slot, src: server, dst: c, sport: 80, dport: port, seq: 5001, ack: 1003, flags: ACK)
        writeTCP(base + 7 * slot, src: server, dst: c, sport: 80, dport: port, seq: 5001, ack: 1003, flags: FIN | ACK)
        writeTCP(base + 8 * slot, src: c, dst: server, sport: port, dport: 80, seq: 1003, ack: 5002, flags: ACK)
    }
    var t: UInt64 = 1_700_000_000_000_000_000
    var invalid = 0
    let allocBefore = mc_allocations()
    let start = nowNanos()
    for i in 0..<n {
        let base = pool + i * perConn * slot
        for j in 0..<perConn {
            let v = tracker.process(UnsafeRawBufferPointer(start: base + j * slot, count: sizes[j]), now: t, metadata: metadata)
            if v.state == .invalid { invalid &+= 1 }
        }
        t &+= 100
        if i & 1023 == 0 { tracker.drainEvents { _ in } }
    }
    let elapsed = nowNanos() - start
    let allocs = mc_allocations() - allocBefore
    print("lifecycle: \(n) connections in \(fmt(Double(elapsed) / 1e6)) ms = "
          + "\(fmt(Double(n) / (Double(elapsed) / 1e9) / 1e6, 2)) M connections/s, "
          + "\(fmt(Double(elapsed) / Double(n * perConn))) ns/packet, \(invalid) invalid, "
          + "\(allocs) allocations (events drained every 1024 connections), table \(tracker.count)")
}

func fmt(_ v: Double, _ digits: Int = 1) -> String {
    var p = 1.0
    for _ in 0..<digits { p *= 10 }
    let r = (v * p).rounded() / p
    return "\(r)"
}

let args = CommandLine.arguments
switch args.count > 1 ? args[1] : "" {
case "established":
    let n = args.count > 2 ? Int(args[2]) ?? 1000 : 1000
    let m = args.count > 3 ? Int(args[3]) ?? 10_000_000 : 10_000_000
    runEstablished(flows: n, packets: m)
case "established-batch":
    let n = args.count > 2 ? Int(args[2]) ?? 1000 : 1000
    let m = args.count > 3 ? Int(args[3]) ?? 10_000_000 : 10_000_000
    runEstablished(flows: n, packets: m, batch: 64)
case "established-nat":
    let n = args.count > 2 ? Int(args[2]) ?? 1000 : 1000
    let m = args.count > 3 ? Int(args[3]) ?? 10_000_000 : 10_000_000
    runEstablishedNAT(flows: n, packets: m)
case "lifecycle":
    runLifecycle(connections: args.count > 2 ? Int(args[2]) ?? 1_000_000 : 1_000_000)
default:
    print("usage: engine-bench established N [PACKETS] | established-batch N [PACKETS] | established-nat N [PACKETS] | lifecycle CONNECTIONS")
    exit(2)
}
