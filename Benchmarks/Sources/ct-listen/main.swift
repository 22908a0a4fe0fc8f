import ConntrackKernel
#if canImport(Glibc)
import Glibc
#endif

// ct-listen [new|all] [RCVBUF_BYTES]
// The library alone: an EventSubscription (NEW only, or NEW+UPDATE+DESTROY) whose events
// are counted, nothing printed. On SIGINT/SIGTERM prints
// "N events, M overruns, K malformed, cpu ..., rcvbuf ..." on stdout.
// RCVBUF_BYTES: absent = the library's default (8 MiB), 0 = the kernel's default.

nonisolated(unsafe) var stop: sig_atomic_t = 0
signal(SIGINT) { _ in stop = 1 }
signal(SIGTERM) { _ in stop = 1 }

let args = CommandLine.arguments
let groups: EventGroups = (args.count > 1 && args[1] == "all") ? .conntrack : .new
let rcvbuf: Int? = args.count > 2 ? Int(args[2]) : nil

do {
    let sub = try EventSubscription(groups: groups, receiveBufferSize: rcvbuf)
    var events = 0
    var overruns = 0
    while stop == 0 {
        _ = try sub.receive(timeoutMilliseconds: 200) { element in
            switch element {
            case .event: events += 1
            case .expectation: break
            case .overrun: overruns += 1
            }
        }
    }
    var ru = rusage()
    getrusage(RUSAGE_SELF.rawValue, &ru)
    let cpu = Double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6
        + Double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec)
    let perEvent = events > 0 ? cpu / Double(events) : 0
    print("\(events) events, \(overruns) overruns, \(sub.malformedEvents) malformed, "
          + "cpu \(Int(cpu / 1000)) ms (\(Int(perEvent * 1000)) ns/event), "
          + "rcvbuf \((try? sub.receiveBufferSize()) ?? 0)")
} catch {
    print("ct-listen: \(error)")
    exit(1)
}
