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
    @discardableResult
    mutating func registerExpectation(_ e: EngineExpectation, now: UInt64) -> Bool {
        var i = 0
        while i < expectations.count {
            let x = expectations[i]
            let same = x.key == e.key && x.maskSrcHi == e.maskSrcHi && x.maskSrcLo == e.maskSrcLo && x.maskSport == e.maskSport
            if same {
                if x.master != e.master || x.masterID != e.masterID { return false }
                removeExpectation(at: i, now: now)
                continue
            }
            // expect_clash: equal under the intersection of the masks.
            let mHi = x.maskSrcHi & e.maskSrcHi, mLo = x.maskSrcLo & e.maskSrcLo, mP = x.maskSport & e.maskSport
            if x.key.proto == e.key.proto && x.key.family == e.key.family && x.key.dstHi == e.key.dstHi
                && x.key.dstLo == e.key.dstLo && x.key.dport == e.key.dport && x.key.zone == e.key.zone
                && (x.key.srcHi ^ e.key.srcHi) & mHi == 0 && (x.key.srcLo ^ e.key.srcLo) & mLo == 0
                && (x.key.sport ^ e.key.sport) & mP == 0 {
                return false
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
            if Int(h[e.master].expecting) >= limit { return false }
        }
        if expectations.count >= config.expectMax { return false }
        var n = e
        expectSerial &+= 1
        n.id = idHash(expectSerial ^ 0x8000_0000)
        expectations.append(n)
        h[e.master].expecting &+= 1
        counters.expectCreate &+= 1
        queueExpectationEvent(n, type: .new, now: now)
        return true
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

    /// Runs the connection's helper on a packet (`nf_confirm` -> `helper->help`).
    /// Returns false when the helper drops the packet (partial FTP command).
    mutating func runHelper(_ b: Bytes, verdict: Verdict, now: UInt64) -> Bool {
        guard let hs = table.helpers, let handle = verdict.connection else { return true }
        let idx = Int(handle.index)
        let kind = hs[idx].kind
        if kind == 0 { return true }
        var p = L3Packet()
        guard parseL3(b, into: &p) == .none, !p.isFragment else { return true }
        let dir = verdict.direction.rawValue
        switch kind {
        case ConnectionHelper.ftp.rawValue:
            guard verdict.state == .established, p.proto == 6 else { return true }
            return ftpHelp(idx, b, p, dir: dir, now: now)
        case ConnectionHelper.tftp.rawValue:
            guard p.proto == 17, p.l4Length >= 10 else { return true }
            let opcode = b.u16(p.l4Offset &+ 8)
            guard opcode == 1 || opcode == 2 else { return true }
            // Expect the server's answer from any port to the client's reply-direction port.
            let r = table.key(idx, 1)
            var e = EngineExpectation(key: FlowKey(srcHi: r.srcHi, srcLo: r.srcLo, dstHi: r.dstHi, dstLo: r.dstLo, sport: 0,
                                                   dport: r.dport, proto: 17, family: r.family,
                                                   zone: table.slab[idx].zoneID(for: 0)),
                                      maskSrcHi: ~0, maskSrcLo: r.family == 2 ? 0 : ~0, maskSport: 0, master: idx,
                                      masterID: table.slab[idx].id, expires: now &+ 300 &* Self.nsPerSecond, flags: 0,
                                      helper: kind, id: 0, followMaster: false, natDir: 0, savedPort: 0)
            if table.slab[idx].status & Self.natMask != 0 {
                // nf_nat_tftp: no mangling; the data connection follows the master's NAT.
                e.followMaster = true
                e.natDir = 1
                e.savedPort = table.slab[idx].sport
            }
            return registerExpectation(e, now: now)
        default:
            return true
        }
    }

    /// `nf_conntrack_ftp` `help()`.
    mutating func ftpHelp(_ idx: Int, _ b: Bytes, _ p: L3Packet, dir: UInt8, now: UInt64) -> Bool {
        let o = p.l4Offset
        guard p.l4Length >= 20 else { return true }
        let dataOff = o &+ Int(b.u8(o &+ 12) >> 4) &* 4
        guard dataOff < p.length else { return true }
        let len = p.length &- dataOff
        let seq = b.u32(o &+ 4)
        let endsInNL = b.u8(p.length &- 1) == 0x0a
        let nextSeq = seq &+ UInt32(len)
        let hs = table.helpers!
        var h = hs[idx]
        let afterNL: Bool = dir == 0
            ? (h.nlCount0 > 0 && h.nl00 == seq) || (h.nlCount0 > 1 && h.nl01 == seq)
            : (h.nlCount1 > 0 && h.nl10 == seq) || (h.nlCount1 > 1 && h.nl11 == seq)
        var verdict = true
        if afterNL {
            let me = table.key(idx, dir)
            var addrHi = me.srcHi, addrLo = me.srcLo
            var port: UInt16 = 0
            let r = FTPParser.parse(b, dataOff, len, dir: dir, family: p.family, addrHi: &addrHi, addrLo: &addrLo,
                                    port: &port)
            if r < 0 {
                counters.helperDrops &+= 1
                return false // partial match: dropped, nl seq not updated
            }
            if r > 0 {
                let other = table.key(idx, dir ^ 1)
                var dHi = other.dstHi, dLo = other.dstLo
                var record = true
                if addrHi != me.srcHi || addrLo != me.srcLo {
                    // A different address in the command: ignored unless `loose` (default off).
                    if config.ftpLoose { dHi = addrHi; dLo = addrLo } else { record = false }
                }
                if record {
                    if table.slab[idx].status & Self.natMask != 0 {
                        // nf_nat_ftp would rewrite the command and adjust sequence numbers.
                        counters.helperNATUnsupported &+= 1
                    }
                    let e = EngineExpectation(
                        key: FlowKey(srcHi: other.srcHi, srcLo: other.srcLo, dstHi: dHi, dstLo: dLo, sport: 0, dport: port,
                                     proto: 6, family: p.family, zone: table.slab[idx].zoneID(for: 0)),
                        maskSrcHi: ~0, maskSrcLo: p.family == 2 ? 0 : ~0, maskSport: 0, master: idx,
                        masterID: table.slab[idx].id, expires: now &+ 300 &* Self.nsPerSecond, flags: 0,
                        helper: ConnectionHelper.ftp.rawValue, id: 0, followMaster: false, natDir: 0, savedPort: 0)
                    verdict = registerExpectation(e, now: now)
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
        if !verdict { counters.helperDrops &+= 1 }
        return verdict
    }
}

/// The FTP command/reply patterns of `nf_conntrack_ftp` (`find_pattern` and its number
/// parsers).
enum FTPParser {
    /// 1: match (address and port filled), 0: no match, -1: partial match (drop).
    static func parse(_ b: Bytes, _ off: Int, _ len: Int, dir: UInt8, family: UInt8, addrHi: inout UInt64,
                      addrLo: inout UInt64, port: inout UInt16) -> Int {
        if dir == 0 {
            var r = pattern(b, off, len, "PORT", skip: 0x20) { i in
                rfc959(b, off &+ i, len &- i, term: 0x0d, family: family, &addrHi, &addrLo, &port)
            }
            if r == 0 {
                r = pattern(b, off, len, "EPRT", skip: 0x20) { i in
                    eprt(b, off &+ i, len &- i, family: family, &addrHi, &addrLo, &port)
                }
            }
            return r
        }
        var r = pattern(b, off, len, "227 ", skip: 0) { i in
            // try_rfc1123: scan to the first digit.
            var j = i
            while j < len, !(b.u8(off &+ j) >= 0x30 && b.u8(off &+ j) <= 0x39) { j &+= 1 }
            if j == len { return 0 }
            return rfc959(b, off &+ j, len &- j, term: 0, family: family, &addrHi, &addrLo, &port)
        }
        if r == 0 {
            r = pattern(b, off, len, "229 ", skip: 0x28) { i in
                epsv(b, off &+ i, len &- i, &port)
            }
        }
        return r
    }

    static func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5a ? c | 0x20 : c }

    static func pattern(_ b: Bytes, _ off: Int, _ len: Int, _ p: StaticString, skip: UInt8,
                        _ getnum: (Int) -> Int) -> Int {
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
        return getnum(i) == 0 ? -1 : 1
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
