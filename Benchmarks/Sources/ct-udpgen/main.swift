import CSendmmsg
#if canImport(Glibc)
import Glibc
#endif

// ct-udpgen RATE SECONDS [FIRST]
// Sends RATE UDP datagrams per second for SECONDS seconds, each to a distinct destination
// (10.(64+k>>16).(k>>8).(k):9 for k = FIRST, FIRST+1, ...), in sendmmsg batches from one
// unbound UDP socket. Run it inside a throwaway namespace whose 10.0.0.0/8 route points at a
// dummy interface (packets are dropped there) and where conntrack is hooked (an nft rule with
// `ct state`): every datagram then creates one conntrack entry, i.e. one NEW event, through
// the real packet path (OUTPUT -> POSTROUTING confirm). Prints "sent N in S s" on stdout.

func fail(_ s: String) -> Never {
    let b = Array((s + "\n").utf8)
    _ = b.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}

let args = CommandLine.arguments
guard args.count >= 3, let rate = Int(args[1]), rate > 0, let seconds = Double(args[2]), seconds > 0 else {
    fail("usage: ct-udpgen RATE SECONDS [FIRST]")
}
let first = args.count > 3 ? (Int(args[3]) ?? 0) : 0

let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
guard fd >= 0 else { fail("socket: \(String(cString: strerror(errno)))") }
var sndbuf: Int32 = 4 << 20
_ = setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, socklen_t(MemoryLayout<Int32>.size))

let batch = 64
var addrs = [sockaddr_in](repeating: sockaddr_in(), count: batch)
var payload: UInt64 = 0

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

let total = Int(Double(rate) * seconds)
var sent = 0
var failed = 0
let start = now()
addrs.withUnsafeMutableBufferPointer { ab in
    while sent < total {
        // Pace: how many should have gone by now.
        let due = min(total, Int((now() - start) * Double(rate)) + 1)
        if due <= sent {
            var ts = timespec(tv_sec: 0, tv_nsec: 200_000)
            nanosleep(&ts, nil)
            continue
        }
        let n = min(batch, due - sent)
        for i in 0..<n {
            let k = UInt32(first + sent + i)
            let dst = (UInt32(10) << 24) | ((64 + (k >> 16) & 0x3f) << 16) | (k & 0xffff)
            ab[i].sin_family = sa_family_t(AF_INET)
            ab[i].sin_port = UInt16(9).bigEndian
            ab[i].sin_addr.s_addr = dst.bigEndian
        }
        let r = ct_sendmmsg_to(fd, ab.baseAddress, UInt32(n), &payload, 8)
        if r < 0 {
            failed += 1
            if failed > 1000 { fail("sendmmsg: \(String(cString: strerror(errno)))") }
            sent += n  // skip these destinations
        } else {
            sent += Int(r)
        }
    }
}
let elapsed = now() - start
print("sent \(sent) in \(Int(elapsed * 1000)) ms (\(Int(Double(sent) / elapsed))/s)")
