import Conntrack
import ConntrackFirewall
import ConntrackRuleset

// The router and the 20-rule ruleset of `engine-bench established-nat`: `nft` below is the
// file, `ruleset()` the same rules built as a `Ruleset` value (the benchmark was written
// before the parser; `checkAgainstParser()` makes sure the two still say the same).
//
// Rules 1-15 match none of the benchmark's established packets (lan0 -> wan0 to port 80
// and the replies), so each of those packets passes all 15 before rule 16 accepts it; NAT
// rules only run for a connection's first packet, but every packet is rewritten
// (masquerade: source on the way out, destination of the replies).

enum NATBenchNetwork {
    /// lan0 10.255.255.254/8 (clients 10.0.0.x), wan0 203.0.113.2/24 (default route),
    /// dmz0 172.16.0.1/24 (servers reached through port forwards).
    static let nft = """
        table inet filter {
            chain forward {
                type filter hook forward priority filter; policy drop;
                ct state invalid counter drop
                iifname "wan0" ip saddr { 0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16, 172.16.0.0/12, 192.168.0.0/16, 224.0.0.0/3 } counter drop
                iifname "lan0" ip saddr != 10.0.0.0/8 counter drop
                ip daddr { 192.0.2.0/24, 198.51.100.0/24, 203.0.113.128/25 } counter drop
                ip saddr { 192.0.2.0/24, 198.51.100.0/24 } counter drop
                oifname "wan0" tcp dport { 23, 135, 137-139, 445, 3389 } counter drop
                icmp type { echo-reply, destination-unreachable, echo-request, time-exceeded } counter accept
                icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, echo-request, echo-reply } accept
                udp dport { 53, 123 } oifname "wan0" accept
                meta mark 0x66 counter drop
                ct mark 0x1 counter accept
                iifname "dmz0" oifname "lan0" counter drop
                iifname "lan0" oifname "dmz0" tcp dport { 22, 443 } counter accept
                iifname "wan0" oifname "dmz0" ct status dnat tcp dport { 80, 443 } counter accept
                ct state new iifname "lan0" oifname "wan0" ct mark set 0x10 counter accept
                ct state established,related counter accept
            }
        }
        table ip nat {
            chain prerouting {
                type nat hook prerouting priority dstnat; policy accept;
                iifname "wan0" tcp dport 8080 dnat to 172.16.0.10:80
                iifname "wan0" udp dport 51820 dnat to 172.16.0.11
            }
            chain postrouting {
                type nat hook postrouting priority srcnat; policy accept;
                oifname "dmz0" ip saddr 10.0.0.0/8 snat to 172.16.0.1
                oifname "wan0" masquerade
            }
        }

        """

    /// Parses `nft` and compares every chain and rule (matches, statements, base chain)
    /// with `ruleset()`; returns the differences (empty when they agree).
    static func checkAgainstParser() -> [String] {
        let parsed: Ruleset
        do { parsed = try Ruleset.parse(nft, file: "bench.nft") } catch { return ["parse: \(error)"] }
        let built = ruleset()
        var diffs: [String] = []
        guard parsed.tables.count == built.tables.count else { return ["table count"] }
        for (pt, bt) in zip(parsed.tables, built.tables) {
            if pt.family != bt.family || pt.name != bt.name || pt.chains.count != bt.chains.count {
                diffs.append("table \(bt.name)"); continue
            }
            for (pc, bc) in zip(pt.chains, bt.chains) {
                if pc.name != bc.name || pc.base != bc.base || pc.rules.count != bc.rules.count {
                    diffs.append("chain \(bc.name): \(String(describing: pc.base)) vs \(String(describing: bc.base))"); continue
                }
                for (i, (pr, br)) in zip(pc.rules, bc.rules).enumerated()
                where pr.matches != br.matches || pr.statements != br.statements {
                    diffs.append("\(bc.name) rule \(i + 1): parsed \(pr.matches) \(pr.statements), built \(br.matches) \(br.statements)")
                }
            }
        }
        return diffs
    }

    static let lanAddress = IPAddress("10.255.255.254")!
    static let wanAddress = IPAddress("203.0.113.2")!
    static let dmzAddress = IPAddress("172.16.0.1")!
    static let lan = 0, wan = 1, dmz = 2

    static let router = RouterModel(interfaces: [
        .init(name: "lan0", addresses: [lanAddress], prefixLengths: [8]),
        .init(name: "wan0", addresses: [wanAddress], prefixLengths: [24]),
        .init(name: "dmz0", addresses: [dmzAddress], prefixLengths: [24]),
    ], routes: [.init(destination: IPAddress("0.0.0.0")!, prefixLength: 0, interface: "wan0")])

    static func prefix(_ s: String) -> AddressRange {
        let parts = s.split(separator: "/")
        let a = IPAddress(parts[0])!
        let len = parts.count > 1 ? Int(parts[1])! : 32
        let v = a.ipv4Value
        let mask: UInt32 = len == 0 ? 0 : ~0 << UInt32(32 - len)
        return AddressRange(low: IPAddress(ipv4: v & mask), high: IPAddress(ipv4: v | ~mask))
    }

    static func ruleset() -> Ruleset {
        var line = 0
        func loc() -> SourceLocation { line += 1; return SourceLocation(file: "bench.nft", line: line, column: 1) }
        func rule(_ m: [Match], _ s: [Statement], _ text: String) -> Rule {
            Rule(matches: m, statements: s, location: loc(), text: text)
        }
        func iif(_ n: String) -> Match { .interfaceName(input: true, negated: false, names: [n]) }
        func oif(_ n: String) -> Match { .interfaceName(input: false, negated: false, names: [n]) }
        func saddr(_ p: [String], negated: Bool = false) -> Match {
            .address(family: .ipv4, field: .source, negated: negated, values: p.map(prefix))
        }
        func daddr(_ p: [String]) -> Match { .address(family: .ipv4, field: .destination, negated: false, values: p.map(prefix)) }
        func ports(_ proto: UInt8, _ v: [ValueRange]) -> Match {
            .port(proto: proto, field: .destination, negated: false, values: v)
        }
        let counter = Statement.counter(packets: 0, bytes: 0)
        let v = { (x: UInt32) in ValueRange(x) }

        let forward = Chain(name: "forward", base: BaseChain(type: .filter, hook: .forward, priority: 0, policy: .drop), rules: [
            rule([.ctState(negated: false, states: .invalid)], [counter, .drop], "ct state invalid counter drop"),
            rule([iif("wan0"), saddr(["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
                                      "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/3"])],
                 [counter, .drop], "iifname \"wan0\" ip saddr { bogons } counter drop"),
            rule([iif("lan0"), saddr(["10.0.0.0/8"], negated: true)], [counter, .drop],
                 "iifname \"lan0\" ip saddr != 10.0.0.0/8 counter drop"),
            rule([daddr(["192.0.2.0/24", "198.51.100.0/24", "203.0.113.128/25"])], [counter, .drop],
                 "ip daddr { blocklist } counter drop"),
            rule([saddr(["192.0.2.0/24", "198.51.100.0/24"])], [counter, .drop], "ip saddr { blocklist } counter drop"),
            rule([oif("wan0"), ports(6, [v(23), v(135), ValueRange(137, 139), v(445), v(3389)])], [counter, .drop],
                 "oifname \"wan0\" tcp dport { 23, 135, 137-139, 445, 3389 } counter drop"),
            rule([.icmpType(proto: 1, negated: false, values: [v(0), v(3), v(8), v(11)])], [counter, .accept],
                 "icmp type { echo-reply, destination-unreachable, echo-request, time-exceeded } counter accept"),
            rule([.icmpType(proto: 58, negated: false, values: [v(1), v(2), v(3), v(128), v(129)])], [.accept],
                 "icmpv6 type { ... } accept"),
            rule([ports(17, [v(53), v(123)]), oif("wan0")], [.accept], "udp dport { 53, 123 } oifname \"wan0\" accept"),
            rule([.metaMark(mask: ~0, negated: false, values: [v(0x66)])], [counter, .drop], "meta mark 0x66 counter drop"),
            rule([.ctMark(mask: ~0, negated: false, values: [v(1)])], [counter, .accept], "ct mark 0x1 counter accept"),
            rule([iif("dmz0"), oif("lan0")], [counter, .drop], "iifname \"dmz0\" oifname \"lan0\" counter drop"),
            rule([iif("lan0"), oif("dmz0"), ports(6, [v(22), v(443)])], [counter, .accept],
                 "iifname \"lan0\" oifname \"dmz0\" tcp dport { 22, 443 } counter accept"),
            rule([iif("wan0"), oif("dmz0"), .ctStatus(negated: false, bits: 0x20), ports(6, [v(80), v(443)])],
                 [counter, .accept], "iifname \"wan0\" oifname \"dmz0\" ct status dnat tcp dport { 80, 443 } counter accept"),
            rule([.ctState(negated: false, states: .new), iif("lan0"), oif("wan0")], [.setCTMark(0x10), counter, .accept],
                 "ct state new iifname \"lan0\" oifname \"wan0\" ct mark set 0x10 counter accept"),
            rule([.ctState(negated: false, states: [.established, .related])], [counter, .accept],
                 "ct state established,related counter accept"),
        ], location: loc())
        let pre = Chain(name: "prerouting", base: BaseChain(type: .nat, hook: .prerouting, priority: -100), rules: [
            rule([iif("wan0"), ports(6, [v(8080)])],
                 [.dnat(NATSpec(addresses: AddressRange(IPAddress("172.16.0.10")!), ports: ValueRange(80)))],
                 "iifname \"wan0\" tcp dport 8080 dnat to 172.16.0.10:80"),
            rule([iif("wan0"), ports(17, [v(51820)])], [.dnat(NATSpec(addresses: AddressRange(IPAddress("172.16.0.11")!)))],
                 "iifname \"wan0\" udp dport 51820 dnat to 172.16.0.11"),
        ], location: loc())
        let post = Chain(name: "postrouting", base: BaseChain(type: .nat, hook: .postrouting, priority: 100), rules: [
            rule([oif("dmz0"), saddr(["10.0.0.0/8"])], [.snat(NATSpec(addresses: AddressRange(dmzAddress)))],
                 "oifname \"dmz0\" ip saddr 10.0.0.0/8 snat to 172.16.0.1"),
            rule([oif("wan0")], [.masquerade(NATSpec())], "oifname \"wan0\" masquerade"),
        ], location: loc())
        return Ruleset(tables: [
            Table(family: .inet, name: "filter", chains: [forward]),
            Table(family: .ip, name: "nat", chains: [pre, post]),
        ])
    }
}
