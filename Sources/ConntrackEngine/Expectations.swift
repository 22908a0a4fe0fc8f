import Conntrack

/// Connection-tracking helpers the engine implements (attached with nft's
/// `ct helper set`, as the kernel no longer assigns helpers by port).
public enum ConnectionHelper: UInt8, Sendable, Hashable {
    /// `nf_conntrack_ftp`: PORT/EPRT and 227/229 replies create expectations.
    case ftp = 1
    /// `nf_conntrack_tftp`: RRQ/WRQ create an expectation for the reply.
    case tftp = 2

    /// The kernel helper name (`helper=ftp`).
    public var name: String { self == .ftp ? "ftp" : "tftp" }

    /// The helper with this kernel name.
    public init?(name: String) {
        switch name {
        case "ftp": self = .ftp
        case "tftp": self = .tftp
        default: return nil
        }
    }

    /// `nf_conntrack_expect_policy`: (max expected, timeout in seconds).
    var policy: (maxExpected: Int, timeout: UInt64) { (1, 300) }
}

/// Per-connection helper state (`struct nf_conn_help` + `nf_ct_ftp_master`) and the
/// master of an expected connection, kept beside the slab.
@usableFromInline
struct HelperData {
    /// `ConnectionHelper` raw value, 0 for none.
    @usableFromInline var kind: UInt8 = 0
    /// FTP: how many sequence numbers after a newline are remembered per direction.
    @usableFromInline var nlCount0: UInt8 = 0
    @usableFromInline var nlCount1: UInt8 = 0
    /// Expectations this master currently has (`expecting[class 0]`).
    @usableFromInline var expecting: UInt8 = 0
    /// FTP `seq_aft_nl[dir][0...1]`.
    @usableFromInline var nl00: UInt32 = 0
    @usableFromInline var nl01: UInt32 = 0
    @usableFromInline var nl10: UInt32 = 0
    @usableFromInline var nl11: UInt32 = 0
    /// Master connection (slab index + 1) of an expected connection, and its id.
    @usableFromInline var master: UInt32 = 0
    @usableFromInline var masterID: UInt32 = 0
    /// `struct nf_ct_seqadj` per direction: correction position, offsets before/after.
    @usableFromInline var correction0: UInt32 = 0
    @usableFromInline var before0: UInt32 = 0
    @usableFromInline var after0: UInt32 = 0
    @usableFromInline var correction1: UInt32 = 0
    @usableFromInline var before1: UInt32 = 0
    @usableFromInline var after1: UInt32 = 0
    init() {}
}

/// One expectation (`struct nf_conntrack_expect`).
@usableFromInline
struct EngineExpectation {
    var key: FlowKey
    var maskSrcHi: UInt64
    var maskSrcLo: UInt64
    var maskSport: UInt16
    var master: Int
    var masterID: UInt32
    var expires: UInt64
    var flags: UInt32
    var helper: UInt8
    var id: UInt32
    /// NAT "follow master": direction of the master the data comes from, saved port.
    var followMaster: Bool
    var natDir: UInt8
    var savedPort: UInt16
}

extension TrackerCore {
    // MARK: expectation table

    /// The matching live expectation for a new connection's original tuple
    /// (`nf_ct_find_expectation`), removed unless permanent (DESTROY event).
    mutating func takeExpectation(_ k: FlowKey, now: UInt64) -> EngineExpectation? {
        var i = 0
        while i < expectations.count {
            let e = expectations[i]
            if Int64(bitPattern: e.expires &- now) <= 0 {
                removeExpectation(at: i, now: now)
                continue
            }
            if e.key.proto == k.proto && e.key.family == k.family && e.key.dstHi == k.dstHi && e.key.dstLo == k.dstLo
                && e.key.dport == k.dport && e.key.zone == k.zone
                && (e.key.srcHi ^ k.srcHi) & e.maskSrcHi == 0 && (e.key.srcLo ^ k.srcLo) & e.maskSrcLo == 0
                && (e.key.sport ^ k.sport) & e.maskSport == 0 && e.flags & 2 == 0 {
                let m = table.slab[e.master]
                guard m.flags & ConnFlag.inUse != 0, m.id == e.masterID, m.status & StatusBit.confirmed != 0,
                      m.status & StatusBit.dying == 0 else { i += 1; continue }
                if e.flags & 1 == 0 { removeExpectation(at: i, now: now) }
                return e
            }
            i += 1
        }
        return nil
    }

    mutating func removeExpectation(at i: Int, now: UInt64) {
        let e = expectations.remove(at: i)
        counters.expectDelete &+= 1
        if let h = table.helpers, table.slab[e.master].id == e.masterID, h[e.master].expecting > 0 {
            h[e.master].expecting -= 1
        }
        queueExpectationEvent(e, type: .destroy, now: now)
    }

    /// `nf_ct_expect_related`: replaces an identical expectation of the same master,
    /// refuses a clash, evicts the master's oldest beyond the helper's limit.
    enum RegisterResult { case ok, busy, refused }

    @discardableResult
    mutating func registerExpectation(_ e: EngineExpectation, now: UInt64) -> Bool {
        registerExpectationResult(e, now: now) == .ok
    }

    mutating func registerExpectationResult(_ e: EngineExpectation, now: UInt64) -> RegisterResult {
        var i = 0
        while i < expectations.count {
            let x = expectations[i]
            let same = x.key == e.key && x.maskSrcHi == e.maskSrcHi && x.maskSrcLo == e.maskSrcLo && x.maskSport == e.maskSport
            if same {
                if x.master != e.master || x.masterID != e.masterID { return .refused }
                removeExpectation(at: i, now: now)
                continue
            }
            // expect_clash: equal under the intersection of the masks.
            let mHi = x.maskSrcHi & e.maskSrcHi, mLo = x.maskSrcLo & e.maskSrcLo, mP = x.maskSport & e.maskSport
            if x.key.proto == e.key.proto && x.key.family == e.key.family && x.key.dstHi == e.key.dstHi
                && x.key.dstLo == e.key.dstLo && x.key.dport == e.key.dport && x.key.zone == e.key.zone
                && (x.key.srcHi ^ e.key.srcHi) & mHi == 0 && (x.key.srcLo ^ e.key.srcLo) & mLo == 0
                && (x.key.sport ^ e.key.sport) & mP == 0 {
                return .busy
            }
            i += 1
        }
        let h = table.ensureHelpers()
        let limit = ConnectionHelper(rawValue: e.helper)?.policy.maxExpected ?? 1
        if Int(h[e.master].expecting) >= limit {
            // evict_oldest_expect: the master's oldest expectation.
            if let j = expectations.firstIndex(where: { $0.master == e.master && $0.masterID == e.masterID }) {
                removeExpectation(at: j, now: now)
            }
            if Int(h[e.master].expecting) >= limit { return .refused }
        }
        if expectations.count >= config.expectMax { return .refused }
        var n = e
        expectSerial &+= 1
        n.id = idHash(expectSerial ^ 0x8000_0000)
        expectations.append(n)
        h[e.master].expecting &+= 1
        counters.expectCreate &+= 1
        queueExpectationEvent(n, type: .new, now: now)
        return .ok
    }

    /// Removes every expectation of a dying master (`nf_ct_remove_expectations`).
    mutating func removeExpectations(ofMaster idx: Int, id: UInt32, now: UInt64) {
        var i = 0
        while i < expectations.count {
            if expectations[i].master == idx && expectations[i].masterID == id { removeExpectation(at: i, now: now) }
            else { i += 1 }
        }
    }

    /// Drops expired expectations (DESTROY events).
    mutating func expireExpectations(now: UInt64) {
        var i = 0
        while i < expectations.count {
            if Int64(bitPattern: expectations[i].expires &- now) <= 0 { removeExpectation(at: i, now: now) }
            else { i += 1 }
        }
    }

    /// The vocabulary value of an expectation, as ctnetlink fills it.
    func expectationValue(_ e: EngineExpectation, now: UInt64) -> Expectation {
        let fam = e.key.family
        let t = Tuple(source: Self.address(e.key.srcHi, e.key.srcLo, family: fam),
                      destination: Self.address(e.key.dstHi, e.key.dstLo, family: fam), protocol: e.key.proto,
                      sourcePort: e.key.sport, destinationPort: e.key.dport)
        let ones: IPAddress = fam == 2 ? IPAddress(ipv4: 0xffff_ffff) : IPAddress(ipv6High: ~0, low: ~0)
        let mask = Tuple(source: Self.address(e.maskSrcHi, e.maskSrcLo, family: fam), destination: ones,
                         protocol: e.key.proto, sourcePort: e.maskSport, destinationPort: 0xffff)
        let m = table.key(e.master, 0)
        let master = Tuple(source: Self.address(m.srcHi, m.srcLo, family: fam),
                           destination: Self.address(m.dstHi, m.dstLo, family: fam), protocol: m.proto,
                           sourcePort: m.sport, destinationPort: m.dport)
        var x = Expectation(master: master, tuple: t, mask: mask)
        x.timeout = Self.remainingSeconds(e.expires, now: now)
        x.id = e.id
        x.helper = ConnectionHelper(rawValue: e.helper)?.name
        x.flags = ExpectationFlags(rawValue: e.flags)
        x.expectClass = 0
        if e.followMaster {
            x.natDirection = UInt32(e.natDir)
            var nt = Tuple(source: t.destination, destination: t.destination, protocol: e.key.proto)
            nt.sourcePort = e.savedPort
            x.natTuple = nt
            x.function = "nat-follow-master"
        }
        return x
    }

    mutating func queueExpectationEvent(_ e: EngineExpectation, type: EventType, now: UInt64) {
        guard config.eventsEnabled, expectationEvents.count < config.eventQueueLimit else { return }
        var x = expectationValue(e, now: now)
        if type == .destroy { x.timeout = nil }
        expectationEvents.append(ExpectationEvent(type: type, expectation: x, time: now))
    }

    /// `nf_nat_follow_master`: the expected connection's source becomes where the master
    /// sends to, its destination the master's side the data is expected from, on the
    /// port the helper saved.
    mutating func followMaster(_ idx: Int, _ e: EngineExpectation) {
        let m = table.key(e.master, e.natDir ^ 1)
        let d = Self.address(m.dstHi, m.dstLo, family: m.family)
        setupNAT(idx, range: NATMapping(flags: .mapIPs, minAddress: d, maxAddress: d), manip: .source)
        let s = Self.address(m.srcHi, m.srcLo, family: m.family)
        setupNAT(idx, range: NATMapping(flags: [.mapIPs, .protoSpecified], minAddress: s, maxAddress: s,
                                        minPort: e.savedPort, maxPort: e.savedPort), manip: .destination)
    }

    // MARK: helpers (run at the confirm hook, after NAT)

    /// Runs the connection's helper on a packet (`nf_confirm` -> `helper->help`), then
    /// the sequence adjustment of NAT-mangled TCP connections (`nf_ct_seq_adjust`).
    /// `m.count` is the buffer's capacity, `length` the packet's length (it changes when
    /// the NAT part of the FTP helper rewrites a command). Returns false when the kernel
    /// would drop the packet.
    mutating func runHelper(_ m: MutableBytes, length: inout Int, verdict: Verdict, now: UInt64) -> Bool {
        guard let hs = table.helpers, let handle = verdict.connection,
              verdict.state != .invalid, verdict.state != .untracked else { return true }
        let idx = Int(handle.index)
        let kind = hs[idx].kind
        let dir = verdict.direction.rawValue
        var ok = true
        if kind != 0 {
            var p = L3Packet()
            let b = Bytes(base: UnsafeRawPointer(m.base), count: length)
            guard parseL3(b, into: &p) == .none, !p.isFragment else { return true }
            switch kind {
            case ConnectionHelper.ftp.rawValue:
                if verdict.state == .established && p.proto == 6 {
                    ok = ftpHelp(idx, m, &length, p, dir: dir, now: now)
                }
            case ConnectionHelper.tftp.rawValue:
                if p.proto == 17 && p.l4Length >= 10 {
                    let opcode = b.u16(p.l4Offset &+ 8)
                    if opcode == 1 || opcode == 2 { ok = tftpHelp(idx, now: now) }
                }
            default:
                break
            }
        }
        if ok && table.slab[idx].status & StatusBit.seqAdjust != 0 {
            ok = seqAdjust(idx, m, length: length, dir: dir)
        }
        if !ok { counters.helperDrops &+= 1 }
        return ok
    }

    /// `nf_conntrack_tftp`: a read or write request expects the server's answer from any
    /// port to the client's (reply-direction) port; with NAT the data follows the master.
    mutating func tftpHelp(_ idx: Int, now: UInt64) -> Bool {
        let r = table.key(idx, 1)
        var e = EngineExpectation(key: FlowKey(srcHi: r.srcHi, srcLo: r.srcLo, dstHi: r.dstHi, dstLo: r.dstLo, sport: 0,
                                               dport: r.dport, proto: 17, family: r.family,
                                               zone: table.slab[idx].zoneID(for: 0)),
                                  maskSrcHi: ~0, maskSrcLo: r.family == 2 ? 0 : ~0, maskSport: 0, master: idx,
                                  masterID: table.slab[idx].id, expires: now &+ 300 &* Self.nsPerSecond, flags: 0,
                                  helper: ConnectionHelper.tftp.rawValue, id: 0, followMaster: false, natDir: 0,
                                  savedPort: 0)
        if table.slab[idx].status & Self.natMask != 0 {
            // nf_nat_tftp: no rewriting; the data connection follows the master's NAT.
            e.followMaster = true
            e.natDir = 1
            e.savedPort = table.slab[idx].sport
        }
        return registerExpectation(e, now: now)
    }

    /// `nf_conntrack_ftp` `help()`, with `nf_nat_ftp` for NATed connections.
    mutating func ftpHelp(_ idx: Int, _ m: MutableBytes, _ length: inout Int, _ p: L3Packet, dir: UInt8,
                          now: UInt64) -> Bool {
        let b = Bytes(base: UnsafeRawPointer(m.base), count: length)
        let o = p.l4Offset
        guard p.l4Length >= 20 else { return true }
        let dataOff = o &+ Int(b.u8(o &+ 12) >> 4) &* 4
        guard dataOff < p.length else { return true }
        let len = p.length &- dataOff
        let seq = b.u32(o &+ 4)
        let endsInNL = b.u8(p.length &- 1) == 0x0a
        let nextSeq = seq &+ UInt32(len)
        var h = table.helpers![idx]
        let afterNL: Bool = dir == 0
            ? (h.nlCount0 > 0 && h.nl00 == seq) || (h.nlCount0 > 1 && h.nl01 == seq)
            : (h.nlCount1 > 0 && h.nl10 == seq) || (h.nlCount1 > 1 && h.nl11 == seq)
        var verdict = true
        if afterNL {
            let me = table.key(idx, dir)
            var addrHi = me.srcHi, addrLo = me.srcLo
            var port: UInt16 = 0
            var matchOff = 0, matchLen = 0
            var type = FTPParser.CommandType.port
            let r = FTPParser.parse(b, dataOff, len, dir: dir, family: p.family, addrHi: &addrHi, addrLo: &addrLo,
                                    port: &port, matchOffset: &matchOff, matchLength: &matchLen, type: &type)
            if r < 0 { return false } // partial match: dropped, newline positions not updated
            if r > 0 {
                let other = table.key(idx, dir ^ 1)
                var dHi = other.dstHi, dLo = other.dstLo
                var record = true
                if addrHi != me.srcHi || addrLo != me.srcLo {
                    // A different address in the command: ignored unless `loose` (default off).
                    if config.ftpLoose { dHi = addrHi; dLo = addrLo } else { record = false }
                }
                if record {
                    var e = EngineExpectation(
                        key: FlowKey(srcHi: other.srcHi, srcLo: other.srcLo, dstHi: dHi, dstLo: dLo, sport: 0, dport: port,
                                     proto: 6, family: p.family, zone: table.slab[idx].zoneID(for: 0)),
                        maskSrcHi: ~0, maskSrcLo: p.family == 2 ? 0 : ~0, maskSport: 0, master: idx,
                        masterID: table.slab[idx].id, expires: now &+ 300 &* Self.nsPerSecond, flags: 0,
                        helper: ConnectionHelper.ftp.rawValue, id: 0, followMaster: false, natDir: 0, savedPort: 0)
                    if table.slab[idx].status & Self.natMask != 0 {
                        verdict = natFTP(idx, m, &length, p, dataOff: dataOff, dir: dir, &e, type: type,
                                         matchOff: matchOff, matchLen: matchLen, seq: seq, now: now)
                    } else {
                        verdict = registerExpectation(e, now: now)
                    }
                    h = table.helpers![idx]
                }
            }
        }
        if endsInNL {
            // update_nl_seq: remember up to two, replacing the older one.
            func before(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) < 0 }
            if dir == 0 {
                if !((h.nlCount0 > 0 && h.nl00 == nextSeq) || (h.nlCount0 > 1 && h.nl01 == nextSeq)) {
                    if h.nlCount0 == 0 { h.nl00 = nextSeq; h.nlCount0 = 1 }
                    else if h.nlCount0 == 1 { h.nl01 = nextSeq; h.nlCount0 = 2 }
                    else if before(h.nl00, h.nl01) { if before(h.nl00, nextSeq) { h.nl00 = nextSeq } }
                    else if before(h.nl01, nextSeq) { h.nl01 = nextSeq }
                }
            } else {
                if !((h.nlCount1 > 0 && h.nl10 == nextSeq) || (h.nlCount1 > 1 && h.nl11 == nextSeq)) {
                    if h.nlCount1 == 0 { h.nl10 = nextSeq; h.nlCount1 = 1 }
                    else if h.nlCount1 == 1 { h.nl11 = nextSeq; h.nlCount1 = 2 }
                    else if before(h.nl10, h.nl11) { if before(h.nl10, nextSeq) { h.nl10 = nextSeq } }
                    else if before(h.nl11, nextSeq) { h.nl11 = nextSeq }
                }
            }
        }
        table.helpers![idx] = h
        return verdict
    }

    /// `nf_nat_ftp`: the expectation follows the master's NAT; its port is the command's
    /// port if free (else one tried at random above it); the command is rewritten with
    /// the address the data must go to and the length change recorded for sequence
    /// adjustment.
    mutating func natFTP(_ idx: Int, _ m: MutableBytes, _ length: inout Int, _ p: L3Packet, dataOff: Int, dir: UInt8,
                         _ e: inout EngineExpectation, type: FTPParser.CommandType, matchOff: Int, matchLen: Int,
                         seq: UInt32, now: UInt64) -> Bool {
        let to = table.key(idx, dir ^ 1)
        e.savedPort = e.key.dport
        e.natDir = dir ^ 1
        e.followMaster = true
        // nf_nat_exp_find_port
        let minPort = e.savedPort
        let range = Int(UInt16.max) - Int(minPort)
        var attempts = min(range, 128)
        var port = minPort
        var found: UInt16 = 0
        while true {
            e.key.dport = port
            let r = registerExpectationResult(e, now: now)
            if r == .ok { found = port; break }
            attempts -= 1
            if r != .busy || attempts < 0 || range <= 0 { break }
            port = minPort &+ UInt16(truncatingIfNeeded: Int(nextRandom16()) % range)
        }
        if found == 0 { return false }
        let text = FTPParser.format(type, family: p.family, hi: to.dstHi, lo: to.dstLo, port: found)
        guard mangleTCP(idx, m, &length, p, dataOff: dataOff, matchOff: matchOff, matchLen: matchLen,
                        replacement: text, dir: dir, seq: seq) else {
            // nf_ct_unexpect_related
            if let i = expectations.lastIndex(where: { $0.master == idx && $0.key.dport == found }) {
                removeExpectation(at: i, now: now)
            }
            return false
        }
        return true
    }

    /// `__nf_nat_mangle_tcp_packet`: replaces `matchLen` payload bytes at `matchOff` with
    /// `replacement`, fixes the IP length (and IPv4 header checksum), recomputes the TCP
    /// checksum and records the length change (`nf_ct_seqadj_set`).
    mutating func mangleTCP(_ idx: Int, _ m: MutableBytes, _ length: inout Int, _ p: L3Packet, dataOff: Int,
                            matchOff: Int, matchLen: Int, replacement: [UInt8], dir: UInt8, seq: UInt32) -> Bool {
        let newLength = length - matchLen + replacement.count
        guard newLength <= m.count, newLength <= 65535 else { return false }
        let start = dataOff + matchOff
        let tail = length - (start + matchLen)
        (m.base + start + replacement.count).copyMemory(from: m.base + start + matchLen, byteCount: tail)
        replacement.withUnsafeBytes { (m.base + start).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        length = newLength
        if p.family == 2 {
            m.set16(2, UInt16(newLength))
            m.set16(10, 0)
            let b = Bytes(base: UnsafeRawPointer(m.base), count: newLength)
            m.set16(10, ~Checksum.fold(Checksum.sum(b, 0, p.l4Offset)))
        } else {
            m.set16(4, UInt16(newLength - 40))
        }
        // TCP checksum over the new segment.
        let o = p.l4Offset
        m.set16(o + 16, 0)
        let b = Bytes(base: UnsafeRawPointer(m.base), count: newLength)
        var q = p
        q.length = newLength
        var sum = Checksum.sum(b, o, newLength - o)
        if p.family == 2 {
            sum &+= p.srcHi >> 48 &+ (p.srcHi >> 32) & 0xffff &+ p.dstHi >> 48 &+ (p.dstHi >> 32) & 0xffff
        } else {
            for a in stride(from: 0, to: 16, by: 2) { sum &+= UInt64(b.u16(8 + a)) &+ UInt64(b.u16(24 + a)) }
        }
        sum &+= 6 &+ UInt64(newLength - o)
        m.set16(o + 16, ~Checksum.fold(sum))
        let off = replacement.count - matchLen
        if off != 0 { seqAdjustSet(idx, dir: dir, seq: seq, offset: Int32(off)) }
        return true
    }

    /// `nf_ct_seqadj_set`
    mutating func seqAdjustSet(_ idx: Int, dir: UInt8, seq: UInt32, offset: Int32) {
        table.slab[idx].status |= StatusBit.seqAdjust
        var h = table.helpers![idx]
        func before(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) < 0 }
        let off = UInt32(bitPattern: offset)
        if dir == 0 {
            if h.before0 == h.after0 || before(h.correction0, seq) {
                h.correction0 = seq; h.before0 = h.after0; h.after0 &+= off
            }
        } else {
            if h.before1 == h.after1 || before(h.correction1, seq) {
                h.correction1 = seq; h.before1 = h.after1; h.after1 &+= off
            }
        }
        table.helpers![idx] = h
    }

    /// `nf_ct_seq_offset`: the offset for a sequence number of direction `dir`.
    static func seqOffset(_ h: HelperData, dir: UInt8, seq: UInt32) -> UInt32 {
        let (corr, before, after) = dir == 0 ? (h.correction0, h.before0, h.after0) : (h.correction1, h.before1, h.after1)
        return Int32(bitPattern: seq &- corr) > 0 ? after : before
    }

    /// `nf_ct_seq_adjust`: the packet's sequence number moves by this direction's offset,
    /// its ack (and SACK blocks) back by the other direction's, checksum updated.
    mutating func seqAdjust(_ idx: Int, _ m: MutableBytes, length: Int, dir: UInt8) -> Bool {
        var p = L3Packet()
        guard parseL3(Bytes(base: UnsafeRawPointer(m.base), count: length), into: &p) == .none, p.proto == 6,
              p.l4Length >= 20 else { return true }
        let h = table.helpers![idx]
        let o = p.l4Offset
        func replace32(_ at: Int, _ v: UInt32) {
            var c = m.u16(o + 16)
            c = checksumReplace16(c, m.u16(at), UInt16(truncatingIfNeeded: v >> 16))
            c = checksumReplace16(c, m.u16(at + 2), UInt16(truncatingIfNeeded: v))
            m.set16(o + 16, c)
            m.set16(at, UInt16(truncatingIfNeeded: v >> 16)); m.set16(at + 2, UInt16(truncatingIfNeeded: v))
        }
        func u32(_ at: Int) -> UInt32 { UInt32(m.u16(at)) << 16 | UInt32(m.u16(at + 2)) }
        let seq = u32(o + 4)
        replace32(o + 4, seq &+ Self.seqOffset(h, dir: dir, seq: seq))
        guard m.u8(o + 13) & 0x10 != 0 else { return true }
        let (corr, before, after) = dir == 1 ? (h.correction0, h.before0, h.after0) : (h.correction1, h.before1, h.after1)
        func back(_ v: UInt32) -> UInt32 {
            v &- (Int32(bitPattern: (v &- before) &- corr) > 0 ? after : before)
        }
        replace32(o + 8, back(u32(o + 8)))
        // nf_ct_sack_adjust: SACK blocks in the options.
        let end = o + Int(m.u8(o + 12) >> 4) * 4
        var i = o + 20
        while i < end && end <= length {
            let kind = m.u8(i)
            if kind == 0 { break }
            if kind == 1 { i += 1; continue }
            guard i + 1 < end else { break }
            let l = Int(m.u8(i + 1))
            guard l >= 2, i + l <= end else { break }
            if kind == 5 && l >= 10 && (l - 2) % 8 == 0 {
                var j = i + 2
                while j + 8 <= i + l {
                    replace32(j, back(u32(j)))
                    replace32(j + 4, back(u32(j + 4)))
                    j += 8
                }
            }
            i += l
        }
        return true
    }
}

/// The FTP command/reply patterns of `nf_conntrack_ftp` (`find_pattern` and its number
/// parsers).
enum FTPParser {
    /// `enum nf_ct_ftp_type`
    enum CommandType { case port, pasv, eprt, epsv }

    /// 1: match (address, port, where the numbers are), 0: no match, -1: partial match.
    static func parse(_ b: Bytes, _ off: Int, _ len: Int, dir: UInt8, family: UInt8, addrHi: inout UInt64,
                      addrLo: inout UInt64, port: inout UInt16, matchOffset: inout Int, matchLength: inout Int,
                      type: inout CommandType) -> Int {
        if dir == 0 {
            type = .port
            var r = pattern(b, off, len, "PORT", skip: 0x20, &matchOffset, &matchLength) { i, _ in
                rfc959(b, off &+ i, len &- i, term: 0x0d, family: family, &addrHi, &addrLo, &port)
            }
            if r == 0 {
                type = .eprt
                r = pattern(b, off, len, "EPRT", skip: 0x20, &matchOffset, &matchLength) { i, _ in
                    eprt(b, off &+ i, len &- i, family: family, &addrHi, &addrLo, &port)
                }
            }
            return r
        }
        type = .pasv
        var r = pattern(b, off, len, "227 ", skip: 0, &matchOffset, &matchLength) { i, numOff in
            // try_rfc1123: scan to the first digit (the match starts there).
            var j = i
            while j < len, !(b.u8(off &+ j) >= 0x30 && b.u8(off &+ j) <= 0x39) { j &+= 1 }
            if j == len { return 0 }
            numOff = j
            return rfc959(b, off &+ j, len &- j, term: 0, family: family, &addrHi, &addrLo, &port)
        }
        if r == 0 {
            type = .epsv
            r = pattern(b, off, len, "229 ", skip: 0x28, &matchOffset, &matchLength) { i, _ in
                epsv(b, off &+ i, len &- i, &port)
            }
        }
        return r
    }

    /// `nf_nat_ftp_fmt_cmd`
    static func format(_ type: CommandType, family: UInt8, hi: UInt64, lo: UInt64, port: UInt16) -> [UInt8] {
        let a = IPAddress(ipv4: UInt32(truncatingIfNeeded: hi >> 32))
        let s: String
        switch type {
        case .port, .pasv:
            let v = UInt32(truncatingIfNeeded: hi >> 32)
            s = "\(v >> 24),\((v >> 16) & 0xff),\((v >> 8) & 0xff),\(v & 0xff),\(port >> 8),\(port & 0xff)"
        case .eprt:
            // The kernel prints IPv6 with `%pI6`: eight groups of four hex digits, uncompressed.
            s = family == 2 ? "|1|\(a)|\(port)|" : "|2|\(uncompressedIPv6(hi, lo))|\(port)|"
        case .epsv:
            s = "|||\(port)|"
        }
        return Array(s.utf8)
    }

    /// `%pI6`: `fd88:0002:0000:0000:0000:0000:0000:0200`.
    static func uncompressedIPv6(_ hi: UInt64, _ lo: UInt64) -> String {
        let hex: [Character] = Array("0123456789abcdef")
        var out = ""
        for i in 0..<8 {
            let w = UInt16(truncatingIfNeeded: (i < 4 ? hi : lo) >> UInt64(48 - 16 * (i % 4)))
            if i > 0 { out.append(":") }
            for shift in stride(from: 12, through: 0, by: -4) { out.append(hex[Int((w >> UInt16(shift)) & 0xf)]) }
        }
        return out
    }

    static func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5a ? c | 0x20 : c }

    static func pattern(_ b: Bytes, _ off: Int, _ len: Int, _ p: StaticString, skip: UInt8, _ numOff: inout Int,
                        _ numLen: inout Int, _ getnum: (Int, inout Int) -> Int) -> Int {
        let plen = p.utf8CodeUnitCount
        let pat = p.utf8Start
        if len <= plen {
            for i in 0..<len where lower(b.u8(off &+ i)) != lower(pat[i]) { return 0 }
            return -1
        }
        for i in 0..<plen where lower(b.u8(off &+ i)) != lower(pat[i]) { return 0 }
        var i = plen
        if skip != 0 {
            while b.u8(off &+ i) != skip {
                if i == len &- 1 { return -1 }
                i &+= 1
            }
            i &+= 1
        }
        numOff = i
        numLen = getnum(i, &numOff)
        return numLen == 0 ? -1 : 1
    }

    /// `try_number`: `count` numbers separated by `sep`, ended by `term` (0: any).
    static func numbers(_ b: Bytes, _ off: Int, _ len: Int, count: Int, sep: UInt8, term: UInt8,
                        _ out: inout (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)) -> Int {
        out = (0, 0, 0, 0, 0, 0)
        var i = 0
        var n = 0
        func add(_ d: UInt32) {
            switch i {
            case 0: out.0 = out.0 &* 10 &+ d
            case 1: out.1 = out.1 &* 10 &+ d
            case 2: out.2 = out.2 &* 10 &+ d
            case 3: out.3 = out.3 &* 10 &+ d
            case 4: out.4 = out.4 &* 10 &+ d
            default: out.5 = out.5 &* 10 &+ d
            }
        }
        while n < len && i < count {
            let c = b.u8(off &+ n)
            if c >= 0x30 && c <= 0x39 { add(UInt32(c - 0x30)) }
            else if c == sep { i += 1 }
            else {
                if (c == term || term == 0) && i == count - 1 { return n }
                return 0
            }
            n += 1
        }
        return 0
    }

    static func rfc959(_ b: Bytes, _ off: Int, _ len: Int, term: UInt8, family: UInt8, _ hi: inout UInt64,
                       _ lo: inout UInt64, _ port: inout UInt16) -> Int {
        var a = (UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0))
        let n = numbers(b, off, len, count: 6, sep: 0x2c, term: term, &a)
        if n == 0 { return 0 }
        // cmd->u3.ip is written whatever the family (an IPv6 master compares 16 bytes).
        let v4 = UInt64((a.0 << 24) | (a.1 << 16) | (a.2 << 8) | a.3) & 0xffff_ffff
        hi = v4 << 32 | (family == 2 ? 0 : hi & 0xffff_ffff)
        port = UInt16(truncatingIfNeeded: (a.4 << 8) | a.5)
        return n
    }

    static func getPort(_ b: Bytes, _ off: Int, start: Int, _ len: Int, delim: UInt8, _ port: inout UInt16) -> Int {
        var tmp: UInt16 = 0
        var i = start
        while i < len {
            let c = b.u8(off &+ i)
            if c == delim {
                if tmp == 0 { break }
                port = tmp
                return i + 1
            } else if c >= 0x30 && c <= 0x39 {
                tmp = tmp &* 10 &+ UInt16(c - 0x30)
            } else {
                break
            }
            i += 1
        }
        return 0
    }

    static func eprt(_ b: Bytes, _ off: Int, _ len: Int, family: UInt8, _ hi: inout UInt64, _ lo: inout UInt64,
                     _ port: inout UInt16) -> Int {
        guard len > 3 else { return 0 }
        let delim = b.u8(off)
        if (delim >= 0x30 && delim <= 0x39) || delim < 33 || delim > 126 || b.u8(off &+ 2) != delim { return 0 }
        let proto = b.u8(off &+ 1)
        if (family == 2 && proto != 0x31) || (family == 10 && proto != 0x32) { return 0 }
        var length = 0
        if proto == 0x31 {
            var a = (UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0))
            length = numbers(b, off &+ 3, len &- 3, count: 4, sep: 0x2e, term: delim, &a)
            if length != 0 { hi = UInt64((a.0 << 24) | (a.1 << 16) | (a.2 << 8) | a.3) << 32 }
        } else {
            // in6_pton up to the delimiter.
            var text = ""
            var i = 3
            while i < len, b.u8(off &+ i) != delim { text.append(Character(Unicode.Scalar(b.u8(off &+ i)))); i += 1 }
            guard i < len, let a = IPAddress(text), a.family == .ipv6 else { return 0 }
            hi = a.high; lo = a.low
            length = i - 3
        }
        if length == 0 { return 0 }
        return getPort(b, off, start: 3 + length + 1, len, delim: delim, &port)
    }

    static func epsv(_ b: Bytes, _ off: Int, _ len: Int, _ port: inout UInt16) -> Int {
        guard len > 3 else { return 0 }
        let delim = b.u8(off)
        if (delim >= 0x30 && delim <= 0x39) || delim < 33 || delim > 126 || b.u8(off &+ 1) != delim
            || b.u8(off &+ 2) != delim { return 0 }
        return getPort(b, off, start: 3, len, delim: delim, &port)
    }
}
