import Conntrack

/// What a protocol tracker decided for one packet.
@usableFromInline
enum TrackAction: Equatable {
    /// Accepted (state, timeout and counters updated as the tracker saw fit).
    case accept
    /// Accepted without any change (`NF_ACCEPT` from an ignore path), with the reason.
    case ignore(InvalidReason)
    /// Rejected: the packet gets no conntrack.
    case invalid(InvalidReason)
    /// Accepted, then the entry is deleted (TCP RST with no reply seen).
    case acceptAndKill
    /// TCP reopen: delete the entry and process the packet as a new connection (`-NF_REPEAT`).
    case reopen
}

/// The tracker's state; all packet-path work happens here, on a struct the owning
/// `Tracker` accesses once per call (no per-field exclusivity checks, no ARC).
@usableFromInline
struct TrackerCore {
    @usableFromInline var config: TrackerConfiguration
    @usableFromInline var table: ConnectionTable
    /// Timeouts in ns, refreshed from `config`: TCP (14 slots), SCTP (10 slots), others.
    @usableFromInline var tcpTimeout: UnsafeMutablePointer<UInt64>
    @usableFromInline var sctpTimeout: UnsafeMutablePointer<UInt64>
    /// Copy of `TCPStateTable.cells` (120 bytes) for the hot path.
    @usableFromInline var tcpCells: UnsafeMutablePointer<UInt8>
    @usableFromInline var genericTimeout: UInt64 = 0
    @usableFromInline var icmpTimeout: UInt64 = 0
    @usableFromInline var icmpv6Timeout: UInt64 = 0
    @usableFromInline var udpTimeout: UInt64 = 0
    @usableFromInline var udpStreamTimeout: UInt64 = 0
    @usableFromInline var counters = EngineCounters()
    /// Queued events (built into `Event`s when drained).
    @usableFromInline var events: [PendingEvent] = []
    @usableFromInline var gcCursor = 0
    /// Set when a packet was dropped for a full table (`conntrack_gc_work.early_drop`).
    @usableFromInline var gcEarlyDrop = false
    /// Packet time of the next GC run.
    @usableFromInline var nextGC: UInt64 = 0
    @usableFromInline var serial: UInt32 = 0
    @usableFromInline var defrag = Defragmenter()
    /// Per packet: checksums apply (PRE_ROUTING and not validated by hardware).
    @usableFromInline var checksumWanted = true
    /// Where batch warming stores its loads (keeps them from being optimised away).
    @usableFromInline var batchSink: UInt64 = 0
    /// State of the engine's random stream (NAT port choice).
    @usableFromInline var rng: UInt64 = 0
    /// NAT `bysource` hash: bucket heads (slab index + 1), chains through `natLink`.
    @usableFromInline var bySource: [UInt32] = []
    @usableFromInline var bySourceCount = 0
    /// The expectation table (small: searched linearly, only when not empty).
    @usableFromInline var expectations: [EngineExpectation] = []
    @usableFromInline var expectSerial: UInt32 = 0
    /// Queued expectation events.
    @usableFromInline var expectationEvents: [ExpectationEvent] = []

    init(configuration: TrackerConfiguration, seed: UInt64) {
        config = configuration
        table = ConnectionTable(seed: seed)
        tcpTimeout = .allocate(capacity: 14)
        tcpTimeout.initialize(repeating: 0, count: 14)
        sctpTimeout = .allocate(capacity: 10)
        sctpTimeout.initialize(repeating: 0, count: 10)
        tcpCells = .allocate(capacity: 120)
        for i in 0..<120 { tcpCells[i] = TCPStateTable.cells[i] }
        applyConfiguration()
    }

    func deallocate() {
        table.deallocate()
        tcpTimeout.deallocate()
        sctpTimeout.deallocate()
        tcpCells.deallocate()
    }

    @usableFromInline static let nsPerSecond: UInt64 = 1_000_000_000

    mutating func applyConfiguration() {
        let t = config.timeouts
        for i in 0..<14 { tcpTimeout[i] = UInt64(i < t.tcp.count ? t.tcp[i] : 0) &* Self.nsPerSecond }
        for i in 0..<10 { sctpTimeout[i] = UInt64(i < t.sctp.count ? t.sctp[i] : 0) &* Self.nsPerSecond }
        genericTimeout = UInt64(t.generic) &* Self.nsPerSecond
        icmpTimeout = UInt64(t.icmp) &* Self.nsPerSecond
        icmpv6Timeout = UInt64(t.icmpv6) &* Self.nsPerSecond
        udpTimeout = UInt64(t.udp) &* Self.nsPerSecond
        udpStreamTimeout = UInt64(t.udpStream) &* Self.nsPerSecond
    }

    // MARK: entry point

    
    mutating func process(_ packet: UnsafeRawBufferPointer, now: UInt64, metadata: PacketMetadata,
                          hash: UInt64 = 0) -> Verdict {
        counters.packets &+= 1
        gcStep(now: now)
        if metadata.notrack {
            counters.untracked &+= 1
            return Verdict(state: .untracked)
        }
        checksumWanted = metadata.hook == .preRouting && !metadata.checksumVerified
        let b = Bytes(packet)
        if let v = fastIPv4TCPAck(b, now: now, metadata: metadata, hash: hash) { return v }
        return processGeneral(b, now: now, metadata: metadata)
    }

    /// Everything but the fast path (kept out of line so `process` stays small).
    @usableFromInline @inline(never)
    mutating func processGeneral(_ b: Bytes, now: UInt64, metadata: PacketMetadata) -> Verdict {
        var p = L3Packet()
        let r = parseL3(b, into: &p)
        if r != .none {
            if r == .ipLengthExceedsPacket {
                // ip_rcv_core / ipv6_rcv: a length beyond the frame is dropped by the IP
                // layer: conntrack never sees the packet.
                counters.droppedBeforeConntrack &+= 1
                counters.reasons[Int(r.rawValue)] &+= 1
                return Verdict(state: .invalid, reason: r, dropped: true)
            }
            return reject(r)
        }
        if p.family == 2 && checksumWanted && !Checksum.ipv4HeaderValid(b, p.l4Offset) {
            // ip_rcv_core drops it: conntrack never sees the packet.
            counters.droppedBeforeConntrack &+= 1
            counters.reasons[Int(InvalidReason.badIPChecksum.rawValue)] &+= 1
            return Verdict(state: .invalid, reason: .badIPChecksum, dropped: true)
        }
        if p.isFragment { return processFragment(b, p, now: now, metadata: metadata) }
        return track(b, p, now: now, metadata: metadata)
    }

    @usableFromInline @inline(never)
    mutating func processFragment(_ b: Bytes, _ p: L3Packet, now: UInt64, metadata: PacketMetadata) -> Verdict {
        var out: [UInt8] = []
        switch defrag.add(b, p, now: now, limits: config.defrag, counters: &counters, into: &out) {
        case .queued:
            counters.fragmentsQueued &+= 1
            return Verdict(state: .fragmentQueued)
        case .failed(let reason):
            return reject(reason)
        case .complete:
            counters.reassembled &+= 1
            return out.withUnsafeBytes { raw -> Verdict in
                let whole = Bytes(raw)
                var q = L3Packet()
                let r = parseL3(whole, into: &q)
                if r != .none { return reject(r) }
                if q.isFragment { return reject(.fragmentMalformed) }
                return track(whole, q, now: now, metadata: metadata)
            }
        }
    }

    /// Counts and returns an invalid verdict (`invalid` or, for ICMP error-handler
    /// failures, `error`).
    mutating func reject(_ r: InvalidReason) -> Verdict {
        if r.countsAsError { counters.error &+= 1 } else { counters.invalid &+= 1 }
        counters.reasons[Int(r.rawValue)] &+= 1
        return .invalid(r)
    }

    /// `nf_conntrack_in` after layer-3 parsing.
    @inline(__always)
    mutating func track(_ b: Bytes, _ p: L3Packet, now: UInt64, metadata: PacketMetadata) -> Verdict {
        let proto = p.proto
        if proto == 1 && p.family == 2 {
            if let v = icmpErrorHandler(b, p, now: now, metadata: metadata) { return v }
        } else if proto == 58 && p.family == 10 {
            if let v = icmpv6ErrorHandler(b, p, now: now, metadata: metadata) { return v }
        }
        var key = FlowKey(srcHi: p.srcHi, srcLo: p.srcLo, dstHi: p.dstHi, dstLo: p.dstLo, sport: 0, dport: 0,
                          proto: proto, family: p.family, zone: metadata.zone.id(for: 0))
        let tr = extractL4(b, p, into: &key)
        if tr != .none { return reject(tr) }

        var repeated = false
        while true {
            let hash = key.hash(seed: table.seed)
            var ref = table.find(key, hash: hash)
            if ref == nil {
                let rid = metadata.zone.id(for: 1)
                if rid != key.zone {
                    var k2 = key
                    k2.zone = rid
                    ref = table.find(k2, hash: k2.hash(seed: table.seed))
                }
            }
            if let r = ref {
                let idx = Int(r >> 1)
                let dir = UInt8(truncatingIfNeeded: r & 1)
                let c = table.slab + idx
                // The zone of the matched direction must be the packet's zone for that direction.
                if c.pointee.zoneID(for: dir) != metadata.zone.id(for: dir) {
                    ref = nil
                } else if Int64(bitPattern: c.pointee.expires &- now) <= 0 {
                    destroy(idx, now: now, expired: true)
                    ref = nil
                } else {
                    if proto == 6 && metadata.setMark == nil && tcpFastExisting(idx, dir: dir, b, p, now: now) {
                        return Verdict(connection: ConnectionHandle(index: UInt32(idx)),
                                       direction: dir == 1 ? .reply : .original, state: .established)
                    }
                    let v = trackExisting(idx, dir: dir, b, p, now: now, metadata: metadata)
                    if v.reason == .none, v.state == .invalid, !repeated {
                        // `.reopen` is signalled as an invalid verdict with reason .none
                        repeated = true
                        continue
                    }
                    return v
                }
            }
            return trackNew(key: key, hash: hash, b, p, now: now, metadata: metadata)
        }
    }

    /// Packet on an existing (confirmed) connection.
    @inline(__always)
    mutating func trackExisting(_ idx: Int, dir: UInt8, _ b: Bytes, _ p: L3Packet, now: UInt64,
                                metadata: PacketMetadata) -> Verdict {
        let c = table.slab + idx
        let status = c.pointee.status
        let fw: FirewallState = dir == 1 || status & StatusBit.seenReply != 0
            ? .established : (status & StatusBit.expected != 0 ? .related : .new)
        let action = trackL4(idx, dir: dir, isNew: false, b, p, now: now)
        switch action {
        case .accept:
            break
        case .acceptAndKill:
            // nf_ct_kill_acct inside the tracker: DESTROY goes out at once; the cached
            // events of the dying entry and SEEN_REPLY are never delivered.
            counters.killedByRST &+= 1
            c.pointee.eventMask = 0
            destroy(idx, now: now, expired: false)
            return Verdict(connection: ConnectionHandle(index: UInt32(idx)), direction: dir == 1 ? .reply : .original,
                           state: fw)
        case .ignore(let why):
            // NF_ACCEPT without refresh: nf_conntrack_in still sets SEEN_REPLY.
            counters.reasons[Int(why.rawValue)] &+= 1
            if dir == 1 && status & StatusBit.seenReply == 0 {
                c.pointee.status |= StatusBit.seenReply
                c.pointee.eventMask |= EventBit.reply
            }
            if c.pointee.eventMask != 0 && !metadata.deferConfirmation { deliverEvents(idx, now: now) }
            return Verdict(connection: ConnectionHandle(index: UInt32(idx)), direction: dir == 1 ? .reply : .original,
                           state: fw, reason: why)
        case .invalid(let why):
            // The packet leaves without a conntrack, so nothing is delivered now: events a
            // tracker cached before rejecting (SCTP, chunk by chunk) go out with the next
            // accepted packet, merged, like the kernel's ecache.
            return reject(why)
        case .reopen:
            counters.reopened &+= 1
            destroy(idx, now: now, expired: false)
            return Verdict(state: .invalid, reason: .none)
        }
        if metadata.setMark != nil { applyMark(idx, metadata.setMark!) }
        if dir == 1 && status & StatusBit.seenReply == 0 {
            c.pointee.status |= StatusBit.seenReply
            c.pointee.eventMask |= EventBit.reply
        }
        // Delivered at once, as if the packet went straight to the confirmation hook; with
        // `deferConfirmation` the caller's `Tracker.confirm` delivers them (nf_conntrack_confirm),
        // so a packet dropped on the way leaves them cached for the next one.
        if c.pointee.eventMask != 0 && !metadata.deferConfirmation { deliverEvents(idx, now: now) }
        return Verdict(connection: ConnectionHandle(index: UInt32(idx)), direction: dir == 1 ? .reply : .original,
                       state: fw)
    }

    /// `init_conntrack` + tracker + confirmation for a packet matching no entry.
    @inline(never)
    mutating func trackNew(key: FlowKey, hash: UInt64, _ b: Bytes, _ p: L3Packet, now: UInt64,
                           metadata: PacketMetadata) -> Verdict {
        guard let inv = invertedL4(proto: key.proto, sport: key.sport, dport: key.dport) else {
            return reject(.cannotInvert)
        }
        // nf_conntrack_max = 0 means unlimited; the slab's 31-bit index is the real limit.
        let limit = config.maxEntries == 0 ? 0x7fff_fff0 : config.maxEntries
        if table.count &+ 1 > limit {
            if !earlyDrop(hash: hash, now: now) {
                gcEarlyDrop = true
                counters.drop &+= 1
                counters.reasons[Int(InvalidReason.tableFull.rawValue)] &+= 1
                return Verdict(state: .invalid, reason: .tableFull, dropped: true)
            }
        }
        let idx = Int(table.allocateSlot())
        let c = table.slab + idx
        var n = Connection()
        n.srcHi = key.srcHi; n.srcLo = key.srcLo; n.dstHi = key.dstHi; n.dstLo = key.dstLo
        n.sport = key.sport; n.dport = key.dport
        n.rsport = inv.0; n.rdport = inv.1
        n.proto = key.proto; n.family = key.family
        n.zoneID = metadata.zone.id; n.zoneDirs = metadata.zone.directions.rawValue
        if metadata.zone.id == 0 { n.zoneDirs = 3 }
        var f = ConnFlag.inUse
        if config.accounting { f |= ConnFlag.acct; table.ensureCounters()[idx] = ConnCounters() }
        if config.timestamps { f |= ConnFlag.tstamp; table.ensureStartTimes()[idx] = 0 }
        if config.eventsEnabled { f |= ConnFlag.events }
        n.flags = f
        n.expires = now
        c.pointee = n
        serial &+= 1
        c.pointee.id = idHash(serial)
        if let h = table.helpers { h[idx] = HelperData() }
        var expected = false
        if !expectations.isEmpty, let e = takeExpectation(key, now: now) {
            // init_conntrack: EXPECTED, the master, its mark; NAT "follow master".
            expected = true
            counters.expectNew &+= 1
            c.pointee.status |= StatusBit.expected
            c.pointee.mark = table.slab[e.master].mark
            let hs = table.ensureHelpers()
            hs[idx].master = UInt32(e.master) &+ 1
            hs[idx].masterID = e.masterID
            if e.followMaster { followMaster(idx, e) }
        }
        let action = trackL4(idx, dir: 0, isNew: true, b, p, now: now)
        switch action {
        case .accept, .acceptAndKill, .ignore:
            break
        case .invalid(let why):
            discard(idx)
            return reject(why)
        case .reopen:
            discard(idx)
            return reject(.tcpInvalidState)
        }
        if let m = metadata.setMark { c.pointee.mark = m; if m != 0 { c.pointee.eventMask |= EventBit.mark } }
        let state: FirewallState = expected ? .related : .new
        if metadata.deferConfirmation {
            // Left unconfirmed: the caller sets up NAT and confirms (or discards) it.
            var v = Verdict(connection: ConnectionHandle(index: UInt32(idx)), direction: .original, state: state)
            v.unconfirmed = true
            return v
        }
        if !confirm(idx, now: now) { return Verdict(state: .invalid, reason: .none, dropped: true) }
        return Verdict(connection: ConnectionHandle(index: UInt32(idx)), direction: .original, state: state)
    }

    /// `__nf_conntrack_confirm`: inserts an unconfirmed entry under both tuples and
    /// delivers its events. Fails (the entry is freed, `insert_failed` and `drop` counted)
    /// when either tuple is already in the table, as after a NAT clash.
    mutating func confirm(_ idx: Int, now: UInt64) -> Bool {
        let c = table.slab + idx
        if c.pointee.status & StatusBit.confirmed != 0 { return true }
        if c.pointee.flags & ConnFlag.natReply != 0 {
            let k0 = table.key(idx, 0), k1 = table.key(idx, 1)
            if table.find(k0, hash: k0.hash(seed: table.seed)) != nil || table.find(k1, hash: k1.hash(seed: table.seed)) != nil {
                counters.insertFailed &+= 1
                counters.drop &+= 1
                discard(idx)
                return false
            }
        }
        c.pointee.status |= StatusBit.confirmed
        if c.pointee.flags & ConnFlag.tstamp != 0 { table.startTimes![idx] = now }
        c.pointee.eventMask |= c.pointee.status & StatusBit.expected != 0 ? EventBit.related : EventBit.new
        table.insert(UInt32(idx))
        counters.created &+= 1
        deliverEvents(idx, now: now)
        return true
    }

    /// Frees an unconfirmed entry (its packet was dropped before confirmation): no events.
    mutating func discard(_ idx: Int) {
        let c = table.slab + idx
        guard c.pointee.flags & ConnFlag.inUse != 0, c.pointee.status & StatusBit.confirmed == 0 else { return }
        if c.pointee.flags & ConnFlag.bySource != 0 { bySourceRemove(idx) }
        if let h = table.helpers { h[idx] = HelperData() }
        if let l = table.natLink { l[idx].masqueradeInterface = 0 }
        table.releaseSlot(UInt32(idx))
    }

    
    mutating func idHash(_ s: UInt32) -> UInt32 {
        let h = FlowKey.fold(table.seed ^ UInt64(s), 0x9E37_79B9_7F4A_7C15)
        let v = UInt32(truncatingIfNeeded: h ^ (h >> 32))
        return v == 0 ? 1 : v
    }

    
    mutating func applyMark(_ idx: Int, _ m: UInt32) {
        let c = table.slab + idx
        if c.pointee.mark != m {
            c.pointee.mark = m
            c.pointee.eventMask |= EventBit.mark
        }
    }

    /// `nf_ct_refresh_acct`: new timeout (unless `IPS_FIXED_TIMEOUT`) and counters.
    @inline(__always)
    mutating func refresh(_ idx: Int, timeout: UInt64, now: UInt64, dir: UInt8, length: Int) {
        let c = table.slab + idx
        if c.pointee.status & StatusBit.fixedTimeout == 0 { c.pointee.expires = now &+ timeout }
        account(idx, dir: dir, length: length)
    }

    @inline(__always)
    mutating func account(_ idx: Int, dir: UInt8, length: Int) {
        if table.slab[idx].flags & ConnFlag.acct != 0, let cs = table.counters {
            if dir == 0 {
                cs[idx].packets0 &+= 1; cs[idx].bytes0 &+= UInt64(length)
            } else {
                cs[idx].packets1 &+= 1; cs[idx].bytes1 &+= UInt64(length)
            }
        }
    }

    /// Sets ASSURED, caching the event.
    @inline(__always)
    mutating func setAssured(_ idx: Int) {
        let c = table.slab + idx
        if c.pointee.status & StatusBit.assured == 0 {
            c.pointee.status |= StatusBit.assured
            c.pointee.eventMask |= EventBit.assured
        }
    }

    /// Dispatch to the protocol tracker (`nf_conntrack_handle_packet`).
    @inline(__always)
    mutating func trackL4(_ idx: Int, dir: UInt8, isNew: Bool, _ b: Bytes, _ p: L3Packet, now: UInt64) -> TrackAction {
        switch p.proto {
        case 6: return trackTCP(idx, dir: dir, isNew: isNew, b, p, now: now)
        case 17: return trackUDP(idx, dir: dir, isNew: isNew, b, p, now: now)
        case 136: return trackUDPLite(idx, dir: dir, isNew: isNew, b, p, now: now)
        case 1: return trackICMP(idx, dir: dir, isNew: isNew, b, p, now: now)
        case 58: return trackICMPv6(idx, dir: dir, isNew: isNew, b, p, now: now)
        case 132: return trackSCTP(idx, dir: dir, isNew: isNew, b, p, now: now)
        case 47: return trackGRE(idx, dir: dir, isNew: isNew, b, p, now: now)
        default:
            refresh(idx, timeout: genericTimeout, now: now, dir: dir, length: p.length)
            return .accept
        }
    }

    /// Builds the layer-4 part of the tuple (`nf_ct_get_tuple`).
    @inline(__always)
    func extractL4(_ b: Bytes, _ p: L3Packet, into key: inout FlowKey) -> InvalidReason {
        let o = p.l4Offset
        let len = p.l4Length
        switch p.proto {
        case 6, 17, 136, 132:
            guard len >= 4 else { return .truncatedL4Header }
            key.sport = b.u16(o)
            key.dport = b.u16(o &+ 2)
        case 1, 58:
            guard len >= 8 else { return .truncatedL4Header }
            key.dport = UInt16(b.u8(o)) << 8 | UInt16(b.u8(o &+ 1))
            key.sport = b.u16(o &+ 4)
        case 47:
            // gre_pkt_to_tuple: only version 1 (PPTP) is keyed, and must carry PPP.
            guard len >= 4, b.u16(o) & 7 == 1 else { return .none }
            guard len >= 8 else { return .none }
            guard b.u16(o &+ 2) == 0x880b else { return .greMalformed }
            key.dport = b.u16(o &+ 6)
            key.sport = 0
        default:
            break
        }
        return .none
    }

    // MARK: deletion, expiry, early drop

    /// `nf_ct_delete`: DESTROY event (if the entry has the event extension), unlink, free.
    mutating func destroy(_ idx: Int, now: UInt64, expired: Bool) {
        let c = table.slab + idx
        if expired { counters.expired &+= 1 }
        c.pointee.status |= StatusBit.dying
        if c.pointee.flags & ConnFlag.events != 0 {
            // tstamp.stop = now minus the time the entry had already been expired.
            let stop = expired && c.pointee.expires < now ? c.pointee.expires : now
            emit(idx, mask: EventBit.destroy, now: now, stop: stop)
        }
        if c.pointee.flags & ConnFlag.bySource != 0 { bySourceRemove(idx) }
        if !expectations.isEmpty { removeExpectations(ofMaster: idx, id: c.pointee.id, now: now) }
        if let h = table.helpers { h[idx] = HelperData() }
        if let l = table.natLink { l[idx].masqueradeInterface = 0 }
        table.remove(UInt32(idx))
    }

    /// Incremental GC (`gc_worker`): once per millisecond of packet time, look at the next
    /// 256 slab slots and reap the expired entries. Per packet this is one comparison; a
    /// full pass over a million entries takes about 4 s of traffic time. Lookups reap the
    /// expired entries they meet in between, so expiry is never missed, only reported later.
    @inline(__always)
    mutating func gcStep(now: UInt64) {
        if now < nextGC { return }
        gcRun(now: now)
    }

    @usableFromInline @inline(never)
    mutating func gcRun(now: UInt64) {
        nextGC = now &+ 1_000_000
        let high = table.slabHigh
        if high == 0 { return }
        var i = gcCursor
        // After a "table full" drop the GC also evicts droppable entries while the table
        // is at 95 % of nf_conntrack_max (gc_worker_can_early_drop), for one full pass.
        let max = config.maxEntries
        let squeeze = gcEarlyDrop && max != 0
        for _ in 0..<min(256, high) {
            if i >= high {
                i = 0
                gcEarlyDrop = false
            }
            let c = table.slab + i
            if c.pointee.flags & ConnFlag.inUse != 0 && c.pointee.status & StatusBit.confirmed != 0 {
                if Int64(bitPattern: c.pointee.expires &- now) <= 0 {
                    destroy(i, now: now, expired: true)
                } else if squeeze && table.count >= max / 100 * 95 && canEarlyDrop(c.pointee) {
                    destroy(i, now: now, expired: false)
                }
            }
            i &+= 1
        }
        gcCursor = i
    }

    /// `gc_worker_can_early_drop`: not ASSURED, or a closing TCP/SCTP state.
    mutating func canEarlyDrop(_ c: Connection) -> Bool {
        if c.status & StatusBit.assured == 0 { return true }
        switch c.proto {
        case 6:
            let s = c.state
            return s == TCPStateTable.fw || s == TCPStateTable.cw || s == TCPStateTable.la
                || s == TCPStateTable.tw || s == TCPStateTable.cl
        case 132:
            return c.state == 5 || c.state == 6 || c.state == 7
        default:
            return false
        }
    }

    /// Expires every entry (and fragment queue) due at `now`.
    mutating func expireAll(now: UInt64) {
        defrag.expire(now: now, counters: &counters)
        if !expectations.isEmpty { expireExpectations(now: now) }
        for i in 0..<table.slabHigh {
            let c = table.slab + i
            if c.pointee.flags & ConnFlag.inUse != 0 && Int64(bitPattern: c.pointee.expires &- now) <= 0 {
                destroy(i, now: now, expired: true)
            }
        }
    }

    /// `early_drop`: the kernel walks up to 8 hash buckets from the new tuple's bucket and
    /// kills every confirmed, non-ASSURED, non-dying entry of the first bucket that has
    /// any (expired entries met on the way are reaped and not counted). The engine's index
    /// is open-addressed, so the kernel's `nf_conntrack_buckets` buckets are laid over it:
    /// bucket `b` is the run of index slots `[b*S/B, (b+1)*S/B)` (S slots, B buckets) and
    /// holds the tuples whose home slot is in that run; a tuple's own bucket is that of
    /// its home slot. A bucket therefore holds `2 * count / B` tuples on average, as the
    /// kernel's chains do, and with more buckets than slots most buckets are empty, as in
    /// a kernel whose `nf_conntrack_max` was lowered below its hash size.
    @usableFromInline @inline(never)
    mutating func earlyDrop(hash: UInt64, now: UInt64) -> Bool {
        let slotCount = table.slotMask &+ 1
        let buckets = max(1, config.hashBuckets)
        let home = Int(truncatingIfNeeded: ConnectionTable.tag(hash)) & table.slotMask
        let first = home &* buckets / slotCount
        for k in 0..<8 {
            let b = (first &+ k) % buckets
            // Slots [lo, hi) are bucket b's (ceil of b*S/B and (b+1)*S/B).
            let lo = (b &* slotCount &+ buckets &- 1) / buckets
            let hi = ((b &+ 1) &* slotCount &+ buckets &- 1) / buckets
            if lo == hi { continue }
            let drops = dropBucket(lo: lo, hi: hi, now: now)
            if drops > 0 {
                counters.earlyDrop &+= UInt64(drops)
                return true
            }
        }
        return false
    }

    /// Kills every droppable entry with a tuple whose home slot is in `[lo, hi)`; returns
    /// how many. Linear probing keeps those tuples between `lo` and the first empty slot
    /// at or after `hi`; a deletion shifts later tuples back, so the slot is looked at
    /// again after one.
    mutating func dropBucket(lo: Int, hi: Int, now: UInt64) -> Int {
        let mask = table.slotMask
        let width = hi &- lo
        var drops = 0
        var i = lo
        var steps = 0
        while steps <= mask {
            let s = table.slots[i & mask]
            if s == 0 {
                if i >= hi { break }
                i &+= 1; steps &+= 1
                continue
            }
            let h = Int(truncatingIfNeeded: s >> 32) & mask
            if (h &- lo) & mask < width {
                let idx = Int((UInt32(truncatingIfNeeded: s) &- 1) >> 1)
                let c = table.slab + idx
                if Int64(bitPattern: c.pointee.expires &- now) <= 0 && c.pointee.status & StatusBit.confirmed != 0 {
                    destroy(idx, now: now, expired: true)
                    continue
                }
                if c.pointee.status & (StatusBit.assured | StatusBit.dying) == 0
                    && c.pointee.status & StatusBit.confirmed != 0 {
                    destroy(idx, now: now, expired: false)
                    drops &+= 1
                    continue
                }
            }
            i &+= 1; steps &+= 1
        }
        return drops
    }
}
