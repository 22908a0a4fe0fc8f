/// SCTP (`nf_conntrack_proto_sctp.c`). Placeholder until the full tracker lands.
extension TrackerCore {
    
    mutating func trackSCTP(_ idx: Int, dir: UInt8, isNew: Bool, _ b: Bytes, _ p: L3Packet, now: UInt64) -> TrackAction {
        refresh(idx, timeout: genericTimeout, now: now, dir: dir, length: p.length)
        return .accept
    }
}
