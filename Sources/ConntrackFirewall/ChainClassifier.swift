/// A chain of at most 64 rules as a bit-vector classifier (Lakshman and Stiliadis): for
/// each packet field some rule looks at, a table maps the field's value to the set of
/// rules (bit i = the chain's rule i) whose matches on that field hold. One lookup per
/// field and an AND give the rules that can match; only those are visited, in order, and
/// only their matches the tables do not decide are evaluated (`ProgramMemory.classResidual`).
///
/// The tables are built by evaluating each rule's own matches at one representative value
/// of every interval the rules' boundaries cut the field into, so they agree with
/// `Firewall.matches` by construction. Fields the tables decide: input and output
/// interface, `ct state`, layer-4 protocol, family, source and destination address,
/// source and destination port (with "the packet has no ports"). None of them changes
/// while a chain runs, so statements cannot invalidate the result.
struct ChainClassifier {
    /// Interval boundaries and the rule set of each interval: `masks[k]` holds for values
    /// in `bounds[k] ..< bounds[k + 1]`; `bounds[0]` is the lowest value. Empty: the field
    /// is not looked at (every rule passes).
    struct Dimension<Value: DimensionValue> {
        var bounds: UnsafeMutablePointer<Value>
        var masks: UnsafeMutablePointer<UInt64>
        var count: Int
        /// The rules with a match on this field (the others pass every interval).
        var users: UInt64

        init(_ b: [Value], _ m: [UInt64], users: UInt64 = 0) {
            bounds = ProgramMemory.copy(b)
            masks = ProgramMemory.copy(m)
            count = b.count
            self.users = users
        }

        func deallocate() { bounds.deallocate(); masks.deallocate() }

        /// `candidates` narrowed by the interval holding `v` (binary search); no search when
        /// none of the candidates looks at this field. The search steps are branch-free:
        /// packet after packet the values are unrelated, so a branch per step would be
        /// mispredicted half of the time.
        @inline(__always)
        func narrow(_ candidates: UInt64, _ v: Value) -> UInt64 {
            if candidates & users == 0 { return candidates }
            var base = 0
            var n = count
            while n > 1 {
                let half = n &>> 1
                base &+= half & (0 &- Value.notAbove(bounds[base &+ half], v))
                n &-= half
            }
            return candidates & masks[base]
        }
    }

    /// A 128-bit address as `PacketFields` holds it (IPv4 in the top 32 bits of `hi`).
    struct Address: DimensionValue, Hashable {
        /// 1 when `a <= b`, computed without branches.
        @inline(__always)
        static func notAbove(_ a: Address, _ b: Address) -> Int {
            let hiBelow = Int(truncatingIfNeeded: (a.hi < b.hi).bit)
            let hiEqual = Int(truncatingIfNeeded: (a.hi == b.hi).bit)
            let loNotAbove = Int(truncatingIfNeeded: (a.lo <= b.lo).bit)
            return hiBelow | (hiEqual & loNotAbove)
        }
        var hi: UInt64, lo: UInt64
        @inline(__always)
        static func < (a: Address, b: Address) -> Bool { a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo) }
        /// The next address, nil after the last one.
        var successor: Address? {
            if lo != ~0 { return Address(hi: hi, lo: lo &+ 1) }
            if hi != ~0 { return Address(hi: hi &+ 1, lo: 0) }
            return nil
        }
    }

    /// Index of a family in `family`: 0 (not IP), 1 (IPv4), 2 (IPv6).
    @inline(__always)
    static func familyIndex(_ f: UInt8) -> Int { f == 2 ? 1 : f == 10 ? 2 : 0 }

    /// The chain's first rule (global index of bit 0).
    let firstRule: Int
    /// Interface class (``RuleGuard/interfaceClass(_:)``) -> rules; 64 entries each.
    let iif: UnsafeMutablePointer<UInt64>
    let oif: UnsafeMutablePointer<UInt64>
    /// `ct state` bit position (0...7) -> rules.
    let state: UnsafeMutablePointer<UInt64>
    /// Layer-4 protocol -> rules (256 entries).
    let proto: UnsafeMutablePointer<UInt64>
    /// ``familyIndex(_:)`` -> rules.
    let family: UnsafeMutablePointer<UInt64>
    let source: Dimension<Address>
    let destination: Dimension<Address>
    let sourcePort: Dimension<UInt16>
    let destinationPort: Dimension<UInt16>
    /// Rules without any port match: all a packet without ports can match.
    let noPorts: UInt64

    /// Builds the classifier of the `count` rules starting at `first`, whose matches are
    /// `matches[rules[i].firstMatch ..< +matchCount]`. `residual` receives, per rule, the
    /// matches left to evaluate; `residualRange[i]` is the slice for rule `first + i`.
    init(first: Int, count: Int, program p: Program, interfaces: Int,
         residual: inout [CompiledMatch], residualRange: inout [(Int, Int)]) {
        precondition(count <= 64)
        firstRule = first
        let rules = (0..<count).map { i -> ArraySlice<CompiledMatch> in
            let r = p.rules[first + i]
            return p.matches[r.firstMatch..<(r.firstMatch + r.matchCount)]
        }
        func inRanges(_ v: UInt32, _ m: CompiledMatch) -> Bool {
            for k in m.first..<(m.first + m.count) where v >= p.values[k].low && v <= p.values[k].high { return true }
            return false
        }
        func inAddresses(_ a: Address, _ m: CompiledMatch) -> Bool {
            for k in m.first..<(m.first + m.count) {
                let r = p.addresses[k]
                if !(a < Address(hi: r.lowHi, lo: r.lowLo)) && !(Address(hi: r.highHi, lo: r.highLo) < a) { return true }
            }
            return false
        }
        /// The rule set for which `holds(rule's match)` is true for every match `applies` selects.
        func mask(_ applies: (CompiledMatch) -> Bool, _ holds: (CompiledMatch) -> Bool) -> UInt64 {
            var m: UInt64 = 0
            for (i, ms) in rules.enumerated() where ms.allSatisfy({ !applies($0) || holds($0) }) { m |= 1 << UInt64(i) }
            return m
        }
        let byInterface = interfaces <= 62
        func interfaceTable(input: Bool) -> [UInt64] {
            (0..<64).map { c in
                mask({ $0.kind == .interface && byInterface && ($0.field == 0) == input }) { m in
                    RuleGuard.interfaceClasses(m) & (UInt64(1) << UInt64(c)) != 0
                }
            }
        }
        iif = ProgramMemory.copy(interfaceTable(input: true))
        oif = ProgramMemory.copy(interfaceTable(input: false))
        state = ProgramMemory.copy((0..<8).map { b in
            mask({ $0.kind == .ctState }) { m in (m.bits & (UInt64(1) << UInt64(b)) != 0) != m.negated }
        })
        let thProtocols: Set<UInt8> = [6, 17, 136, 132, 33]
        proto = ProgramMemory.copy((0..<256).map { (p: Int) -> UInt64 in
            let pr = UInt8(p)
            return mask({ $0.kind == .l4proto || $0.kind == .port || $0.kind == .icmpType }) { m in
                switch m.kind {
                case .l4proto: return inRanges(UInt32(pr), m) != m.negated
                case .port: return m.proto != 0 ? pr == m.proto : thProtocols.contains(pr)
                default: return pr == m.proto
                }
            }
        })
        family = ProgramMemory.copy([UInt8(0), 2, 10].map { f in
            mask({ [.address, .nfproto, .l4proto, .port].contains($0.kind) }) { m in
                switch m.kind {
                case .address: return f == m.family
                case .nfproto: return (f == m.family) != m.negated
                default: return f != 0
                }
            }
        })
        func addressDimension(_ field: UInt8) -> Dimension<Address> {
            let ms = rules.flatMap { $0.filter { $0.kind == .address && $0.field == field } }
            if ms.isEmpty { return Dimension([], []) }
            var cuts: Set<Address> = [Address(hi: 0, lo: 0)]
            for m in ms {
                for k in m.first..<(m.first + m.count) {
                    let r = p.addresses[k]
                    cuts.insert(Address(hi: r.lowHi, lo: r.lowLo))
                    if let s = Address(hi: r.highHi, lo: r.highLo).successor { cuts.insert(s) }
                }
            }
            let b = cuts.sorted()
            return Dimension(b, b.map { a in
                mask({ $0.kind == .address && $0.field == field }) { m in inAddresses(a, m) != m.negated }
            }, users: ~mask({ $0.kind == .address && $0.field == field }) { _ in false })
        }
        source = addressDimension(0)
        destination = addressDimension(1)
        func portDimension(_ field: UInt8) -> Dimension<UInt16> {
            let ms = rules.flatMap { $0.filter { $0.kind == .port && $0.field == field } }
            if ms.isEmpty { return Dimension([], []) }
            var cuts: Set<UInt16> = [0]
            for m in ms {
                for k in m.first..<(m.first + m.count) {
                    let r = p.values[k]
                    if r.low <= 0xffff { cuts.insert(UInt16(r.low)) }
                    if r.high < 0xffff { cuts.insert(UInt16(r.high + 1)) }
                }
            }
            let b = cuts.sorted()
            return Dimension(b, b.map { v in
                mask({ $0.kind == .port && $0.field == field }) { m in inRanges(UInt32(v), m) != m.negated }
            }, users: ~mask({ $0.kind == .port && $0.field == field }) { _ in false })
        }
        sourcePort = portDimension(0)
        destinationPort = portDimension(1)
        noPorts = mask({ $0.kind == .port }) { _ in false }
        // Everything else is evaluated per candidate rule.
        for ms in rules {
            let start = residual.count
            for m in ms {
                switch m.kind {
                case .interface where byInterface: continue
                case .ctState, .l4proto, .address, .port, .nfproto: continue
                default: residual.append(m)
                }
            }
            residualRange.append((start, residual.count - start))
        }
    }

    func deallocate() {
        iif.deallocate(); oif.deallocate(); state.deallocate(); proto.deallocate(); family.deallocate()
        source.deallocate(); destination.deallocate(); sourcePort.deallocate(); destinationPort.deallocate()
    }

    /// The rules of the chain that can match a packet with these fields, interfaces and
    /// conntrack state (bit i: rule `firstRule + i`).
    @inline(__always)
    func candidates(_ f: PacketFields, iif i: Int, oif o: Int, stateBit: UInt8) -> UInt64 {
        var m = iif[RuleGuard.interfaceClass(i)] & oif[RuleGuard.interfaceClass(o)]
        m &= state[stateBit.trailingZeroBitCount & 7] & family[Self.familyIndex(f.family)] & proto[Int(f.proto)]
        if !f.hasPorts { m &= noPorts }
        m = source.narrow(m, Address(hi: f.srcHi, lo: f.srcLo))
        m = destination.narrow(m, Address(hi: f.dstHi, lo: f.dstLo))
        if f.hasPorts {
            m = sourcePort.narrow(m, f.sport)
            m = destinationPort.narrow(m, f.dport)
        }
        return m
    }
}

/// A value a classifier dimension is searched by.
protocol DimensionValue: Comparable {
    /// 1 when `a <= b`, else 0, without a branch.
    static func notAbove(_ a: Self, _ b: Self) -> Int
}

extension UInt16: DimensionValue {
    @inline(__always)
    static func notAbove(_ a: UInt16, _ b: UInt16) -> Int { Int(truncatingIfNeeded: (a <= b).bit) }
}

extension Bool {
    /// 1 or 0.
    @inline(__always)
    var bit: UInt8 { unsafeBitCast(self, to: UInt8.self) }
}
