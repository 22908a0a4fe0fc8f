import Conntrack

/// A userspace connection tracker that keeps the same table as Linux's nf_conntrack.
///
/// Feed it IPv4/IPv6 packets with their timestamps; it returns the `ct state` a firewall
/// would see and keeps entries, timeouts, counters and events like the kernel. It never
/// reads a clock: time comes with each packet.
///
/// ```swift
/// let t = Tracker()
/// let v = bytes.withUnsafeBytes { t.process($0, now: 1_000_000_000) }
/// if v.state == .new { print("first packet of", v.connection!) }
/// t.forEachFlow(now: 2_000_000_000) { print($0.original, $0.timeout ?? 0) }
/// ```
public final class Tracker {
    /// The state lives behind a pointer: no exclusivity check per packet.
    @usableFromInline let core: UnsafeMutablePointer<TrackerCore>

    /// Creates a tracker. `seed` fixes the hash seed (tests); nil draws a random one.
    public init(configuration: TrackerConfiguration = .init(), seed: UInt64? = nil) {
        var g = SystemRandomNumberGenerator()
        core = .allocate(capacity: 1)
        core.initialize(to: TrackerCore(configuration: configuration, seed: seed ?? g.next()))
    }

    deinit {
        core.pointee.deallocate()
        core.deinitialize(count: 1)
        core.deallocate()
    }

    /// The configuration. Changes apply to following packets; extensions (accounting,
    /// timestamps, events) are decided when an entry is created, as in the kernel.
    public var configuration: TrackerConfiguration {
        get { core.pointee.config }
        set { core.pointee.config = newValue; core.pointee.applyConfiguration() }
    }

    /// Sets a knob by sysctl name (`net.netfilter.nf_conntrack_tcp_loose` or
    /// `nf_conntrack_tcp_loose`). Throws `SysctlError` for unknown names.
    public func setSysctl(_ name: String, _ value: Int) throws {
        try core.pointee.config.setSysctl(name, value)
        core.pointee.applyConfiguration()
    }

    /// Tracks one packet (`nf_conntrack_in`, with defragmentation first).
    /// `now` is the packet time in nanoseconds (any epoch, monotonic across calls).
    public func process(_ packet: UnsafeRawBufferPointer, now: UInt64, metadata: PacketMetadata = .init()) -> Verdict {
        core.pointee.process(packet, now: now, metadata: metadata)
    }

    /// Tracks many packets; `verdicts[i]` receives the verdict of `packets[i]`, same result
    /// as calling `process` for each in order. The packets go through a software pipeline:
    /// while one is processed, later ones are hashed and their index slots and connections
    /// prefetched (side-effect free), so the cache misses of many packets overlap. For
    /// tables larger than the CPU caches this is several times faster than `process` in a
    /// loop (Benchmarks/README.md, section 3, measures batches of 64).
    public func processBatch(_ packets: UnsafeBufferPointer<UnsafeRawBufferPointer>, now: UnsafeBufferPointer<UInt64>,
                             metadata: PacketMetadata = .init(), verdicts: UnsafeMutableBufferPointer<Verdict>) {
        precondition(now.count >= packets.count && verdicts.count >= packets.count, "batch buffers too small")
        core.pointee.processBatch(packets, now: now, metadata: metadata, verdicts: verdicts)
    }

    /// Expires every entry whose timeout has passed at `now` (DESTROY events), like a full
    /// GC pass. Call before listing.
    public func advance(to now: UInt64) {
        core.pointee.expireAll(now: now)
    }

    /// Calls `body` with every live entry as ctnetlink would dump it at `now` (entries
    /// already expired at `now` are skipped; call `advance(to:)` to reap them).
    public func forEachFlow(now: UInt64, _ body: (Flow) -> Void) {
        for i in 0..<core.pointee.table.slabHigh {
            let c = core.pointee.table.slab[i]
            guard c.flags & ConnFlag.inUse != 0, Int64(bitPattern: c.expires &- now) > 0 else { continue }
            body(core.pointee.dumpFlow(i, now: now))
        }
    }

    /// The entry whose original or reply tuple is `tuple` (zone: the tuple's own zone or
    /// `zone`), as a dump would show it; nil if none or expired.
    public func flow(matching tuple: Tuple, zone: UInt16 = 0, now: UInt64) -> Flow? {
        guard let h = handle(matching: tuple, zone: zone, now: now) else { return nil }
        return core.pointee.dumpFlow(Int(h.index), now: now)
    }

    /// The handle of the entry with this tuple in either direction.
    public func handle(matching tuple: Tuple, zone: UInt16 = 0, now: UInt64) -> ConnectionHandle? {
        let k = FlowKey(srcHi: tuple.source.high, srcLo: tuple.source.low, dstHi: tuple.destination.high,
                        dstLo: tuple.destination.low, sport: tuple.sourcePort, dport: tuple.destinationPort,
                        proto: tuple.proto, family: tuple.family.rawValue, zone: tuple.zone ?? zone)
        guard let ref = core.pointee.table.find(k, hash: k.hash(seed: core.pointee.table.seed)) else { return nil }
        let c = core.pointee.table.slab[Int(ref >> 1)]
        guard Int64(bitPattern: c.expires &- now) > 0 else { return nil }
        return ConnectionHandle(index: ref >> 1)
    }

    /// The entry behind a handle (nil if the slot is free).
    public func flow(_ handle: ConnectionHandle, now: UInt64) -> Flow? {
        let i = Int(handle.index)
        guard i < core.pointee.table.slabHigh, core.pointee.table.slab[i].flags & ConnFlag.inUse != 0 else { return nil }
        return core.pointee.dumpFlow(i, now: now)
    }

    // MARK: hooks after conntrack: NAT, marks, confirmation

    /// The confirmation hook for a `deferConfirmation` packet that made it through
    /// (`nf_conntrack_confirm`): an entry the packet created is inserted and its NEW event
    /// delivered; for an existing entry, the events cached while the packet went through
    /// the hooks (state changes, SEEN_REPLY, ASSURED, a new mark) are delivered as one
    /// message (`nf_ct_deliver_cached_events`). A packet dropped before this point leaves
    /// them cached: they go out, merged, with the next packet that gets here. Returns false
    /// (and frees the entry, counting `insert_failed` and `drop`) when a new entry's tuples
    /// clash with an existing entry; the kernel drops the packet then. No-op for verdicts
    /// without an entry.
    @discardableResult
    public func confirm(_ verdict: Verdict, now: UInt64) -> Bool {
        guard let h = verdict.connection else { return true }
        let idx = Int(h.index)
        guard verdict.unconfirmed else {
            let c = core.pointee.table.slab + idx
            if c.pointee.eventMask != 0 && c.pointee.flags & ConnFlag.inUse != 0 { core.pointee.deliverEvents(idx, now: now) }
            return true
        }
        return core.pointee.confirm(idx, now: now)
    }

    /// Frees the unconfirmed entry of a packet that was dropped before confirmation (no
    /// events, like the kernel's `nf_conntrack_destroy` of an unconfirmed entry).
    public func discard(_ verdict: Verdict) {
        guard verdict.unconfirmed, let h = verdict.connection else { return }
        core.pointee.discard(Int(h.index))
    }

    /// `nf_nat_setup_info`: binds the unconfirmed entry behind `handle` to `range` for
    /// `manip` (nil: the null binding the kernel makes when no rule NATs). Picks a unique
    /// tuple like the kernel (original tuple kept when free, consistent source mapping,
    /// hashed address choice, port search within the port's class), rewrites the reply
    /// tuple and sets `SRC_NAT`/`DST_NAT` and `*_NAT_DONE`. Does nothing on confirmed
    /// entries or when this manip is already set up.
    public func setupNAT(_ handle: ConnectionHandle, range: NATMapping?, manip: NATManip) {
        core.pointee.setupNAT(Int(handle.index), range: range, manip: manip)
    }

    /// Records the output interface of a masqueraded entry (`nat->masq_index`); 0 clears.
    public func setMasqueradeInterface(_ handle: ConnectionHandle, _ index: UInt32) {
        _ = core.pointee.table.ensureNAT()
        core.pointee.table.natLink![Int(handle.index)].masqueradeInterface = index
    }

    /// The output interface recorded for a masqueraded entry, 0 if none.
    @inlinable
    public func masqueradeInterface(_ handle: ConnectionHandle) -> UInt32 {
        core.pointee.table.natLink?[Int(handle.index)].masqueradeInterface ?? 0
    }

    /// Every live entry masqueraded out of interface `index` (the kernel flushes them when
    /// the interface goes down or loses its address).
    public func masqueradedEntries(interface index: UInt32) -> [ConnectionHandle] {
        guard let l = core.pointee.table.natLink else { return [] }
        var out: [ConnectionHandle] = []
        for i in 0..<core.pointee.table.slabHigh where core.pointee.table.slab[i].flags & ConnFlag.inUse != 0
            && l[i].masqueradeInterface == index {
            out.append(ConnectionHandle(index: UInt32(i)))
        }
        return out
    }

    /// Whether NAT of this kind is set up on the entry (`nf_nat_initialized`).
    @inlinable
    public func isNATInitialized(_ handle: ConnectionHandle, manip: NATManip) -> Bool {
        // The status word read in place (calling a method on `core.pointee` would copy the
        // whole tracker state first).
        let done = manip == .source ? StatusBit.srcNATDone : StatusBit.dstNATDone
        return core.pointee.table.slab[Int(handle.index)].status & done != 0
    }

    /// `nf_nat_packet` for the NAT hook of `manip` (DST: PREROUTING/LOCAL_OUT, SRC:
    /// POSTROUTING/LOCAL_IN): rewrites `packet` (an IPv4/IPv6 packet, the one `verdict`
    /// was given for) in place when its connection is NATed in this direction: addresses,
    /// ports or ICMP ids, IPv4 header and layer-4 checksums updated incrementally (SCTP's
    /// CRC32c recomputed); RELATED ICMP errors get the quoted packet translated too.
    /// Allocates nothing. A result other than `.none` means the kernel drops the packet.
    public func translate(_ packet: UnsafeMutableRawBufferPointer, verdict: Verdict, manip: NATManip) -> NATDropReason {
        guard let base = packet.baseAddress else { return .none }
        let m = MutableBytes(base: base, count: packet.count)
        if let r = core.pointee.natPacketFast(m, verdict: verdict, manip: manip) { return r }
        return core.pointee.natPacket(m, verdict: verdict, manip: manip)
    }

    /// The entry's `ct->status` bits.
    @inlinable
    public func status(_ handle: ConnectionHandle) -> Status {
        Status(rawValue: UInt32(core.pointee.table.slab[Int(handle.index)].status))
    }

    /// The entry's `ct mark`.
    @inlinable
    public func mark(_ handle: ConnectionHandle) -> UInt32 { core.pointee.table.slab[Int(handle.index)].mark }

    /// `ct mark set`: changes the mark and caches a MARK event (`nft_ct_set_eval`): it goes
    /// out with the NEW event of an unconfirmed entry, else with the events `confirm`
    /// delivers for the packet in flight (or, without one, the next packet's).
    public func setMark(_ handle: ConnectionHandle, _ value: UInt32, now: UInt64) {
        core.pointee.applyMark(Int(handle.index), value)
    }

    /// The entry's zone id (original direction).
    public func zone(_ handle: ConnectionHandle) -> UInt16 { core.pointee.table.slab[Int(handle.index)].zoneID }

    // MARK: helpers and expectations

    /// `ct helper set`: attaches a helper to the unconfirmed entry behind `handle` and sets
    /// `IPS_HELPER` (`nft_ct_helper_obj_eval`: only before confirmation, and never when
    /// the bit is already set).
    public func assignHelper(_ handle: ConnectionHandle, _ helper: ConnectionHelper) {
        let idx = Int(handle.index)
        let st = core.pointee.table.slab[idx].status
        guard st & StatusBit.confirmed == 0, st & StatusBit.helper == 0 else { return }
        let h = core.pointee.table.ensureHelpers()
        h[idx].kind = helper.rawValue
        core.pointee.table.slab[idx].status |= StatusBit.helper
    }

    /// Runs the entry's helper on `packet` as the kernel does at the confirm hook (after
    /// NAT): FTP commands and replies and TFTP requests register expectations. Returns
    /// false when the kernel would drop the packet (a partial FTP command, a refused
    /// expectation).
    ///
    /// With NAT, the FTP helper rewrites the address and port in the command (`nf_nat_ftp`)
    /// and every later packet of the connection gets its sequence numbers adjusted; the
    /// packet may then grow: `packet.count` is the buffer's capacity and `length` the
    /// packet's length, updated. A packet that would not fit is dropped (false).
    public func runHelper(_ packet: UnsafeMutableRawBufferPointer, length: inout Int, verdict: Verdict,
                          now: UInt64) -> Bool {
        guard let base = packet.baseAddress, length <= packet.count else { return true }
        return core.pointee.runHelper(MutableBytes(base: base, count: packet.count), length: &length, verdict: verdict,
                                      now: now)
    }

    /// Calls `body` with every live expectation (`conntrack -L expect`).
    public func forEachExpectation(now: UInt64, _ body: (Expectation) -> Void) {
        for e in core.pointee.expectations where Int64(bitPattern: e.expires &- now) > 0 {
            body(core.pointee.expectationValue(e, now: now))
        }
    }

    /// Live expectations.
    public var expectationCount: Int { core.pointee.expectations.count }

    /// Hands every queued expectation event to `body` in order and empties the queue.
    public func drainExpectationEvents(_ body: (ExpectationEvent) -> Void) {
        let e = core.pointee.expectationEvents
        core.pointee.expectationEvents.removeAll(keepingCapacity: true)
        for x in e { body(x) }
    }

    /// Live entries (`nf_conntrack_count`), expired-but-not-reaped ones included.
    public var count: Int { core.pointee.table.count }

    /// Bytes held by the connection table: slab, free list, index and extensions.
    public var tableMemoryBytes: Int {
        let t = core.pointee.table
        var n = t.slabCapacity * (MemoryLayout<Connection>.stride + 4) + (t.slotMask + 1) * 8
        if t.counters != nil { n += t.slabCapacity * MemoryLayout<ConnCounters>.stride }
        if t.startTimes != nil { n += t.slabCapacity * 8 }
        if t.natReply != nil { n += t.slabCapacity * MemoryLayout<NATReply>.stride }
        if t.natLink != nil { n += t.slabCapacity * MemoryLayout<NATLink>.stride }
        if t.helpers != nil { n += t.slabCapacity * MemoryLayout<HelperData>.stride }
        return n
    }

    /// Size of one connection in the slab.
    public static var connectionStride: Int { MemoryLayout<Connection>.stride }

    /// Per-CPU statistics as `conntrack -S` prints them (one CPU).
    public var statistics: CPUStatistics { core.pointee.counters.cpuStatistics() }

    /// All engine counters, including one per invalid reason.
    public var counters: EngineCounters { core.pointee.counters }

    /// Global statistics (`conntrack -C` / `GET_STATS`).
    public var globalStatistics: GlobalStatistics {
        GlobalStatistics(entries: UInt32(truncatingIfNeeded: core.pointee.table.count),
                         maxEntries: UInt32(truncatingIfNeeded: core.pointee.config.maxEntries))
    }

    /// Hands every queued event to `body` in order and empties the queue.
    public func drainEvents(_ body: (Event) -> Void) {
        // Take the buffer out (no copy), hand the events over, then give the emptied
        // buffer back so its capacity is reused: no allocation per drain once warm.
        var e: [PendingEvent] = []
        swap(&e, &core.pointee.events)
        for x in e { body(TrackerCore.event(x)) }
        if core.pointee.events.isEmpty {
            e.removeAll(keepingCapacity: true)
            swap(&e, &core.pointee.events)
        }
    }

    /// Deletes one entry (DESTROY event), like `conntrack -D`. Returns false if the slot is free.
    @discardableResult
    public func delete(_ handle: ConnectionHandle, now: UInt64) -> Bool {
        let i = Int(handle.index)
        guard i < core.pointee.table.slabHigh, core.pointee.table.slab[i].flags & ConnFlag.inUse != 0 else { return false }
        core.pointee.destroy(i, now: now, expired: false)
        return true
    }

    /// Deletes every entry (DESTROY events), like `conntrack -F`.
    public func flush(now: UInt64) {
        for i in 0..<core.pointee.table.slabHigh where core.pointee.table.slab[i].flags & ConnFlag.inUse != 0 {
            core.pointee.destroy(i, now: now, expired: false)
        }
    }
}
