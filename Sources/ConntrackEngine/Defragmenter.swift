/// IPv4/IPv6 reassembly before tracking. Placeholder until the full defragmenter lands.
@usableFromInline
struct Defragmenter {
    @usableFromInline enum Result { case queued, complete, failed(InvalidReason) }
    init() {}
    @usableFromInline
    mutating func add(_ b: Bytes, _ p: L3Packet, now: UInt64, limits: DefragLimits, counters: inout EngineCounters,
                      into out: inout [UInt8]) -> Result {
        .failed(.fragment)
    }
}
extension Defragmenter {
    mutating func expire(now: UInt64, counters: inout EngineCounters) {}
}
