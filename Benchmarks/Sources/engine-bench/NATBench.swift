import Conntrack
import ConntrackEngine
import ConntrackFirewall
import ConntrackRuleset
import MallocCounter
#if canImport(Glibc)
import Glibc
#endif

// engine-bench established-nat N [PACKETS]: the `established` stream through the router
// (`Firewall.process`: conntrack, NAT, the 20-rule ruleset of NATRuleset.swift, routing,
// TTL), every flow masqueraded. Prints, each as wall and thread-CPU ns/packet:
//
//   engine only:   the same flows and the same ACK stream straight into a `Tracker`, the way
//                  `established` does it (packets read in place, never written);
//                  CT_BENCH_NO_BASELINE=1 skips it;
//   restore only:  the 40-byte copy that puts each packet back to its pristine bytes before
//                  the firewall rewrites it (NAT, TTL), measured alone;
//   firewall:      copy + `Firewall.process`, and the same minus the copy, with
//                  allocations/packet counted over the timed loop;
//   ratio:         firewall (minus the copy) / engine only.
//
// Checksums count as verified by the NIC (`checksumVerified`), as in `established`, unless
// SOFTWARE_CHECKSUM=1.
//
// The flows differ from `established` in one way: flow i talks to server 198.18.x.y
// (RFC 2544's benchmarking range, x.y = i mod 65536) instead of one server for all, because
// masquerade to one address gives each server:port at most 64,512 source ports; with
// these servers no two flows clash and the NAT keeps every client port.

/// CPU time of this thread (ns): unlike the wall clock, it does not count the time the
/// thread waited for the core on a shared machine.
@inline(__always) func cpuNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Wall and CPU ns/packet of one timed loop.
struct Timing {
    var wall: Double, cpu: Double
    var text: String { "\(fmt(wall)) ns/packet (CPU \(fmt(cpu)))" }
}

@inline(__always) func natServer(_ i: Int) -> UInt32 { 0xc612_0000 | UInt32(i & 0xffff) }

/// One 40-byte copy, out of line so the copy loop and the firewall loop pay the same call.
@inline(never) func restorePacket(_ dst: UnsafeMutableRawPointer, _ src: UnsafeRawPointer) {
    dst.copyMemory(from: src, byteCount: 40)
}

/// The flow sample and ACK stream: index of the flow of packet k (alternating directions).
func ackStream(flows n: Int, packets m: Int) -> UnsafeMutableBufferPointer<UInt32> {
    let idx = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: m)
    var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
    for k in 0..<m {
        rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
        idx[k] = UInt32(rng % UInt64(n))
    }
    return idx
}

/// The engine alone on the NAT benchmark's flows: ns/packet.
func runEngineBaseline(flows n: Int, packets m: Int, stream: UnsafeMutableBufferPointer<UInt32>) -> Timing {
    let metadata = makeMetadata()
    let tracker = makeTracker(capacity: n + n / 4)
    let buf = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
    defer { buf.deallocate() }
    var t: UInt64 = 1_700_000_000_000_000_000
    for i in 0..<n {
        let (c, port) = client(i)
        let s = natServer(i)
        writeTCP(buf, src: c, dst: s, sport: port, dport: 80, seq: 1000, ack: 0, flags: SYN)
        _ = tracker.process(UnsafeRawBufferPointer(start: buf, count: 40), now: t, metadata: metadata)
        writeTCP(buf, src: s, dst: c, sport: 80, dport: port, seq: 5000, ack: 1001, flags: SYN | ACK)
        _ = tracker.process(UnsafeRawBufferPointer(start: buf, count: 40), now: t, metadata: metadata)
        writeTCP(buf, src: c, dst: s, sport: port, dport: 80, seq: 1001, ack: 5001, flags: ACK)
        _ = tracker.process(UnsafeRawBufferPointer(start: buf, count: 40), now: t, metadata: metadata)
        t &+= 10
        if i & 0xffff == 0 { tracker.drainEvents { _ in } }
    }
    tracker.drainEvents { _ in }
    let pool = UnsafeMutableRawPointer.allocate(byteCount: m * 40, alignment: 64)
    defer { pool.deallocate() }
    for k in 0..<m {
        let i = Int(stream[k])
        let (c, port) = client(i)
        let s = natServer(i)
        if k & 1 == 0 {
            writeTCP(pool + k * 40, src: c, dst: s, sport: port, dport: 80, seq: 1001, ack: 5001, flags: ACK)
        } else {
            writeTCP(pool + k * 40, src: s, dst: c, sport: 80, dport: port, seq: 5001, ack: 1001, flags: ACK)
        }
    }
    var established = 0
    let allocBefore = mc_allocations()
    let start = nowNanos(), cpuStart = cpuNanos()
    for k in 0..<m {
        let v = tracker.process(UnsafeRawBufferPointer(start: pool + k * 40, count: 40), now: t, metadata: metadata)
        if v.state == .established { established &+= 1 }
        t &+= 1
    }
    let ns = Timing(wall: Double(nowNanos() - start) / Double(m), cpu: Double(cpuNanos() - cpuStart) / Double(m))
    let allocs = mc_allocations() - allocBefore
    print("  engine only (same flows, Tracker.process): \(ns.text), "
          + "\(fmt(Double(allocs) / Double(m), 3)) allocations/packet, \(established)/\(m) established")
    return ns
}

func runEstablishedNAT(flows n: Int, packets m: Int) {
    print("established-nat N=\(n), \(m) packets")
    let stream = ackStream(flows: n, packets: m)
    defer { stream.deallocate() }
    let engine = getenv("CT_BENCH_NO_BASELINE") == nil ? runEngineBaseline(flows: n, packets: m, stream: stream) : nil
    let mismatch = NATBenchNetwork.checkAgainstParser()
    if !mismatch.isEmpty { print("warning: the ruleset value and its nft file differ:\n  " + mismatch.joined(separator: "\n  ")) }
    let offload = getenv("SOFTWARE_CHECKSUM") == nil
    let lan = NATBenchNetwork.lan, wan = NATBenchNetwork.wan
    let fw: Firewall
    do {
        fw = try Firewall(ruleset: NATBenchNetwork.ruleset(), router: NATBenchNetwork.router,
                          tracker: makeTracker(capacity: n + n / 4))
    } catch {
        print("firewall: \(error)")
        exit(1)
    }
    let tracker = fw.tracker
    let heapBefore = mc_heap_in_use()
    let buf = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
    defer { buf.deallocate() }
    // Per flow: the address and port masquerade chose (what the replies are sent to).
    let natAddr = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: n)
    let natPort = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: n)
    defer { natAddr.deallocate(); natPort.deallocate() }
    var t: UInt64 = 1_700_000_000_000_000_000
    func be16(_ o: Int) -> UInt16 { UInt16(buf.load(fromByteOffset: o, as: UInt8.self)) << 8 | UInt16(buf.load(fromByteOffset: o + 1, as: UInt8.self)) }
    func be32(_ o: Int) -> UInt32 { UInt32(be16(o)) << 16 | UInt32(be16(o + 2)) }
    var setupFailures = 0
    for i in 0..<n {
        let (c, port) = client(i)
        let s = natServer(i)
        writeTCP(buf, src: c, dst: s, sport: port, dport: 80, seq: 1000, ack: 0, flags: SYN)
        let v1 = fw.process(UnsafeMutableRawBufferPointer(start: buf, count: 40), now: t, input: lan, checksumVerified: offload)
        natAddr[i] = be32(12)
        natPort[i] = be16(20)
        writeTCP(buf, src: s, dst: natAddr[i], sport: 80, dport: natPort[i], seq: 5000, ack: 1001, flags: SYN | ACK)
        let v2 = fw.process(UnsafeMutableRawBufferPointer(start: buf, count: 40), now: t, input: wan, checksumVerified: offload)
        writeTCP(buf, src: c, dst: s, sport: port, dport: 80, seq: 1001, ack: 5001, flags: ACK)
        let v3 = fw.process(UnsafeMutableRawBufferPointer(start: buf, count: 40), now: t, input: lan, checksumVerified: offload)
        if v1.disposition != .forwarded || !v1.translated || v2.disposition != .forwarded || !v2.translated
            || v3.disposition != .forwarded || v3.conntrack.state != .established {
            if setupFailures == 0 {
                print("warning: flow \(i): \(v1.disposition) \(v1.translated) \(v1.conntrack.state) / \(v2.disposition) "
                      + "\(v2.conntrack.state) / \(v3.disposition) \(v3.conntrack.state) \(v3.conntrack.reason)")
            }
            setupFailures += 1
        }
        t &+= 10
        if i & 0xffff == 0 { tracker.drainEvents { _ in } }
    }
    tracker.drainEvents { _ in }
    let heapAfter = mc_heap_in_use()
    var keptPorts = 0
    for i in 0..<n where natPort[i] == client(i).1 && natAddr[i] == NATBenchNetwork.wanAddress.ipv4Value { keptPorts += 1 }
    // The packets as they arrive at the router: to the server from lan0, to the
    // masquerade address from wan0.
    let pristine = UnsafeMutableRawPointer.allocate(byteCount: m * 40, alignment: 64)
    defer { pristine.deallocate() }
    for k in 0..<m {
        let i = Int(stream[k])
        let (c, port) = client(i)
        let s = natServer(i)
        if k & 1 == 0 {
            writeTCP(pristine + k * 40, src: c, dst: s, sport: port, dport: 80, seq: 1001, ack: 5001, flags: ACK)
        } else {
            writeTCP(pristine + k * 40, src: s, dst: natAddr[i], sport: 80, dport: natPort[i], seq: 5001, ack: 1001, flags: ACK)
        }
    }
    let work = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
    defer { work.deallocate() }

    // The copy alone.
    var sink: UInt8 = 0
    var start = nowNanos(), cpuStart = cpuNanos()
    for k in 0..<m {
        restorePacket(work, pristine + k * 40)
        sink ^= work.load(fromByteOffset: 8, as: UInt8.self)
    }
    let copy = Timing(wall: Double(nowNanos() - start) / Double(m), cpu: Double(cpuNanos() - cpuStart) / Double(m))

    // Firewall: the packet is restored, then goes through the router.
    var forwarded = 0, translated = 0, wrong = 0
    let allocBefore = mc_allocations()
    start = nowNanos(); cpuStart = cpuNanos()
    for k in 0..<m {
        restorePacket(work, pristine + k * 40)
        let v = fw.process(UnsafeMutableRawBufferPointer(start: work, count: 40), now: t, input: k & 1,
                           checksumVerified: offload)
        if v.disposition == .forwarded && v.conntrack.state == .established { forwarded &+= 1 }
        if v.translated { translated &+= 1 }
        t &+= 1
    }
    let total = Timing(wall: Double(nowNanos() - start) / Double(m), cpu: Double(cpuNanos() - cpuStart) / Double(m))
    let allocs = mc_allocations() - allocBefore
    // The last packet as it leaves: a reply, so it must now go to the client, TTL 63.
    do {
        let i = Int(stream[m - 1])
        let (c, port) = client(i)
        writeTCP(buf, src: natServer(i), dst: c, sport: 80, dport: port, seq: 5001, ack: 1001, flags: ACK)
        buf.storeBytes(of: 63, toByteOffset: 8, as: UInt8.self)
        // IPv4 header checksum after the TTL decrement (RFC 1624, as the router does).
        var s: UInt32 = 0
        buf.storeBytes(of: 0, toByteOffset: 10, as: UInt16.self)
        for o in stride(from: 0, to: 20, by: 2) { s &+= UInt32(be16(o)) }
        while s >> 16 != 0 { s = (s & 0xffff) + (s >> 16) }
        buf.storeBytes(of: (~UInt16(s)).bigEndian, toByteOffset: 10, as: UInt16.self)
        if m & 1 == 0 && memcmp(buf, work, 40) != 0 { wrong += 1 }
    }
    let net = Timing(wall: total.wall - copy.wall, cpu: total.cpu - copy.cpu)
    print("  restore only (40-byte copy): \(copy.text) (sink \(sink & 1))")
    print("  firewall (Firewall.process, NAT, 20 rules): \(total.text) with the copy, \(net.text) without; "
          + "\(fmt(Double(allocs) / Double(m), 3)) allocations/packet (\(allocs) in all); "
          + "\(forwarded)/\(m) forwarded established, \(translated) translated, "
          + "\(fmt(Double(heapAfter - heapBefore) / Double(n))) heap bytes/connection, table \(tracker.count), "
          + "\(keptPorts)/\(n) flows kept their port, \(setupFailures) setup failures"
          + (wrong > 0 ? ", LAST PACKET WRONG" : ""))
    if let e = engine {
        print("  ratio firewall/engine: \(fmt(net.wall / e.wall, 2)) (CPU \(fmt(net.cpu / e.cpu, 2))); "
              + "with the copy \(fmt(total.wall / e.wall, 2)) (CPU \(fmt(total.cpu / e.cpu, 2)))")
    }
}
