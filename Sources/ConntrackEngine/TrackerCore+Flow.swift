import Conntrack

/// Building `Flow` snapshots the way ctnetlink fills its messages, and the event queue.
extension TrackerCore {
    
    static func address(_ hi: UInt64, _ lo: UInt64, family: UInt8) -> IPAddress {
        family == 2 ? IPAddress(ipv4: UInt32(truncatingIfNeeded: hi >> 32)) : IPAddress(ipv6High: hi, low: lo)
    }

    /// The two tuples, with `CTA_TUPLE_ZONE` for direction-specific zones and `CTA_ZONE`
    /// for a zone of both directions (`ctnetlink_dump_zone_id`).
    /// Static: called from mutating code, an instance method would copy the whole core.
    @usableFromInline
    static func baseFlow(_ c: Connection, nat: NATReply?) -> Flow {
        let s = Self.address(c.srcHi, c.srcLo, family: c.family)
        let d = Self.address(c.dstHi, c.dstLo, family: c.family)
        let z = c.zoneID
        let o = Tuple(source: s, destination: d, protocol: c.proto, sourcePort: c.sport, destinationPort: c.dport,
                      zone: z != 0 && c.zoneDirs == 1 ? z : nil)
        let rs = nat.map { Self.address($0.srcHi, $0.srcLo, family: c.family) } ?? d
        let rd = nat.map { Self.address($0.dstHi, $0.dstLo, family: c.family) } ?? s
        let r = Tuple(source: rs, destination: rd, protocol: c.proto, sourcePort: c.rsport, destinationPort: c.rdport,
                      zone: z != 0 && c.zoneDirs == 2 ? z : nil)
        var f = Flow(original: o, reply: r)
        if z != 0 && c.zoneDirs == 3 { f.zone = z }
        f.id = c.id
        f.status = Status(rawValue: UInt32(c.status))
        return f
    }

    /// `CTA_PROTOINFO` for TCP/SCTP; `destroy` keeps only the state (`tcp_to_nlattr`).
    @usableFromInline
    static func protoInfo(_ c: Connection, destroy: Bool) -> ProtoInfo? {
        switch c.proto {
        case 6:
            if destroy { return .tcp(TCPInfo(state: c.state)) }
            return .tcp(TCPInfo(state: c.state, windowScaleOriginal: c.tcp.seen0.scale,
                                windowScaleReply: c.tcp.seen1.scale,
                                flagsOriginal: TCPFlagsMask(flags: c.tcp.seen0.flags, mask: 0),
                                flagsReply: TCPFlagsMask(flags: c.tcp.seen1.flags, mask: 0)))
        case 132:
            if destroy { return .sctp(SCTPInfo(state: c.state)) }
            return .sctp(SCTPInfo(state: c.state, vtagOriginal: c.sctpVtag(0), vtagReply: c.sctpVtag(1)))
        default:
            return nil
        }
    }

    
    static func remainingSeconds(_ expires: UInt64, now: UInt64) -> UInt32 {
        let d = Int64(bitPattern: expires &- now)
        return d <= 0 ? 0 : UInt32(truncatingIfNeeded: UInt64(d) / nsPerSecond)
    }

    /// The entry as a ctnetlink dump shows it (`ctnetlink_fill_info`). `mutating` only so it
    /// runs in place through the tracker's pointer (a non-mutating call would copy the core).
    @usableFromInline
    mutating func dumpFlow(_ idx: Int, now: UInt64) -> Flow {
        let c = table.slab[idx]
        var f = Self.baseFlow(c, nat: c.flags & ConnFlag.natReply != 0 ? table.natReply![idx] : nil)
        f.timeout = Self.remainingSeconds(c.expires, now: now)
        if c.flags & ConnFlag.acct != 0, let cs = table.counters {
            f.countersOriginal = Counters(packets: cs[idx].packets0, bytes: cs[idx].bytes0)
            f.countersReply = Counters(packets: cs[idx].packets1, bytes: cs[idx].bytes1)
        }
        if c.flags & ConnFlag.tstamp != 0, let ts = table.startTimes {
            f.timestamps = Timestamps(start: ts[idx])
        }
        f.protoInfo = Self.protoInfo(c, destroy: false)
        f.mark = c.mark
        f.use = 1
        if let h = table.helpers {
            f.helper = ConnectionHelper(rawValue: h[idx].kind)?.name
            if h[idx].master != 0 { f.master = masterTuple(h[idx]) }
        }
        return f
    }

    /// The original tuple of an expected connection's master (`CTA_TUPLE_MASTER`).
    func masterTuple(_ h: HelperData) -> Tuple? {
        let m = Int(h.master &- 1)
        guard m < table.slabHigh, table.slab[m].id == h.masterID, table.slab[m].flags & ConnFlag.inUse != 0 else { return nil }
        let k = table.key(m, 0)
        return Tuple(source: Self.address(k.srcHi, k.srcLo, family: k.family),
                     destination: Self.address(k.dstHi, k.dstLo, family: k.family), protocol: k.proto,
                     sourcePort: k.sport, destinationPort: k.dport)
    }

    /// Delivers the events cached on `idx` as one message (`nf_ct_deliver_cached_events`).
    mutating func deliverEvents(_ idx: Int, now: UInt64) {
        let mask = table.slab[idx].eventMask
        table.slab[idx].eventMask = 0
        if mask == 0 || table.slab[idx].flags & ConnFlag.events == 0 { return }
        emit(idx, mask: mask, now: now, stop: 0)
    }

    /// Queues one event like `ctnetlink_conntrack_event`: a plain snapshot of the entry
    /// (no `Flow` is built and nothing is reference counted on the packet path); the
    /// `Event` is made from it when the queue is drained.
    @usableFromInline @inline(never)
    mutating func emit(_ idx: Int, mask: UInt16, now: UInt64, stop: UInt64) {
        guard events.count < config.eventQueueLimit else {
            counters.eventsLost &+= 1
            return
        }
        let c = table.slab + idx
        var e = PendingEvent(connection: c.pointee, time: now, stop: stop, mask: mask)
        if c.pointee.flags & ConnFlag.natReply != 0 { e.nat = table.natReply![idx] }
        if let h = table.helpers {
            e.helper = h[idx].kind
            if h[idx].master != 0 { e.master = masterTuple(h[idx]) }
        }
        if c.pointee.flags & ConnFlag.acct != 0, let cs = table.counters {
            e.counters = cs[idx]
            e.hasCounters = true
        }
        if c.pointee.flags & ConnFlag.tstamp != 0, let ts = table.startTimes {
            e.start = ts[idx]
            e.hasStart = true
        }
        events.append(e)
    }

    /// The `Event` a queued snapshot stands for.
    static func event(_ e: PendingEvent) -> Event {
        let c = e.connection
        let mask = e.mask
        var f = Self.baseFlow(c, nat: c.flags & ConnFlag.natReply != 0 ? e.nat : nil)
        let type: EventType
        if mask & EventBit.destroy != 0 {
            type = .destroy
            let t = Self.remainingSeconds(c.expires, now: e.time)
            if t != 0 { f.timeout = t }
            if e.hasCounters {
                f.countersOriginal = Counters(packets: e.counters.packets0, bytes: e.counters.bytes0)
                f.countersReply = Counters(packets: e.counters.packets1, bytes: e.counters.bytes1)
            }
            if e.hasStart {
                f.timestamps = Timestamps(start: e.start, stop: e.stop == 0 ? nil : e.stop)
            }
            f.protoInfo = Self.protoInfo(c, destroy: true)
        } else {
            type = mask & (EventBit.new | EventBit.related) != 0 ? .new : .update
            f.timeout = Self.remainingSeconds(c.expires, now: e.time)
            if mask & EventBit.protoInfo != 0 { f.protoInfo = Self.protoInfo(c, destroy: false) }
        }
        if c.mark != 0 || mask & EventBit.mark != 0 { f.mark = c.mark }
        f.helper = ConnectionHelper(rawValue: e.helper)?.name
        f.master = e.master
        return Event(type: type, flow: f, time: e.time)
    }
}

/// A queued event: the entry as it was when the event was raised, plus the extensions the
/// message carries.
@usableFromInline
struct PendingEvent {
    var connection: Connection
    var counters = ConnCounters()
    var nat = NATReply()
    var helper: UInt8 = 0
    var master: Tuple? = nil
    var start: UInt64 = 0
    var stop: UInt64
    var time: UInt64
    var mask: UInt16
    var hasCounters = false
    var hasStart = false

    init(connection: Connection, time: UInt64, stop: UInt64, mask: UInt16) {
        self.connection = connection
        self.time = time
        self.stop = stop
        self.mask = mask
    }
}
