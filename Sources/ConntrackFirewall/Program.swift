import Conntrack
import ConntrackEngine
import ConntrackRuleset

/// A match in flat form: values live in the program's shared arrays.
struct CompiledMatch {
    enum Kind: UInt8 { case address, l4proto, port, icmpType, interface, ctState, ctStatus, ctDirection, ctMark, ctZone, metaMark, nfproto }
    var kind: Kind
    var negated: Bool
    /// Address/nfproto family (2, 10); 0 = any.
    var family: UInt8 = 0
    /// Protocol a port / ICMP match implies (0: any with ports).
    var proto: UInt8 = 0
    /// 0 = source / input / original, 1 = destination / output / reply.
    var field: UInt8 = 0
    var mask: UInt32 = ~0
    /// Interface bitmap, state bits or status bits.
    var bits: UInt64 = 0
    /// Slice of `values` or `addresses`.
    var first = 0
    var count = 0
}

struct CompiledAddressRange {
    var lowHi: UInt64, lowLo: UInt64, highHi: UInt64, highLo: UInt64
}

struct CompiledStatement {
    enum Kind: UInt8 { case accept, drop, jump, goto, `return`, counter, setCTMark, setMetaMark, setCTZone, notrack, nat, setHelper }
    var kind: Kind
    /// Mark, zone, chain index, NAT spec index, or helper (raw value) | l4proto << 8.
    var value: UInt32 = 0
}

struct CompiledNAT {
    enum Kind { case snat, dnat, masquerade, redirect }
    var kind: Kind
    /// 0: any family, else 2 / 10.
    var family: UInt8
    var range: NATMapping
}

struct CompiledRule {
    var firstMatch: Int, matchCount: Int
    var firstStatement: Int, statementCount: Int
    var reference: RuleReference
    var hasCounter: Bool
    var counterStart: (UInt64, UInt64)
}

struct CompiledChain {
    var table: Int, chain: Int
    /// 0: both families (inet), 2 or 10.
    var family: UInt8
    var priority: Int
    var policyDrop: Bool
    var firstRule: Int, ruleCount: Int

    @inline(__always)
    func familyMatches(_ f: UInt8) -> Bool { family == 0 || family == f }
}

/// The ruleset compiled to flat arrays for the packet path.
struct Program {
    var chains: [CompiledChain] = []
    var rules: [CompiledRule] = []
    var matches: [CompiledMatch] = []
    var statements: [CompiledStatement] = []
    var values: [ValueRange] = []
    var addresses: [CompiledAddressRange] = []
    var nats: [CompiledNAT] = []
    /// Filter-type base chains per hook, by priority.
    var hookChains: [[Int]] = Array(repeating: [], count: 5)
    /// NAT-type base chains per hook, by priority.
    var natChains: [[Int]] = Array(repeating: [], count: 5)
    var ruleIndex: [RuleReference: Int] = [:]
    /// A NAT chain exists for IPv4 / IPv6 (the kernel then registers its NAT hooks and
    /// makes null bindings for every connection).
    var nat4 = false, nat6 = false

    func natActive(_ family: UInt8) -> Bool { family == 2 ? nat4 : nat6 }

    init(_ rs: Ruleset, router: RouterModel) throws(FirewallError) {
        // Chain indices first (jump targets), then bodies.
        var chainIndex: [String: Int] = [:]
        for (ti, t) in rs.tables.enumerated() {
            for (ci, c) in t.chains.enumerated() {
                chainIndex["\(ti)/\(c.name)"] = chains.count
                let fam: UInt8 = t.family == .ip ? 2 : t.family == .ip6 ? 10 : 0
                chains.append(CompiledChain(table: ti, chain: ci, family: fam, priority: c.base?.priority ?? 0,
                                            policyDrop: c.base?.policy == .drop, firstRule: 0, ruleCount: 0))
                if let b = c.base {
                    if b.type == .nat {
                        if fam != 10 { nat4 = true }
                        if fam != 2 { nat6 = true }
                        natChains[b.hook.index].append(chains.count - 1)
                    } else {
                        hookChains[b.hook.index].append(chains.count - 1)
                    }
                }
            }
        }
        for h in 0..<5 {
            hookChains[h].sort { chains[$0].priority < chains[$1].priority }
            natChains[h].sort { chains[$0].priority < chains[$1].priority }
        }
        var k = 0
        for (ti, t) in rs.tables.enumerated() {
            for (ci, c) in t.chains.enumerated() {
                chains[k].firstRule = rules.count
                for (ri, r) in c.rules.enumerated() {
                    let ref = RuleReference(table: ti, chain: ci, rule: ri)
                    ruleIndex[ref] = rules.count
                    var cr = CompiledRule(firstMatch: matches.count, matchCount: 0, firstStatement: statements.count,
                                          statementCount: 0, reference: ref, hasCounter: false, counterStart: (0, 0))
                    for m in r.matches { try compile(m, at: r.location, router: router) }
                    cr.matchCount = matches.count - cr.firstMatch
                    for s in r.statements {
                        switch s {
                        case .accept: statements.append(.init(kind: .accept))
                        case .drop: statements.append(.init(kind: .drop))
                        case .return: statements.append(.init(kind: .return))
                        case .jump(let n), .goto(let n):
                            guard let target = chainIndex["\(ti)/\(n)"] else {
                                throw FirewallError(location: r.location, message: "unknown chain '\(n)'")
                            }
                            if case .jump = s { statements.append(.init(kind: .jump, value: UInt32(target))) }
                            else { statements.append(.init(kind: .goto, value: UInt32(target))) }
                        case .counter(let p, let b):
                            cr.hasCounter = true
                            cr.counterStart = (p, b)
                            statements.append(.init(kind: .counter))
                        case .setCTMark(let v): statements.append(.init(kind: .setCTMark, value: v))
                        case .setMetaMark(let v): statements.append(.init(kind: .setMetaMark, value: v))
                        case .setCTZone(let z): statements.append(.init(kind: .setCTZone, value: UInt32(z)))
                        case .notrack: statements.append(.init(kind: .notrack))
                        case .setCTHelper(let n):
                            guard let obj = t.helpers.first(where: { $0.name == n }) else {
                                throw FirewallError(location: r.location, message: "unknown ct helper object \"\(n)\"")
                            }
                            guard let h = ConnectionHelper(name: obj.type) else {
                                throw FirewallError(location: r.location,
                                                    message: "ct helper type \"\(obj.type)\" is not implemented by the userspace tracker (ftp, tftp are)")
                            }
                            statements.append(.init(kind: .setHelper, value: UInt32(h.rawValue) | UInt32(obj.l4proto) << 8))
                        case .snat(let spec): try addNAT(.snat, spec, table: t, at: r.location)
                        case .dnat(let spec): try addNAT(.dnat, spec, table: t, at: r.location)
                        case .masquerade(let spec): try addNAT(.masquerade, spec, table: t, at: r.location)
                        case .redirect(let spec): try addNAT(.redirect, spec, table: t, at: r.location)
                        }
                    }
                    cr.statementCount = statements.count - cr.firstStatement
                    rules.append(cr)
                }
                chains[k].ruleCount = rules.count - chains[k].firstRule
                k += 1
            }
        }
    }

    mutating func addNAT(_ kind: CompiledNAT.Kind, _ spec: NATSpec, table: Table, at loc: SourceLocation) throws(FirewallError) {
        var fam: UInt8 = table.family == .ip ? 2 : table.family == .ip6 ? 10 : 0
        if let f = spec.family { fam = f == .ipv4 ? 2 : 10 }
        if let a = spec.addresses { fam = a.low.family == .ipv4 ? 2 : 10 }
        var flags: NATMapping.Flags = []
        if spec.random { flags.insert(.random) }
        if spec.fullyRandom { flags.insert(.randomFully) }
        if spec.persistent { flags.insert(.persistent) }
        let addrs = spec.addresses.map { $0.low...$0.high }
        let ports = spec.ports.map { UInt16(truncatingIfNeeded: $0.low)...UInt16(truncatingIfNeeded: $0.high) }
        let range = NATMapping(addresses: addrs, ports: ports, flags: flags)
        nats.append(CompiledNAT(kind: kind, family: fam, range: range))
        statements.append(.init(kind: .nat, value: UInt32(nats.count - 1)))
        _ = loc
    }

    mutating func addValues(_ v: [ValueRange]) -> (Int, Int) {
        let f = values.count
        values.append(contentsOf: v)
        return (f, v.count)
    }

    mutating func compile(_ m: Match, at loc: SourceLocation, router: RouterModel) throws(FirewallError) {
        switch m {
        case .address(let family, let field, let negated, let vs):
            var c = CompiledMatch(kind: .address, negated: negated)
            c.family = family.rawValue
            c.field = field == .source ? 0 : 1
            c.first = addresses.count
            for a in vs {
                addresses.append(CompiledAddressRange(lowHi: a.low.high, lowLo: a.low.low, highHi: a.high.high,
                                                      highLo: a.high.low))
            }
            c.count = vs.count
            matches.append(c)
        case .l4proto(let negated, let vs):
            var c = CompiledMatch(kind: .l4proto, negated: negated)
            (c.first, c.count) = addValues(vs)
            matches.append(c)
        case .port(let proto, let field, let negated, let vs):
            var c = CompiledMatch(kind: .port, negated: negated)
            c.proto = proto ?? 0
            c.field = field == .source ? 0 : 1
            (c.first, c.count) = addValues(vs)
            matches.append(c)
        case .icmpType(let proto, let negated, let vs):
            var c = CompiledMatch(kind: .icmpType, negated: negated)
            c.proto = proto
            (c.first, c.count) = addValues(vs)
            matches.append(c)
        case .interfaceName(let input, let negated, let names):
            var c = CompiledMatch(kind: .interface, negated: negated)
            c.field = input ? 0 : 1
            for (i, itf) in router.interfaces.enumerated() where i < 64 {
                for n in names {
                    let hit = n.hasSuffix("*") ? itf.name.hasPrefix(String(n.dropLast())) : itf.name == n
                    if hit { c.bits |= 1 << UInt64(i) }
                }
            }
            matches.append(c)
        case .ctState(let negated, let states):
            var c = CompiledMatch(kind: .ctState, negated: negated)
            c.bits = UInt64(states.rawValue)
            matches.append(c)
        case .ctStatus(let negated, let bits):
            var c = CompiledMatch(kind: .ctStatus, negated: negated)
            c.bits = UInt64(bits)
            matches.append(c)
        case .ctDirection(let reply, let negated):
            var c = CompiledMatch(kind: .ctDirection, negated: negated)
            c.field = reply ? 1 : 0
            matches.append(c)
        case .ctMark(let mask, let negated, let vs):
            var c = CompiledMatch(kind: .ctMark, negated: negated)
            c.mask = mask
            (c.first, c.count) = addValues(vs)
            matches.append(c)
        case .ctZone(let negated, let vs):
            var c = CompiledMatch(kind: .ctZone, negated: negated)
            (c.first, c.count) = addValues(vs)
            matches.append(c)
        case .metaMark(let mask, let negated, let vs):
            var c = CompiledMatch(kind: .metaMark, negated: negated)
            c.mask = mask
            (c.first, c.count) = addValues(vs)
            matches.append(c)
        case .nfproto(let family, let negated):
            var c = CompiledMatch(kind: .nfproto, negated: negated)
            c.family = family.rawValue
            matches.append(c)
        }
        _ = loc
    }
}

/// What a rule needs of the packet in a form checked with a few instructions before its
/// matches run: the allowed input and output interfaces and `ct state` bits (the rule's
/// interface and ct state matches, which it captures exactly, so they are not evaluated
/// again), and the layer-4 protocol and family its other matches imply (a necessary
/// condition only: those matches still run). A rule that can never match has `states` 0.
struct RuleGuard {
    /// Allowed interface classes, input and output (``RuleGuard/interfaceBit(_:)``).
    var iif: UInt64 = ~0
    var oif: UInt64 = ~0
    /// Allowed ``RuleGuard/stateBit(_:)`` values.
    var states: UInt8 = 0xff
    /// Required layer-4 protocol (0: any) and family (0: any).
    var proto: UInt8 = 0
    var family: UInt8 = 0
    /// The matches left to evaluate: a slice of `ProgramMemory.residual`.
    var first = 0
    var count = 0
    /// The same when the rule's chain runs through its `ChainClassifier`: a slice of
    /// `ProgramMemory.classResidual`.
    var classFirst = 0
    var classCount = 0

    /// The class of an interface index: itself for 0...61, 62 for an index beyond the
    /// model's interfaces, 63 for none (-1: no input or output interface at this hook).
    /// Guards and classifiers capture interface matches only for models of at most 62
    /// interfaces, so every real interface has a class of its own.
    @inline(__always)
    static func interfaceClass(_ i: Int) -> Int { i < 0 ? 63 : i < 62 ? i : 62 }

    @inline(__always)
    static func interfaceBit(_ i: Int) -> UInt64 { UInt64(1) << UInt64(truncatingIfNeeded: interfaceClass(i)) }

    /// The interface classes a `iifname` / `oifname` match accepts (`Firewall.matches`:
    /// no interface never matches, negated or not).
    static func interfaceClasses(_ m: CompiledMatch) -> UInt64 {
        var allowed: UInt64 = 0
        for c in 0..<63 {
            let hit = c < 62 && m.bits & (UInt64(1) << UInt64(c)) != 0
            if hit != m.negated { allowed |= UInt64(1) << UInt64(c) }
        }
        return allowed
    }

    /// The `ct state` bit of a conntrack verdict, as the `ct state` match reads it.
    @inline(__always)
    static func stateBit(_ s: FirewallState) -> UInt8 {
        switch s {
        case .new: 8
        case .established: 2
        case .related: 4
        case .untracked: 64
        case .invalid, .fragmentQueued: 1
        }
    }

    /// Builds the guard of `matches`; `residual` receives the matches it does not capture.
    /// Interface matches are captured only when every interface has a class of its own.
    init(_ matches: ArraySlice<CompiledMatch>, interfaces: Int, residual: inout [CompiledMatch]) {
        first = residual.count
        func require(_ value: UInt8, _ field: inout UInt8) {
            if field == 0 { field = value } else if field != value { states = 0 }
        }
        for m in matches {
            switch m.kind {
            case .interface where interfaces <= 62:
                if m.field == 0 { iif &= Self.interfaceClasses(m) } else { oif &= Self.interfaceClasses(m) }
                continue
            case .ctState:
                var allowed: UInt8 = 0
                for b in [UInt8(1), 2, 4, 8, 64] where (m.bits & UInt64(b) != 0) != m.negated { allowed |= b }
                states &= allowed
                continue
            case .address:
                require(m.family, &family)
            case .port, .icmpType:
                if m.proto != 0 { require(m.proto, &proto) }
            default:
                break
            }
            residual.append(m)
        }
        count = residual.count - first
    }
}

/// The compiled program as the packet path reads it: `Program`'s arrays copied once into
/// manually managed memory (freed by the owning `Firewall`), so evaluating a packet does
/// no reference counting, no uniqueness or exclusivity checks and no bounds checks.
/// Indices are the same as in `Program`.
struct ProgramMemory {
    let chains: UnsafeMutablePointer<CompiledChain>
    let rules: UnsafeMutablePointer<CompiledRule>
    let matches: UnsafeMutablePointer<CompiledMatch>
    let statements: UnsafeMutablePointer<CompiledStatement>
    let values: UnsafeMutablePointer<ValueRange>
    let addresses: UnsafeMutablePointer<CompiledAddressRange>
    let nats: UnsafeMutablePointer<CompiledNAT>
    /// Per rule (indexed like `rules`): its guard; the matches left to evaluate are in `residual`.
    let guards: UnsafeMutablePointer<RuleGuard>
    let residual: UnsafeMutablePointer<CompiledMatch>
    /// Per chain: index into `classifiers`, or -1 for chains evaluated rule by rule
    /// (more than 64 rules, or none).
    let classifierOf: UnsafeMutablePointer<Int>
    let classifiers: UnsafeMutablePointer<ChainClassifier>
    let classifierCount: Int
    let classResidual: UnsafeMutablePointer<CompiledMatch>
    /// Filter chains of hook `h`, by priority: `hookList[hookStart[h] ..< hookStart[h + 1]]`.
    let hookList: UnsafeMutablePointer<Int>
    let hookStart: UnsafeMutablePointer<Int>
    /// NAT chains of hook `h`, the same way.
    let natList: UnsafeMutablePointer<Int>
    let natStart: UnsafeMutablePointer<Int>
    /// Per rule: packets, bytes (`counter` statements).
    let counters: UnsafeMutablePointer<UInt64>
    let nat4: Bool, nat6: Bool
    /// Bit `h` set when hook `h` has filter chains (most packets pass most hooks empty).
    let filterHooks: UInt8

    init(_ p: Program, interfaces: Int) {
        chains = Self.copy(p.chains)
        rules = Self.copy(p.rules)
        matches = Self.copy(p.matches)
        statements = Self.copy(p.statements)
        values = Self.copy(p.values)
        addresses = Self.copy(p.addresses)
        nats = Self.copy(p.nats)
        var rest: [CompiledMatch] = []
        var g = p.rules.map { r in
            RuleGuard(p.matches[r.firstMatch..<(r.firstMatch + r.matchCount)], interfaces: interfaces, residual: &rest)
        }
        residual = Self.copy(rest)
        var of = [Int](repeating: -1, count: p.chains.count)
        var cls: [ChainClassifier] = []
        var classRest: [CompiledMatch] = []
        for (ci, c) in p.chains.enumerated() where c.ruleCount > 0 && c.ruleCount <= 64 {
            var ranges: [(Int, Int)] = []
            cls.append(ChainClassifier(first: c.firstRule, count: c.ruleCount, program: p, interfaces: interfaces,
                                       residual: &classRest, residualRange: &ranges))
            for (i, r) in ranges.enumerated() { (g[c.firstRule + i].classFirst, g[c.firstRule + i].classCount) = r }
            of[ci] = cls.count - 1
        }
        guards = Self.copy(g)
        classifierOf = Self.copy(of)
        classifiers = Self.copy(cls)
        classifierCount = cls.count
        classResidual = Self.copy(classRest)
        (hookList, hookStart) = Self.flatten(p.hookChains)
        (natList, natStart) = Self.flatten(p.natChains)
        var c = [UInt64](repeating: 0, count: p.rules.count * 2)
        for (i, r) in p.rules.enumerated() { c[2 * i] = r.counterStart.0; c[2 * i + 1] = r.counterStart.1 }
        counters = Self.copy(c)
        nat4 = p.nat4
        nat6 = p.nat6
        var hooks: UInt8 = 0
        for (h, l) in p.hookChains.enumerated() where !l.isEmpty { hooks |= 1 << UInt8(h) }
        filterHooks = hooks
    }

    func deallocate() {
        chains.deallocate(); rules.deallocate(); matches.deallocate(); statements.deallocate()
        values.deallocate(); addresses.deallocate(); nats.deallocate(); guards.deallocate(); residual.deallocate()
        for i in 0..<classifierCount { classifiers[i].deallocate() }
        classifierOf.deallocate(); classifiers.deallocate(); classResidual.deallocate()
        hookList.deallocate(); hookStart.deallocate(); natList.deallocate(); natStart.deallocate()
        counters.deallocate()
    }

    @inline(__always)
    func natActive(_ family: UInt8) -> Bool { family == 2 ? nat4 : nat6 }

    static func copy<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, a.count))
        for (i, x) in a.enumerated() { (p + i).initialize(to: x) }
        return p
    }

    static func flatten(_ lists: [[Int]]) -> (UnsafeMutablePointer<Int>, UnsafeMutablePointer<Int>) {
        var flat: [Int] = []
        var start: [Int] = []
        for l in lists { start.append(flat.count); flat.append(contentsOf: l) }
        start.append(flat.count)
        return (copy(flat), copy(start))
    }
}
