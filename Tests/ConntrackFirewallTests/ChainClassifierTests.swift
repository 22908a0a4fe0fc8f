import XCTest
import PacketBuilder
@testable import ConntrackEngine
@testable import ConntrackFirewall
import ConntrackRuleset

/// Chains of up to 64 rules are evaluated through a `ChainClassifier` (per-field tables of
/// the rules that can match). Two routers with the same random ruleset, one classifying and
/// one evaluating rule by rule, get the same random packets: every verdict, every byte
/// that leaves, every counter and every entry must agree.
final class ChainClassifierTests: XCTestCase {
    struct Rng {
        var s: UInt64
        mutating func next() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
        mutating func pick<T>(_ a: [T]) -> T { a[below(a.count)] }
    }

    let loc = SourceLocation(file: "random.nft", line: 1, column: 1)
    let lan4 = (0..<6).map { IPAddress(ipv4: 0x0a00_0000 | UInt32($0 * 40)) }        // 10.0.0.x
    let wan4 = (0..<6).map { IPAddress(ipv4: 0xc000_0200 | UInt32($0 * 40 + 2)) }    // 192.0.2.x
    let dmz4 = (0..<3).map { IPAddress(ipv4: 0xac10_0000 | UInt32($0 + 10)) }        // 172.16.0.x
    let lan6 = (0..<4).map { IPAddress(ipv6High: 0xfd00_0001_0000_0000, low: UInt64($0 * 7 + 2)) }
    let wan6 = (0..<4).map { IPAddress(ipv6High: 0xfd00_0002_0000_0000, low: UInt64($0 * 9 + 2)) }

    var router: RouterModel {
        RouterModel(interfaces: [
            .init(name: "lan0", addresses: [IPAddress("10.0.0.1")!, IPAddress("fd00:1::1")!], prefixLengths: [24, 64]),
            .init(name: "wan0", addresses: [IPAddress("192.0.2.1")!, IPAddress("fd00:2::1")!], prefixLengths: [24, 64]),
            .init(name: "dmz0", addresses: [IPAddress("172.16.0.1")!], prefixLengths: [24]),
        ])
    }

    func addressRange(_ r: inout Rng, v6: Bool) -> AddressRange {
        let pool = v6 ? lan6 + wan6 : lan4 + wan4 + dmz4
        let a = r.pick(pool), b = r.pick(pool)
        if r.chance(30) { return AddressRange(a) }
        if v6 {
            let len = r.pick([64, 120, 126, 128])
            let m: UInt64 = len >= 128 ? ~0 : ~0 << UInt64(128 - len)
            return r.chance(50) ? AddressRange(low: IPAddress(ipv6High: a.high, low: a.low & m),
                                               high: IPAddress(ipv6High: a.high, low: a.low | ~m))
                                : AddressRange(low: min(a, b), high: max(a, b))
        }
        let len = r.pick([8, 16, 24, 26, 27, 30, 32])
        let m: UInt32 = ~0 << UInt32(32 - len)
        return r.chance(50) ? AddressRange(low: IPAddress(ipv4: a.ipv4Value & m), high: IPAddress(ipv4: a.ipv4Value | ~m))
                            : AddressRange(low: min(a, b), high: max(a, b))
    }

    func values(_ r: inout Rng, _ pool: [UInt32]) -> [ValueRange] {
        (0..<(1 + r.below(3))).map { _ in
            let a = r.pick(pool), b = r.pick(pool)
            return r.chance(60) ? ValueRange(a) : ValueRange(min(a, b), max(a, b))
        }
    }

    let ports: [UInt32] = [0, 1, 22, 53, 79, 80, 81, 443, 1024, 2000, 40000, 65534, 65535]

    func match(_ r: inout Rng) -> Match {
        switch r.below(13) {
        case 0, 1:
            let names = [["lan0"], ["wan0"], ["dmz0"], ["lan*"], ["lan0", "dmz0"], ["nosuch0"]]
            return .interfaceName(input: r.chance(50), negated: r.chance(25), names: r.pick(names))
        case 2, 3:
            let v6 = r.chance(30)
            return .address(family: v6 ? .ipv6 : .ipv4, field: r.chance(50) ? .source : .destination,
                            negated: r.chance(25), values: (0..<(1 + r.below(3))).map { _ in addressRange(&r, v6: v6) })
        case 4:
            return .l4proto(negated: r.chance(25), values: values(&r, [1, 6, 17, 58, 132]))
        case 5, 6:
            return .port(proto: r.pick([6, 17, nil]), field: r.chance(50) ? .source : .destination,
                         negated: r.chance(25), values: values(&r, ports))
        case 7:
            let v6 = r.chance(50)
            return .icmpType(proto: v6 ? 58 : 1, negated: r.chance(25), values: values(&r, v6 ? [1, 128, 129] : [0, 3, 8]))
        case 8:
            let all: [CTStateSet] = [.invalid, .established, .related, .new, .untracked]
            var s: CTStateSet = []
            for x in all where r.chance(40) { s.insert(x) }
            return .ctState(negated: r.chance(25), states: s)
        case 9:
            return .ctStatus(negated: r.chance(25), bits: UInt32(r.pick([0x2, 0x4, 0x10, 0x20, 0x6])))
        case 10:
            return .ctDirection(reply: r.chance(50), negated: r.chance(25))
        case 11:
            return r.chance(50) ? .ctMark(mask: r.pick([~0, 0xff]), negated: r.chance(25), values: values(&r, [0, 1, 2, 0x10]))
                                : .metaMark(mask: r.pick([~0, 0xf]), negated: r.chance(25), values: values(&r, [0, 1, 2, 7]))
        default:
            return .nfproto(family: r.chance(50) ? .ipv4 : .ipv6, negated: r.chance(25))
        }
    }

    func rules(_ r: inout Rng, count: Int, jump: Bool) -> [Rule] {
        (0..<count).map { _ in
            let ms = (0..<r.below(4)).map { _ in match(&r) }
            var ss: [Statement] = []
            if r.chance(60) { ss.append(.counter(packets: 0, bytes: 0)) }
            switch r.below(8) {
            case 0, 1: ss.append(.accept)
            case 2: ss.append(.drop)
            case 3: ss.append(.setMetaMark(UInt32(r.below(3))))
            case 4: ss.append(.setCTMark(UInt32(r.below(3))))
            case 5 where jump: ss.append(.jump("sub"))
            default: break
            }
            return Rule(matches: ms, statements: ss, location: loc, text: "")
        }
    }

    func ruleset(_ r: inout Rng) -> Ruleset {
        let forward = Chain(name: "forward", base: BaseChain(type: .filter, hook: .forward, priority: 0,
                                                               policy: r.chance(50) ? .drop : .accept),
                            rules: rules(&r, count: 1 + r.below(40), jump: true), location: loc)
        let pre = Chain(name: "pre", base: BaseChain(type: .filter, hook: .prerouting, priority: -150),
                        rules: rules(&r, count: r.below(6), jump: true), location: loc)
        let input = Chain(name: "input", base: BaseChain(type: .filter, hook: .input, priority: 0,
                                                           policy: r.chance(30) ? .drop : .accept),
                          rules: rules(&r, count: r.below(8), jump: false), location: loc)
        let sub = Chain(name: "sub", rules: rules(&r, count: r.below(6), jump: false), location: loc)
        var tables = [Table(family: .inet, name: "f", chains: [forward, pre, input, sub])]
        if r.chance(50) {
            tables.append(Table(family: .ip, name: "nat", chains: [
                Chain(name: "post", base: BaseChain(type: .nat, hook: .postrouting, priority: 100), rules: [
                    Rule(matches: [.interfaceName(input: false, negated: false, names: ["wan0"])],
                         statements: [.masquerade(NATSpec())], location: loc, text: ""),
                ], location: loc),
            ]))
        }
        return Ruleset(tables: tables)
    }

    func packet(_ r: inout Rng) -> ([UInt8], Int) {
        let v6 = r.chance(25)
        let inside = v6 ? lan6 : lan4
        let outside = v6 ? wan6 : (r.chance(70) ? wan4 : dmz4)
        let fromInside = r.chance(60)
        let a = r.pick(fromInside ? inside : outside)
        var b = r.pick(fromInside ? outside : inside)
        if r.chance(5) { b = v6 ? IPAddress("fd00:1::1")! : IPAddress("10.0.0.1")! }   // to the router
        let input = fromInside ? 0 : (outside == dmz4 ? 2 : 1)
        let sp = UInt16(r.pick(ports)), dp = UInt16(r.pick(ports))
        switch r.below(5) {
        case 0, 1:
            let flags: TCPFlags = r.pick([.syn, .ack, [.syn, .ack], [.fin, .ack], .rst])
            return (PacketBuilder.tcp(from: a, sp, to: b, dp, seq: 1000, ack: 1, flags: flags), input)
        case 2, 3:
            return (PacketBuilder.udp(from: a, sp, to: b, dp, payload: [1, 2]), input)
        default:
            return (PacketBuilder.icmp(from: a, to: b, type: v6 ? r.pick([128, 129]) : r.pick([8, 0]), id: 7, sequence: 1), input)
        }
    }

    func testClassifierAgreesWithRuleByRule() throws {
        var r = Rng(s: 0x5eed_c1a5)
        var compared = 0, classified = 0
        for _ in 0..<150 {
            let rs = ruleset(&r)
            let fast = try Firewall(ruleset: rs, router: router, tracker: Tracker(seed: 3))
            let slow = try Firewall(ruleset: rs, router: router, tracker: Tracker(seed: 3))
            slow.useClassifiers = false
            classified += fast.mem.classifierCount
            var t: UInt64 = 1_000_000_000
            for _ in 0..<150 {
                let (p, input) = packet(&r)
                var a = p, b = p
                let va = a.withUnsafeMutableBytes { fast.process($0, now: t, input: input) }
                let vb = b.withUnsafeMutableBytes { slow.process($0, now: t, input: input) }
                XCTAssertEqual(va, vb, "packet \(p)")
                XCTAssertEqual(a, b)
                t &+= 1_000_000
                compared += 1
            }
            for (ti, tb) in rs.tables.enumerated() {
                for (ci, c) in tb.chains.enumerated() {
                    for ri in c.rules.indices {
                        let ref = RuleReference(table: ti, chain: ci, rule: ri)
                        XCTAssertEqual(fast.counter(ref)?.packets, slow.counter(ref)?.packets)
                        XCTAssertEqual(fast.counter(ref)?.bytes, slow.counter(ref)?.bytes)
                    }
                }
            }
            var fa: [String] = [], fb: [String] = []
            fast.tracker.forEachFlow(now: t) { fa.append("\($0.original) \($0.reply) \($0.mark ?? 0)") }
            slow.tracker.forEachFlow(now: t) { fb.append("\($0.original) \($0.reply) \($0.mark ?? 0)") }
            XCTAssertEqual(fa, fb)
        }
        XCTAssertEqual(compared, 150 * 150)
        XCTAssertGreaterThan(classified, 150)
    }

    /// The tables' edges: a range ending at the last address or port, a boundary right after
    /// a range, negated sets.
    func testBoundaries() throws {
        let all = AddressRange(low: IPAddress("192.0.2.255")!, high: IPAddress("255.255.255.255")!)
        let rs = Ruleset(tables: [Table(family: .inet, name: "f", chains: [
            Chain(name: "fwd", base: BaseChain(type: .filter, hook: .forward, priority: 0, policy: .drop), rules: [
                Rule(matches: [.address(family: .ipv4, field: .destination, negated: false, values: [all])],
                     statements: [.counter(packets: 0, bytes: 0)], location: loc, text: ""),
                Rule(matches: [.port(proto: nil, field: .destination, negated: true, values: [ValueRange(1, 65535)])],
                     statements: [.counter(packets: 0, bytes: 0), .accept], location: loc, text: ""),
                Rule(matches: [.port(proto: 17, field: .destination, negated: false, values: [ValueRange(65535)])],
                     statements: [.counter(packets: 0, bytes: 0), .accept], location: loc, text: ""),
            ], location: loc),
        ])])
        let fw = try Firewall(ruleset: rs, router: router, tracker: Tracker(seed: 1))
        XCTAssertEqual(fw.mem.classifierCount, 1)
        let a = IPAddress("10.0.0.40")!
        for (dst, port, forwarded, r0) in [("192.0.2.254", UInt16(65535), true, UInt64(0)), ("192.0.2.255", 65535, true, 1),
                                           ("192.0.2.255", 0, true, 2), ("192.0.2.2", 65534, false, 2)] {
            var p = PacketBuilder.udp(from: a, 5, to: IPAddress(dst)!, port)
            let v = p.withUnsafeMutableBytes { fw.process($0, now: 1, input: 0) }
            XCTAssertEqual(v.disposition == .forwarded, forwarded, "\(dst):\(port)")
            XCTAssertEqual(fw.counter(RuleReference(table: 0, chain: 0, rule: 0))?.packets, r0, "\(dst):\(port)")
        }
    }
}
