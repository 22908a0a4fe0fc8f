import Foundation
import XCTest
import Conntrack
import ConntrackKernel
import ConntrackTestSupport

/// A by-hand benchmark, skipped unless `CT_BENCH=1` (timings are printed, never asserted):
///
///     flock /tmp/ct-build.lock swift build -c release --build-tests -Xswiftc -enable-testing
///     CT_BENCH=1 [CT_BENCH_N=262144] [LD_PRELOAD=/path/libmcount.so] \
///         swift test -c release --skip-build --filter DumpBenchmark
///
/// With an LD_PRELOAD library exporting `long ct_malloc_count(void)` (a malloc/realloc
/// call counter), allocations during the dump are counted too. The one used for the
/// figures in the branch report (gcc -O2 -shared -fPIC -o libmcount.so mcount.c -ldl):
///
///     #define _GNU_SOURCE
///     #include <dlfcn.h>
///     #include <stdatomic.h>
///     static atomic_long count;
///     static void *(*m)(size_t); static void *(*r)(void *, size_t);
///     static int (*pm)(void **, size_t, size_t);
///     long ct_malloc_count(void) { return atomic_load(&count); }
///     void *malloc(size_t n) { if (!m) m = dlsym(RTLD_NEXT, "malloc"); count++; return m(n); }
///     void *realloc(void *p, size_t n) { if (!r) r = dlsym(RTLD_NEXT, "realloc"); count++; return r(p, n); }
///     int posix_memalign(void **p, size_t a, size_t n) {
///         if (!pm) pm = dlsym(RTLD_NEXT, "posix_memalign"); count++; return pm(p, a, n); }
final class DumpBenchmark: KernelTestCase {
    func cpuTimes() -> (user: Double, system: Double) {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)   // the test runs on one thread
        return (Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6,
                Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6)
    }

    func testBenchmarkBulkCreateAndDump() throws {
        guard ProcessInfo.processInfo.environment["CT_BENCH"] == "1" else { throw XCTSkip("set CT_BENCH=1") }
        let n = Int(ProcessInfo.processInfo.environment["CT_BENCH_N"] ?? "") ?? 262_144
        let bigClient = try ConntrackClient(receiveBufferSize: 8 << 20, networkNamespace: ns.name)

        var t0 = Date()
        let flows = (0..<n).lazy.map { i -> Flow in
            let t = Tuple(source: IPAddress(ipv4: 0x0a00_0000 | UInt32(i >> 8)), destination: IPAddress(ipv4: 0x0b00_0000 | UInt32(i & 0xff)),
                          protocol: IPProtocol.tcp, sourcePort: UInt16(1024 + i % 50000), destinationPort: 443)
            var f = Flow(original: t, reply: t.inverted())
            f.timeout = 3600
            f.mark = UInt32(i)
            f.status = [.seenReply, .assured]
            f.protoInfo = .tcp(TCPInfo(state: TCPState.established.rawValue))
            return f
        }
        let r = try bigClient.createBatch(flows)
        let createTime = Date().timeIntervalSince(t0)
        let errnos = Dictionary(grouping: r.failures, by: \.errno).mapValues(\.count)
        print("BENCH create: \(r.created)/\(r.attempted) in \(String(format: "%.3f", createTime)) s, failures by errno: \(errnos)")
        let count = try bigClient.count()

        let counter: (@convention(c) () -> Int)? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "ct_malloc_count")
            .map { unsafeBitCast($0, to: (@convention(c) () -> Int).self) }
        for round in 0..<3 {
            var seen = 0
            var markSum: UInt64 = 0
            let m0 = counter?() ?? 0
            let u0 = cpuTimes()
            let r0 = bigClient.received
            t0 = Date()
            try bigClient.dump { f in
                seen += 1
                markSum &+= UInt64(f.mark ?? 0)
            }
            let dumpTime = Date().timeIntervalSince(t0)
            let allocs = (counter?() ?? 0) - m0
            let u1 = cpuTimes()
            let r1 = bigClient.received
            let dg = r1.datagrams - r0.datagrams
            print("BENCH dump round \(round) datagrams: \(dg), \((r1.bytes - r0.bytes) / max(dg, 1)) bytes each on average")
            print("BENCH dump round \(round) cpu: user \(String(format: "%.3f", u1.user - u0.user)) s (decode + syscalls' user side), system \(String(format: "%.3f", u1.system - u0.system)) s (kernel building the dump)")
            print("BENCH dump round \(round): \(seen) entries (table \(count)) in \(String(format: "%.3f", dumpTime)) s"
                  + " = \(String(format: "%.0f", Double(seen) / dumpTime)) entries/s; mallocs during dump: \(counter == nil ? "n/a" : String(allocs))"
                  + " (\(seen > 0 ? String(format: "%.4f", Double(allocs) / Double(seen)) : "-") per entry); checksum \(markSum)")
            XCTAssertEqual(UInt32(seen), count)
        }
        t0 = Date()
        let tool = try ConntrackTestSupport.run(["sh", "-c", "ip netns exec \(ns.name) conntrack -L > /dev/null 2>&1"])
        print("BENCH conntrack -L > /dev/null: exit \(tool.status) in \(String(format: "%.3f", Date().timeIntervalSince(t0))) s")
        t0 = Date()
        try bigClient.flush()
        print("BENCH flush: \(String(format: "%.3f", Date().timeIntervalSince(t0))) s")
    }
}
