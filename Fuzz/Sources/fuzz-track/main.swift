import Conntrack
import ConntrackEngine
import FuzzCommon

// (a) Arbitrary packet sequences through the tracker.
// Input: records [u8 time step][u16 LE length][packet bytes] (see FuzzCommon). Each
// record is one IPv4/IPv6 packet; the clock advances by step * 100 ms, so long steps
// exercise expiry. The first byte of the whole input, if it is 0xff, turns on the
// liberal/loose knobs and a tiny table so early drop runs too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTrack(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let tracker = Tracker(seed: 0x5eed)
    if input.first == 0xff {
        try? tracker.setSysctl("nf_conntrack_max", 8)
        try? tracker.setSysctl("nf_conntrack_tcp_be_liberal", 1)
        try? tracker.setSysctl("nf_conntrack_checksum", 0)
    }
    var now: UInt64 = 1_000_000_000
    forEachRecord(input) { step, packet in
        now += UInt64(step) * 100_000_000
        _ = tracker.process(packet, now: now)
    }
    var n = 0
    tracker.forEachFlow(now: now) { _ in n += 1 }
    tracker.drainEvents { _ in }
    tracker.advance(to: now + 10 * 86_400 * 1_000_000_000)
    tracker.drainEvents { _ in }
    precondition(tracker.count <= max(n, tracker.count), "unreachable")
    _ = tracker.statistics
    return 0
}

@_cdecl("fuzz_track_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, { fuzzTrack($0, $1) })
}
