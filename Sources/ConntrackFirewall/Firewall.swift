import Conntrack
import ConntrackEngine
import ConntrackRuleset

/// Why a ruleset cannot be run by the firewall (it parsed, but uses something the
/// evaluator does not do, or refers to something the router model lacks).
public struct FirewallError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where in the ruleset file.
    public var location: SourceLocation
    /// What is wrong.
    public var message: String
    /// `file:line:column: message`
    public var description: String { "\(location): \(message)" }
}

/// A reference to one rule of the ruleset (for explanations and counters).
public struct RuleReference: Sendable, Hashable {
    /// Index of the table in `Ruleset.tables`.
    public var table: Int
    /// Index of the chain in the table.
    public var chain: Int
    /// Index of the rule in the chain; -1 means the chain's policy.
    public var rule: Int
    /// Creates a reference (indices as in `Ruleset.tables[table].chains[chain].rules[rule]`).
    public init(table: Int, chain: Int, rule: Int) { self.table = table; self.chain = chain; self.rule = rule }
}

/// What happened to one packet on its way through the router.
public struct FirewallVerdict: Sendable, Hashable {
    /// What the router did with the packet.
    public enum Disposition: UInt8, Sendable, Hashable {
        /// Forwarded out of `outputInterface`.
        case forwarded
        /// Delivered to a local socket (input hook).
        case delivered
        /// Dropped (by a rule, a policy, conntrack, NAT or routing).
        case dropped
        /// A fragment held for reassembly.
        case queued
    }
    /// What the router did.
    public var disposition: Disposition
    /// The conntrack verdict (state, connection, direction, invalid reason).
    public var conntrack: Verdict
    /// Output interface (index into the router model) for forwarded / output packets.
    public var outputInterface: Int?
    /// The rule (or policy) that dropped the packet, or the last rule that accepted or
    /// NATed it; nil when no rule matched.
    public var decidedBy: RuleReference?
    /// NAT rewrote the packet.
    public var translated: Bool
    /// Why NAT dropped the packet, when it did.
    public var natDrop: NATDropReason
    /// Why the packet was dropped outside the ruleset (no route, failed confirmation).
    public var dropNote: String?
    /// When the packet was the fragment that completed a datagram: the datagram as it
    /// leaves (rules, conntrack and NAT saw the whole datagram, as in the kernel, where
    /// defragmentation comes first), split again along the boundaries of the fragments it
    /// was made of (`ip_do_fragment` / `ip6_fragment`); `packet` itself is left untouched.
    /// Empty otherwise.
    public var fragments: [[UInt8]] = []
}

extension FirewallVerdict {
    /// A verdict while the packet is on its way: the same fields, but only plain data (the
    /// drop note as a case, no fragment list), so the pipeline moves it around without
    /// reference counting; it becomes a `FirewallVerdict` once, when the packet is done.
    struct Draft {
        var disposition: Disposition = .dropped
        var conntrack = Verdict(state: .invalid)
        var outputInterface: Int?
        var decidedBy: RuleReference?
        var translated = false
        var natDrop: NATDropReason = .none
        var note: DropNote = .none
    }

    /// Why the pipeline dropped a packet outside the ruleset (`dropNote`).
    enum DropNote: Equatable {
        case none
        case conntrack(InvalidReason)
        case noRoute(IPAddress)
        case hopLimit
        case helper
        case insertFailed
        case masqueradeInterfaceChanged

        var text: String? {
            switch self {
            case .none: nil
            case .conntrack(let r): "conntrack dropped the packet (\(r))"
            case .noRoute(let a): "no route to \(a)"
            case .hopLimit: "hop limit exceeded"
            case .helper: "dropped by the connection's helper"
            case .insertFailed: "insert failed: the NATed tuple clashes with an existing entry"
            case .masqueradeInterfaceChanged: "masqueraded connection changed its output interface"
            }
        }
    }

    init(_ d: Draft) {
        self.init(disposition: d.disposition, conntrack: d.conntrack, outputInterface: d.outputInterface,
                  decidedBy: d.decidedBy, translated: d.translated, natDrop: d.natDrop,
                  dropNote: d.note == .none ? nil : d.note.text)
    }
}

/// A Linux router around the userspace tracker: a packet goes through the same hooks in
/// the same order as in the kernel (raw chains, conntrack, DNAT, routing, filter chains,
/// SNAT, confirmation), evaluated from an nftables-syntax ruleset, and leaves NATed.
///
/// ```swift
/// let fw = try Firewall(ruleset: rs, router: model, tracker: Tracker())
/// let v = bytes.withUnsafeMutableBytes { fw.process($0, now: t, input: 0) }
/// if v.disposition == .forwarded { send(bytes, on: v.outputInterface!) }
/// ```
public final class Firewall {
    /// The tracker (its table, events and statistics).
    public let tracker: Tracker
    /// The ruleset as parsed.
    public let ruleset: Ruleset
    /// The router model.
    public let router: RouterModel
    let program: Program
    /// `program` in manually managed memory, for the packet path (counters live there).
    let mem: ProgramMemory
    /// `router` flattened for the packet path.
    let routes: CompiledRoutes
    /// The model's `lo` (what a packet to one of the router's own addresses leaves and
    /// enters through), or -1.
    let loopbackIndex: Int
    /// Chains of up to 64 rules run through their `ChainClassifier` (tests turn this off to
    /// compare with rule-by-rule evaluation).
    var useClassifiers = true
    typealias Draft = FirewallVerdict.Draft

    /// Compiles `ruleset` for `router`. Throws for rules the evaluator cannot run.
    public init(ruleset: Ruleset, router: RouterModel, tracker: Tracker) throws(FirewallError) {
        self.tracker = tracker
        self.ruleset = ruleset
        self.router = router
        program = try Program(ruleset, router: router)
        mem = ProgramMemory(program, interfaces: router.interfaces.count)
        routes = CompiledRoutes(router)
        loopbackIndex = router.index(of: "lo") ?? -1
    }

    deinit {
        mem.deallocate()
        routes.deallocate()
    }

    /// The interface at `index` went down or lost its address: masqueraded entries that
    /// leave through it are deleted (DESTROY events), as the kernel's device and address
    /// notifiers do. Returns how many.
    @discardableResult
    public func interfaceDown(_ index: Int, now: UInt64) -> Int {
        let hs = tracker.masqueradedEntries(interface: UInt32(index + 1))
        for h in hs { tracker.delete(h, now: now) }
        return hs.count
    }

    /// The `counter` values of a rule (packets, bytes); nil if the rule has no counter.
    public func counter(_ ref: RuleReference) -> (packets: UInt64, bytes: UInt64)? {
        guard let i = program.ruleIndex[ref], program.rules[i].hasCounter else { return nil }
        return (mem.counters[2 * i], mem.counters[2 * i + 1])
    }

    /// The rule behind a reference (nil for a policy).
    public func rule(_ ref: RuleReference) -> Rule? {
        guard ref.rule >= 0, ref.table < ruleset.tables.count, ref.chain < ruleset.tables[ref.table].chains.count,
              ref.rule < ruleset.tables[ref.table].chains[ref.chain].rules.count else { return nil }
        return ruleset.tables[ref.table].chains[ref.chain].rules[ref.rule]
    }

    /// Runs one packet through the router: received on interface `input` (index into the
    /// router model), or generated locally (`input` = nil, output hook). NAT rewrites the
    /// bytes of `packet` in place, and a forwarded packet leaves with its TTL / hop limit
    /// decremented (IPv4 header checksum updated), as `ip_forward` does.
    /// `checksumVerified`: the NIC already validated the checksums of a received packet
    /// (`CHECKSUM_UNNECESSARY`), so conntrack does not verify them again.
    public func process(_ packet: UnsafeMutableRawBufferPointer, now: UInt64, input: Int?,
                        checksumVerified: Bool = false) -> FirewallVerdict {
        var length = packet.count
        return process(packet, length: &length, now: now, input: input, checksumVerified: checksumVerified)
    }

    /// Like `process(_:now:input:checksumVerified:)` for a packet of `length` bytes at the
    /// start of a larger buffer: the NAT part of the FTP helper may rewrite a command to a
    /// longer or shorter one (`length` is updated; a packet that would not fit the buffer
    /// is dropped, with `dropNote` saying so).
    public func process(_ buffer: UnsafeMutableRawBufferPointer, length: inout Int, now: UInt64,
                        input: Int?, checksumVerified: Bool = false) -> FirewallVerdict {
        let packet = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(length, buffer.count)])
        // Defragmentation (-400) comes before everything else: the chains, conntrack and
        // NAT see whole datagrams.
        if Self.cannotBeFragment(packet) {
            return run(buffer, length: &length, now: now, input: input, checksumVerified: checksumVerified, tracked: nil)
        }
        return reassembleAndRun(buffer, length: &length, now: now, input: input, checksumVerified: checksumVerified)
    }

    /// `process` for a packet that may be a fragment (out of line: it builds datagrams and
    /// fragment lists, which would make every verdict on the common path be copied).
    @inline(never)
    func reassembleAndRun(_ buffer: UnsafeMutableRawBufferPointer, length: inout Int, now: UInt64,
                          input: Int?, checksumVerified: Bool) -> FirewallVerdict {
        let packet = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(length, buffer.count)])
        let verified = input == nil || checksumVerified
        switch tracker.reassemble(UnsafeRawBufferPointer(packet), now: now, checksumVerified: verified) {
        case .notFragment:
            return run(buffer, length: &length, now: now, input: input, checksumVerified: checksumVerified, tracked: nil)
        case .queued:
            return FirewallVerdict(disposition: .queued, conntrack: Verdict(state: .fragmentQueued), outputInterface: nil,
                                   decidedBy: nil, translated: false, natDrop: .none, dropNote: nil)
        case .refused(let v):
            return run(buffer, length: &length, now: now, input: input, checksumVerified: checksumVerified, tracked: v)
        case .complete(var datagram, var ends, let id):
            // Room for a helper that lengthens a command (the last fragment grows with it).
            let whole = datagram.count
            datagram += repeatElement(0, count: 64)
            var n = whole
            var out = datagram.withUnsafeMutableBytes {
                run($0, length: &n, now: now, input: input, checksumVerified: checksumVerified, tracked: nil)
            }
            datagram.removeLast(datagram.count - n)
            if let last = ends.indices.last { ends[last] += n - whole }
            if out.disposition == .forwarded { out.fragments = Self.refragment(datagram, at: ends, id: id) }
            return out
        }
    }

    /// The pipeline after defragmentation; `tracked` is a verdict conntrack already gave
    /// (a refused fragment).
    func run(_ buffer: UnsafeMutableRawBufferPointer, length: inout Int, now: UInt64, input: Int?,
             checksumVerified: Bool, tracked: Verdict?) -> FirewallVerdict {
        let packet = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(length, buffer.count)])
        var ctx = Context(fields: PacketFields(UnsafeRawBufferPointer(packet)), iif: input ?? -1, now: now)
        let local = input == nil
        let first: ChainHook = local ? .output : .prerouting
        var out = Draft()
        let fam = ctx.fields.family
        if local && fam != 0 {
            // A local sender's route is looked up before LOCAL_OUT (ip_route_output_flow):
            // the output chains see its interface, and without a route nothing is sent
            // (sendmsg fails with ENETUNREACH; netfilter never sees the packet). All of
            // LOCAL_OUT keeps seeing that interface, even after output DNAT has routed the
            // packet elsewhere (ip_route_me_harder changes the route, not the hook's `out`);
            // POSTROUTING sees the new one.
            if isLocalDestination(ctx.fields) {
                ctx.oif = loopbackIndex
            } else {
                let oif = routes.route(family: fam, hi: ctx.fields.dstHi, lo: ctx.fields.dstLo)
                guard oif >= 0 else {
                    out.note = .noRoute(ctx.fields.destination)
                    return FirewallVerdict(out)
                }
                ctx.oif = oif
            }
        }
        // raw: chains before conntrack (-200)
        if runStage(first, ctx: &ctx, below: -200, from: Int.min) == .drop { out.decidedBy = ctx.decided; return FirewallVerdict(out) }
        var md = PacketMetadata(zone: ctx.zone, hook: local ? .localOut : .preRouting, notrack: ctx.notrack)
        md.deferConfirmation = true
        md.checksumVerified = local || checksumVerified
        let v = tracked ?? tracker.process(UnsafeRawBufferPointer(packet), now: now, metadata: md)
        ctx.verdict = v
        out.conntrack = v
        if v.state == .fragmentQueued { out.disposition = .queued; return FirewallVerdict(out) }
        if v.dropped { out.note = .conntrack(v.reason); return FirewallVerdict(out) }
        if runStage(first, ctx: &ctx, below: -100, from: -200) == .drop { return dropped(&out, ctx) }
        // DNAT (-100)
        if fam != 0 && mem.natActive(fam) {
            if natStage(first, manip: .destination, packet, ctx: &ctx, out: &out) == .drop { return dropped(&out, ctx) }
        }
        if runStage(first, ctx: &ctx, below: Int.max, from: -100) == .drop { return dropped(&out, ctx) }
        // routing
        if local && fam != 0 && isLocalDestination(ctx.fields) {
            return loopback(buffer, length: &length, ctx: &ctx, out: &out)
        }
        let toLocal = !local && fam != 0 && routes.isLocal(family: fam, hi: ctx.fields.dstHi, lo: ctx.fields.dstLo)
        if toLocal {
            if runStage(.input, ctx: &ctx, below: 100, from: Int.min) == .drop { return dropped(&out, ctx) }
            if mem.natActive(fam) {
                if natStage(.input, manip: .source, packet, ctx: &ctx, out: &out) == .drop { return dropped(&out, ctx) }
            }
            if runStage(.input, ctx: &ctx, below: Int.max, from: 100) == .drop { return dropped(&out, ctx) }
            out.disposition = .delivered
        } else {
            // For a local packet: routed again, in case output DNAT changed its destination
            // (nf_nat_ipv4_local_fn / nf_nat_ipv6_local_fn: ip_route_me_harder; no route: drop).
            let oif = fam == 0 ? -1 : routes.route(family: fam, hi: ctx.fields.dstHi, lo: ctx.fields.dstLo)
            guard oif >= 0 else {
                out.note = .noRoute(ctx.fields.destination)
                tracker.discard(v)
                return FirewallVerdict(out)
            }
            ctx.oif = oif
            out.outputInterface = oif
            if !local {
                // ip_forward / ip6_forward: hop limit checked and decremented before FORWARD.
                guard Self.decrementHopLimit(packet) else {
                    out.note = .hopLimit
                    tracker.discard(v)
                    return FirewallVerdict(out)
                }
            }
            if !local && runStage(.forward, ctx: &ctx, below: Int.max, from: Int.min) == .drop {
                return dropped(&out, ctx)
            }
            if runStage(.postrouting, ctx: &ctx, below: 100, from: Int.min) == .drop { return dropped(&out, ctx) }
            if mem.natActive(fam) {
                if natStage(.postrouting, manip: .source, packet, ctx: &ctx, out: &out) == .drop {
                    return dropped(&out, ctx)
                }
            }
            if runStage(.postrouting, ctx: &ctx, below: Int.max, from: 100) == .drop { return dropped(&out, ctx) }
            out.disposition = .forwarded
        }
        // helpers, then confirm (last priority)
        if v.connection != nil && !tracker.runHelper(buffer, length: &length, verdict: v, now: now) {
            out.note = .helper
            return dropped(&out, ctx)
        }
        // nf_conntrack_confirm: a new entry is inserted, an existing one's cached events go out.
        if !tracker.confirm(v, now: now) {
            out.disposition = .dropped
            out.note = .insertFailed
            return FirewallVerdict(out)
        }
        out.decidedBy = ctx.decided
        out.translated = ctx.translated
        return FirewallVerdict(out)
    }

    /// Whether a packet is for the router itself: one of its addresses, or a loopback one
    /// (127.0.0.0/8, ::1: the local table's routes through `lo`).
    @inline(__always)
    func isLocalDestination(_ f: PacketFields) -> Bool {
        if f.family == 2 && f.dstHi >> 56 == 127 { return true }
        if f.family == 10 && f.dstHi == 0 && f.dstLo == 1 { return true }
        return routes.isLocal(family: f.family, hi: f.dstHi, lo: f.dstLo)
    }

    /// The rest of the way of a packet the router sends to itself (to one of its own
    /// addresses, or redirected to 127.0.0.1 / ::1 by output NAT): out through `lo`
    /// (POSTROUTING, then the confirmation), and in again through `lo`: PREROUTING and INPUT
    /// run their chains, but conntrack keeps the entry the packet already has
    /// (`nf_conntrack_in` ignores a packet that carries one) and NAT only rewrites (both
    /// manips were bound on the way out), then the packet is delivered.
    @inline(never)
    func loopback(_ buffer: UnsafeMutableRawBufferPointer, length: inout Int, ctx: inout Context,
                  out: inout Draft) -> FirewallVerdict {
        let packet = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(length, buffer.count)])
        let fam = ctx.fields.family
        let v = ctx.verdict
        ctx.oif = loopbackIndex
        out.outputInterface = loopbackIndex >= 0 ? loopbackIndex : nil
        if runStage(.postrouting, ctx: &ctx, below: 100, from: Int.min) == .drop { return dropped(&out, ctx) }
        if mem.natActive(fam) {
            if natStage(.postrouting, manip: .source, packet, ctx: &ctx, out: &out) == .drop { return dropped(&out, ctx) }
        }
        if runStage(.postrouting, ctx: &ctx, below: Int.max, from: 100) == .drop { return dropped(&out, ctx) }
        if v.connection != nil && !tracker.runHelper(buffer, length: &length, verdict: v, now: ctx.now) {
            out.note = .helper
            return dropped(&out, ctx)
        }
        if !tracker.confirm(v, now: ctx.now) {
            out.note = .insertFailed
            return FirewallVerdict(out)
        }
        // Received on lo: the entry is confirmed now.
        ctx.verdict.unconfirmed = false
        ctx.iif = loopbackIndex
        ctx.oif = -1
        let received = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(length, buffer.count)])
        if runStage(.prerouting, ctx: &ctx, below: -100, from: Int.min) == .drop { return dropped(&out, ctx) }
        if mem.natActive(fam) {
            if natStage(.prerouting, manip: .destination, received, ctx: &ctx, out: &out) == .drop { return dropped(&out, ctx) }
        }
        if runStage(.prerouting, ctx: &ctx, below: Int.max, from: -100) == .drop { return dropped(&out, ctx) }
        if runStage(.input, ctx: &ctx, below: 100, from: Int.min) == .drop { return dropped(&out, ctx) }
        if mem.natActive(fam) {
            if natStage(.input, manip: .source, received, ctx: &ctx, out: &out) == .drop { return dropped(&out, ctx) }
        }
        if runStage(.input, ctx: &ctx, below: Int.max, from: 100) == .drop { return dropped(&out, ctx) }
        // LOCAL_IN's confirmation: events cached on the way in.
        tracker.confirm(ctx.verdict, now: ctx.now)
        out.disposition = .delivered
        out.decidedBy = ctx.decided
        out.translated = ctx.translated
        return FirewallVerdict(out)
    }

    /// True for an IPv4 packet whose header says it is whole, or an IPv6 packet without
    /// extension headers (the ones `parseL3` walks: hop-by-hop, routing, fragment, AH,
    /// destination options, no next header): `Tracker.reassemble` would answer
    /// `.notFragment` after parsing it.
    @inline(__always)
    static func cannotBeFragment(_ packet: UnsafeMutableRawBufferPointer) -> Bool {
        guard let p = packet.baseAddress, packet.count >= 8 else { return false }
        let version = p.load(as: UInt8.self) >> 4
        if version == 4 {
            return p.load(fromByteOffset: 6, as: UInt8.self) & 0x3f == 0 && p.load(fromByteOffset: 7, as: UInt8.self) == 0
        }
        guard version == 6 else { return false }
        switch p.load(fromByteOffset: 6, as: UInt8.self) {
        case 0, 43, 44, 51, 59, 60: return false
        default: return true
        }
    }

    /// Decrements the IPv4 TTL (header checksum updated incrementally, RFC 1624) or the
    /// IPv6 hop limit; false when it is 1 or less (the kernel drops the packet).
    @inline(__always)
    static func decrementHopLimit(_ packet: UnsafeMutableRawBufferPointer) -> Bool {
        guard let p = packet.baseAddress, packet.count >= 20 else { return false }
        let version = p.load(as: UInt8.self) >> 4
        if version == 4 {
            let ttl = p.load(fromByteOffset: 8, as: UInt8.self)
            guard ttl > 1 else { return false }
            let oldWord = UInt16(ttl) << 8 | UInt16(p.load(fromByteOffset: 9, as: UInt8.self))
            let check = UInt16(bigEndian: p.loadUnaligned(fromByteOffset: 10, as: UInt16.self))
            var sum = UInt32(~check) &+ UInt32(~oldWord) &+ UInt32(oldWord &- 0x100)
            sum = (sum & 0xffff) &+ (sum >> 16)
            sum = (sum & 0xffff) &+ (sum >> 16)
            p.storeBytes(of: ttl - 1, toByteOffset: 8, as: UInt8.self)
            p.storeBytes(of: (~UInt16(truncatingIfNeeded: sum)).bigEndian, toByteOffset: 10, as: UInt16.self)
            return true
        }
        guard version == 6, packet.count >= 40 else { return false }
        let hl = p.load(fromByteOffset: 7, as: UInt8.self)
        guard hl > 1 else { return false }
        p.storeBytes(of: hl - 1, toByteOffset: 7, as: UInt8.self)
        return true
    }

    func dropped(_ out: inout Draft, _ ctx: Context) -> FirewallVerdict {
        tracker.discard(ctx.verdict)
        out.disposition = .dropped
        out.decidedBy = ctx.decided
        out.translated = ctx.translated
        return FirewallVerdict(out)
    }

    // MARK: evaluation

    enum Outcome { case next, accept, drop }

    struct Context {
        var fields: PacketFields
        var iif: Int
        var oif: Int = -1
        var now: UInt64
        var mark: UInt32 = 0
        var zone = Zone()
        var notrack = false
        var verdict = Verdict(state: .invalid)
        var decided: RuleReference?
        var translated = false
        /// Inside a NAT chain: which manip a NAT statement may set up.
        var natManip: NATManip?
        init(fields: PacketFields, iif: Int, now: UInt64) { self.fields = fields; self.iif = iif; self.now = now }
    }

    /// Runs the filter-type base chains of `hook` whose priority is in `from..<below`.
    @inline(__always)
    func runStage(_ hook: ChainHook, ctx: inout Context, below: Int, from: Int) -> Outcome {
        let h = hook.index
        if mem.filterHooks & (1 << h) == 0 { return .next }
        var i = mem.hookStart[h]
        let end = mem.hookStart[h &+ 1]
        while i < end {
            let ci = mem.hookList[i]
            i &+= 1
            let ch = mem.chains + ci
            guard ch.pointee.priority >= from && ch.pointee.priority < below,
                  ch.pointee.familyMatches(ctx.fields.family) else { continue }
            if runBase(ci, ctx: &ctx) == .drop { return .drop }
        }
        return .next
    }

    func runBase(_ ci: Int, ctx: inout Context) -> Outcome {
        let r = runChain(ci, ctx: &ctx, depth: 0)
        if r == .drop { return .drop }
        let ch = mem.chains + ci
        if r == .next && ch.pointee.policyDrop {
            ctx.decided = RuleReference(table: ch.pointee.table, chain: ch.pointee.chain, rule: -1)
            return .drop
        }
        return .accept
    }

    /// NAT at one hook (`nf_nat_inet_fn`): for a new or related packet whose entry has no
    /// binding of this kind yet, the NAT chains run in priority order until one binds;
    /// otherwise a null binding is made. Then the packet is rewritten.
    @inline(__always)
    func natStage(_ hook: ChainHook, manip: NATManip, _ packet: UnsafeMutableRawBufferPointer, ctx: inout Context,
                  out: inout Draft) -> Outcome {
        guard let h = ctx.verdict.connection else { return .next }
        if ctx.verdict.unconfirmed && !tracker.isNATInitialized(h, manip: manip) {
            if bindNAT(hook, manip: manip, h, ctx: &ctx) == .drop { return .drop }
        }
        // nf_nat_oif_changed: a masqueraded entry whose original-direction packets now
        // leave through another interface is killed and the packet dropped.
        if manip == .source && hook == .postrouting && ctx.verdict.direction == .original && !ctx.verdict.unconfirmed {
            let m = tracker.masqueradeInterface(h)
            if m != 0 && Int(m) - 1 != ctx.oif {
                tracker.delete(h, now: ctx.now)
                out.note = .masqueradeInterfaceChanged
                return .drop
            }
        }
        // nf_nat_packet rewrites only when this manip applies to the packet's direction:
        // SRC_NAT (0x10) or DST_NAT (0x20), swapped for replies. ICMP errors always go to
        // `translate`, which looks at them for the redirect check.
        if ctx.verdict.state != .related {
            var bit: UInt32 = manip == .source ? 0x10 : 0x20
            if ctx.verdict.direction == .reply { bit ^= 0x30 }
            if tracker.status(h).rawValue & bit == 0 { return .next }
        }
        return rewrite(manip, packet, ctx: &ctx, out: &out)
    }

    /// The NAT chains of `hook` for an entry without a binding of this kind (its first
    /// packet), then the null binding if no rule made one.
    @inline(never)
    func bindNAT(_ hook: ChainHook, manip: NATManip, _ h: ConnectionHandle, ctx: inout Context) -> Outcome {
        ctx.natManip = manip
        defer { ctx.natManip = nil }
        var i = mem.natStart[hook.index]
        let end = mem.natStart[hook.index &+ 1]
        while i < end {
            let ci = mem.natList[i]
            i &+= 1
            guard mem.chains[ci].familyMatches(ctx.fields.family) else { continue }
            if runBase(ci, ctx: &ctx) == .drop { return .drop }
            if tracker.isNATInitialized(h, manip: manip) { break }
        }
        if !tracker.isNATInitialized(h, manip: manip) { tracker.setupNAT(h, range: nil, manip: manip) }
        return .next
    }

    /// `nf_nat_packet`: rewrites the packet, then the fields later rules see.
    @inline(__always)
    func rewrite(_ manip: NATManip, _ packet: UnsafeMutableRawBufferPointer, ctx: inout Context,
                 out: inout Draft) -> Outcome {
        let r = tracker.translate(packet, verdict: ctx.verdict, manip: manip)
        if r != .none {
            out.natDrop = r
            return .drop
        }
        let srcHi = ctx.fields.srcHi, srcLo = ctx.fields.srcLo, dstHi = ctx.fields.dstHi, dstLo = ctx.fields.dstLo
        let sport = ctx.fields.sport, dport = ctx.fields.dport
        ctx.fields.reloadTuple(UnsafeRawBufferPointer(packet))
        if ctx.fields.srcHi != srcHi || ctx.fields.srcLo != srcLo || ctx.fields.dstHi != dstHi
            || ctx.fields.dstLo != dstLo || ctx.fields.sport != sport || ctx.fields.dport != dport {
            ctx.translated = true
        }
        return .next
    }

    /// The target of a `jump` / `goto`, evaluated out of line (rare; keeps the recursion
    /// out of `runChain`).
    @inline(never)
    func runSubchain(_ ci: Int, ctx: inout Context, depth: Int) -> Outcome {
        runChain(ci, ctx: &ctx, depth: depth)
    }

    func runChain(_ ci: Int, ctx: inout Context, depth: Int) -> Outcome {
        let k = mem.classifierOf[ci]
        if k >= 0 && useClassifiers { return runClassified(mem.classifiers + k, ctx: &ctx, depth: depth) }
        let ch = mem.chains + ci
        var next = ch.pointee.firstRule
        let end = next &+ ch.pointee.ruleCount
        // What the rule guards test; none of it changes while the chain runs.
        let iifBit = RuleGuard.interfaceBit(ctx.iif)
        let oifBit = RuleGuard.interfaceBit(ctx.oif)
        let stateBit = RuleGuard.stateBit(ctx.verdict.state)
        let proto = ctx.fields.proto
        let family = ctx.fields.family
        rules: while next < end {
            let ri = next
            next &+= 1
            let g = mem.guards + ri
            guard g.pointee.iif & iifBit != 0, g.pointee.oif & oifBit != 0, g.pointee.states & stateBit != 0,
                  g.pointee.proto == 0 || g.pointee.proto == proto,
                  g.pointee.family == 0 || g.pointee.family == family else { continue }
            var mi = g.pointee.first
            let matchEnd = mi &+ g.pointee.count
            while mi < matchEnd {
                if !matches(mem.residual + mi, ctx: &ctx) { continue rules }
                mi &+= 1
            }
            if let r = runStatements(ri, ctx: &ctx, depth: depth) { return r }
        }
        return .next
    }

    /// `runChain` through the chain's classifier: only the rules that can match are
    /// visited, in order, and only their matches the classifier does not decide run.
    @inline(__always)
    func runClassified(_ c: UnsafeMutablePointer<ChainClassifier>, ctx: inout Context, depth: Int) -> Outcome {
        var candidates = c.pointee.candidates(ctx.fields, iif: ctx.iif, oif: ctx.oif,
                                              stateBit: RuleGuard.stateBit(ctx.verdict.state))
        let first = c.pointee.firstRule
        rules: while candidates != 0 {
            let ri = first &+ candidates.trailingZeroBitCount
            candidates &= candidates &- 1
            let g = mem.guards + ri
            var mi = g.pointee.classFirst
            let matchEnd = mi &+ g.pointee.classCount
            while mi < matchEnd {
                if !matches(mem.classResidual + mi, ctx: &ctx) { continue rules }
                mi &+= 1
            }
            if let r = runStatements(ri, ctx: &ctx, depth: depth) { return r }
        }
        return .next
    }

    /// The statements of rule `ri`, whose matches all hold: the outcome when one ends the
    /// chain, nil to go on with the next rule.
    @inline(__always)
    func runStatements(_ ri: Int, ctx: inout Context, depth: Int) -> Outcome? {
        let rule = mem.rules + ri
        var si = rule.pointee.firstStatement
        let statementEnd = si &+ rule.pointee.statementCount
        while si < statementEnd {
            let s = mem.statements[si]
            si &+= 1
            switch s.kind {
            case .counter:
                mem.counters[2 &* ri] &+= 1
                mem.counters[2 &* ri &+ 1] &+= UInt64(ctx.fields.length)
            case .accept:
                ctx.decided = rule.pointee.reference
                return .accept
            case .drop:
                ctx.decided = rule.pointee.reference
                return .drop
            case .jump:
                let r = runSubchain(Int(s.value), ctx: &ctx, depth: depth + 1)
                if r != .next { return r }
            case .goto:
                return runSubchain(Int(s.value), ctx: &ctx, depth: depth + 1)
            case .return:
                return .next
            case .setCTMark:
                if let h = ctx.verdict.connection, ctx.verdict.state != .invalid {
                    tracker.setMark(h, s.value, now: ctx.now)
                }
            case .setMetaMark:
                ctx.mark = s.value
            case .setCTZone:
                ctx.zone = Zone(id: UInt16(truncatingIfNeeded: s.value), directions: .both)
            case .notrack:
                ctx.notrack = true
            case .setHelper:
                // nft_ct_helper_obj_eval: unconfirmed entries of the object's protocol only.
                if let h = ctx.verdict.connection, ctx.verdict.unconfirmed,
                   ctx.fields.proto == UInt8(truncatingIfNeeded: s.value >> 8),
                   let helper = ConnectionHelper(rawValue: UInt8(truncatingIfNeeded: s.value)) {
                    tracker.assignHelper(h, helper)
                }
            case .nat:
                let spec = mem.nats[Int(s.value)]
                guard let manip = ctx.natManip, let h = ctx.verdict.connection else { continue }
                if spec.family != 0 && spec.family != ctx.fields.family { continue }
                guard let range = natRange(spec, ctx: ctx) else {
                    ctx.decided = rule.pointee.reference
                    // nf_nat_masquerade_ipv4: a packet from 0.0.0.0 is accepted unNATed
                    // (the null binding follows). Otherwise no address to take: masquerade
                    // (nf_nat_masquerade_ipv4/6) and redirect (nf_nat_redirect_ipv4/6) drop.
                    if spec.kind == .masquerade && ctx.fields.family == 2 && ctx.fields.srcHi == 0 { return .accept }
                    return .drop
                }
                tracker.setupNAT(h, range: range, manip: manip)
                if spec.kind == .masquerade { tracker.setMasqueradeInterface(h, UInt32(ctx.oif + 1)) }
                ctx.decided = rule.pointee.reference
                return .accept
            }
        }
        return nil
    }

    /// The range a NAT statement asks for, with masquerade's and redirect's addresses
    /// taken from the interfaces; nil when the statement does nothing for this packet.
    func natRange(_ spec: CompiledNAT, ctx: Context) -> NATMapping? {
        var r = spec.range
        let fam: AddressFamily = ctx.fields.family == 2 ? .ipv4 : .ipv6
        switch spec.kind {
        case .masquerade:
            // Source 0.0.0.0 (locally generated, unbound): not masqueraded.
            if fam == .ipv4 && ctx.fields.srcHi == 0 { return nil }
            // IPv4 picks by the route's next hop (rt_nexthop); IPv6 by the destination.
            let hop = routes.nextHop(family: ctx.fields.family, hi: ctx.fields.dstHi, lo: ctx.fields.dstLo)
            let nextHop = fam == .ipv4 ? IPAddress(ipv4: UInt32(truncatingIfNeeded: hop.hi >> 32)) : ctx.fields.destination
            guard let a = router.sourceAddress(ctx.oif, for: ctx.fields.destination, nextHop: nextHop) else { return nil }
            r.flags.insert(.mapIPs)
            r.minAddress = a; r.maxAddress = a
        case .redirect:
            let a: IPAddress
            if ctx.iif < 0 {
                a = fam == .ipv4 ? IPAddress(ipv4: 0x7f00_0001) : IPAddress(ipv6High: 0, low: 1)
            } else {
                guard let p = router.primaryAddress(ctx.iif, family: fam) else { return nil }
                a = p
            }
            r.flags.insert(.mapIPs)
            r.minAddress = a; r.maxAddress = a
        case .snat, .dnat:
            break
        }
        return r
    }

    /// One match. The kinds that are left to evaluate most often (neither rule guards
    /// nor classifiers decide them) are handled here; the rest out of line.
    @inline(__always)
    func matches(_ m: UnsafeMutablePointer<CompiledMatch>, ctx: inout Context) -> Bool {
        switch m.pointee.kind {
        case .address:
            guard ctx.fields.family == m.pointee.family else { return false }
            let src = m.pointee.field == 0
            let hi = src ? ctx.fields.srcHi : ctx.fields.dstHi
            let lo = src ? ctx.fields.srcLo : ctx.fields.dstLo
            var hit = false
            var a = mem.addresses + m.pointee.first
            let end = a + m.pointee.count
            while a < end {
                if (hi > a.pointee.lowHi || (hi == a.pointee.lowHi && lo >= a.pointee.lowLo))
                    && (hi < a.pointee.highHi || (hi == a.pointee.highHi && lo <= a.pointee.highLo)) {
                    hit = true; break
                }
                a += 1
            }
            return hit != m.pointee.negated
        case .port:
            guard ctx.fields.family != 0, ctx.fields.hasPorts else { return false }
            let proto = ctx.fields.proto
            if m.pointee.proto != 0 { guard proto == m.pointee.proto else { return false } }
            else { guard proto == 6 || proto == 17 || proto == 136 || proto == 132 || proto == 33 else { return false } }
            return inRanges(UInt32(m.pointee.field == 0 ? ctx.fields.sport : ctx.fields.dport), m) != m.pointee.negated
        case .metaMark:
            return inRanges(ctx.mark & m.pointee.mask, m) != m.pointee.negated
        case .ctMark:
            guard let h = ctx.verdict.connection, ctx.verdict.state != .invalid else { return false }
            return inRanges(tracker.mark(h) & m.pointee.mask, m) != m.pointee.negated
        default:
            return matchesOther(m.pointee, ctx: ctx)
        }
    }

    @inline(never)
    func matchesOther(_ m: CompiledMatch, ctx: Context) -> Bool {
        let f = ctx.fields
        switch m.kind {
        case .address, .port, .metaMark, .ctMark:
            preconditionFailure("handled by matches(_:ctx:)")
        case .l4proto:
            guard f.family != 0 else { return false }
            return inRanges(UInt32(f.proto), m) != m.negated
        case .icmpType:
            guard f.proto == m.proto, f.hasICMPType else { return false }
            return inRanges(UInt32(f.icmpType), m) != m.negated
        case .interface:
            let i = m.field == 0 ? ctx.iif : ctx.oif
            // No such device at this hook: the expression breaks (the rule does not match,
            // negated or not), like nft_meta_get_eval.
            guard i >= 0 else { return false }
            return (i < 64 && m.bits & (1 << UInt64(i)) != 0) != m.negated
        case .ctState:
            return (m.bits & UInt64(RuleGuard.stateBit(ctx.verdict.state)) != 0) != m.negated
        case .ctStatus:
            guard let h = ctx.verdict.connection, ctx.verdict.state != .invalid else { return false }
            return (UInt64(tracker.status(h).rawValue) & m.bits != 0) != m.negated
        case .ctDirection:
            guard ctx.verdict.connection != nil, ctx.verdict.state != .invalid else { return false }
            return (ctx.verdict.direction == .reply) == (m.field == 1) ? !m.negated : m.negated
        case .ctZone:
            guard let h = ctx.verdict.connection, ctx.verdict.state != .invalid else { return false }
            return inRanges(UInt32(tracker.zone(h)), m) != m.negated
        case .nfproto:
            return (f.family == m.family) != m.negated
        }
    }

    @inline(__always)
    func inRanges(_ v: UInt32, _ m: UnsafeMutablePointer<CompiledMatch>) -> Bool {
        inRanges(v, m.pointee)
    }

    @inline(__always)
    func inRanges(_ v: UInt32, _ m: CompiledMatch) -> Bool {
        var i = m.first
        let end = m.first &+ m.count
        while i < end {
            let r = mem.values + i
            if v >= r.pointee.low && v <= r.pointee.high { return true }
            i &+= 1
        }
        return false
    }
}

extension ChainHook {
    var index: Int {
        switch self {
        case .prerouting: 0
        case .input: 1
        case .forward: 2
        case .output: 3
        case .postrouting: 4
        }
    }
}
