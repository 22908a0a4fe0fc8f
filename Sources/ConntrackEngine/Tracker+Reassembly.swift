import Conntrack

/// What `Tracker.reassemble` did with a packet.
public enum Reassembly: Sendable, Hashable {
    /// Not a fragment: the packet goes on as it is.
    case notFragment
    /// A fragment held until its datagram is complete.
    case queued
    /// The fragment completed its datagram. `fragmentEnds` are the payload end offsets of
    /// the fragments it was made of, in order, and `id` their fragment id: where, and
    /// with what, a router that forwards the datagram splits it again.
    case complete(datagram: [UInt8], fragmentEnds: [Int], id: UInt32)
    /// The fragment was refused (bad IPv4 header, malformed, overlapping, over the memory
    /// limit): the verdict `process` gives it.
    case refused(Verdict)
}

extension Tracker {
    /// Defragmentation alone, the kernel's first step (`nf_defrag_ipv4` / `nf_defrag_ipv6`
    /// at priority -400, before the raw chains): a pipeline that runs rules between
    /// reassembly and tracking calls this first and then `process` with the whole
    /// datagram. Counts like `process` would for the same fragment.
    /// `checksumVerified`: the IPv4 header checksum need not be checked (local packets).
    public func reassemble(_ packet: UnsafeRawBufferPointer, now: UInt64, checksumVerified: Bool = false) -> Reassembly {
        core.pointee.reassemble(packet, now: now, checksumVerified: checksumVerified)
    }
}

extension TrackerCore {
    mutating func reassemble(_ packet: UnsafeRawBufferPointer, now: UInt64, checksumVerified: Bool) -> Reassembly {
        let b = Bytes(packet)
        var p = L3Packet()
        guard parseL3(b, into: &p) == .none, p.isFragment else { return .notFragment }
        gcStep(now: now)
        if p.family == 2 && !checksumVerified && !Checksum.ipv4HeaderValid(b, p.l4Offset) {
            // ip_rcv_core drops it (processGeneral does the same).
            counters.packets &+= 1
            counters.droppedBeforeConntrack &+= 1
            counters.reasons[Int(InvalidReason.badIPChecksum.rawValue)] &+= 1
            return .refused(Verdict(state: .invalid, reason: .badIPChecksum, dropped: true))
        }
        var out: [UInt8] = []
        switch defrag.add(b, p, now: now, limits: config.defrag, counters: &counters, into: &out) {
        case .queued:
            counters.packets &+= 1
            counters.fragmentsQueued &+= 1
            return .queued
        case .failed(let reason):
            counters.packets &+= 1
            return .refused(reject(reason))
        case .complete:
            // The datagram is counted as a packet when it is tracked.
            counters.reassembled &+= 1
            return .complete(datagram: out, fragmentEnds: defrag.lastPieceEnds, id: defrag.lastID)
        }
    }
}
