import Conntrack
import ConntrackKernel
#if canImport(Glibc)
import Glibc
#endif

func printError(_ s: String) {
    let bytes = Array((s + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

// ct-fill NETNS COUNT [tcp|udp|mixed]
// Creates COUNT distinct entries in the named network namespace with batched CT_NEW requests.
let args = CommandLine.arguments
guard args.count >= 3, let count = Int(args[2]), count > 0 else {
    printError("usage: ct-fill NETNS COUNT [tcp|udp|mixed]")
    exit(2)
}
let kind = args.count > 3 ? args[3] : "mixed"

func flow(_ i: Int) -> Flow {
    // 10.(i>>16).(i>>8).(i) -> 192.0.2.1, distinct source address/port per entry.
    let src = IPAddress(ipv4: 0x0a00_0000 | UInt32(i >> 6))
    let dst = IPAddress(ipv4: 0xc000_0201)
    let sport = UInt16(1024 + (i & 63))
    let useTCP = kind == "tcp" || (kind == "mixed" && i % 2 == 0)
    let proto = useTCP ? IPProtocol.tcp : IPProtocol.udp
    let orig = Tuple(source: src, destination: dst, protocol: proto, sourcePort: sport, destinationPort: 80)
    var f = Flow(original: orig, reply: orig.inverted())
    f.timeout = 3600
    f.status = [.seenReply, .assured, .confirmed]
    f.mark = UInt32(i & 7)
    if useTCP { f.protoInfo = .tcp(TCPInfo(state: TCPState.established.rawValue)) }
    return f
}

do {
    let client = try ConntrackClient(receiveBufferSize: 8 << 20, networkNamespace: args[1])
    var start = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    let result = try client.createBatch((0..<count).lazy.map(flow))
    var end = timespec()
    clock_gettime(CLOCK_MONOTONIC, &end)
    let ms = (end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1_000_000
    let failed = result.failures.count
    print("created \(count - failed) of \(count) entries in \(ms) ms"
          + (failed > 0 ? " (\(failed) failed, first errno \(result.failures[0].errno))" : ""))
    exit(failed == 0 ? 0 : 1)
} catch {
    printError("ct-fill: \(error)")
    exit(1)
}
