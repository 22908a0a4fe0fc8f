import Foundation
import XCTest
import ConntrackTestSupport
@testable import ConntrackRuleset

/// The real nft is the judge of the subset: every sample we accept loads in nft (check mode
/// and a real load into a throwaway namespace, where the kernel validates NAT hooks and
/// jumps), nft's own listing has the same tables, chains, hooks, priorities, policies, rule
/// counts and helpers; every input we refuse as invalid nft refuses too, at the same place
/// where we say so.
final class NftAgreementTests: XCTestCase {
    var ns: NetworkNamespace!

    override func setUpWithError() throws {
        if let reason = kernelTestSkipReason() { throw XCTSkip(reason) }
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/nft") else { throw XCTSkip("nft is not installed") }
        ns = try NetworkNamespace(prefix: "ctrs")
    }

    override func tearDown() {
        ns?.remove()
    }

    /// nft's first error position (`FILE:LINE:COL-COL: Error: ...`).
    func firstErrorLocation(_ stderr: String) -> (Int, Int)? {
        for line in stderr.split(separator: "\n") where line.contains(": Error: ") {
            let head = line.split(separator: " ")[0]  // /dev/stdin:4:12-18:
            let parts = head.split(separator: ":")
            guard parts.count >= 3, let l = Int(parts[1]), let c = Int(parts[2].split(separator: "-")[0]) else { continue }
            return (l, c)
        }
        return nil
    }

    func testSamplesAreAcceptedByNftWithTheSameStructure() throws {
        for (name, text) in Samples.all {
            let ours = try Ruleset.parse(text, file: name)
            let check = try ns.run(["nft", "-c", "-f", "-"], stdin: text)
            XCTAssertEqual(check.status, 0, "\(name): nft -c: \(check.stderr)")
            try ns.runChecked(["nft", "flush", "ruleset"])
            let load = try ns.run(["nft", "-f", "-"], stdin: text)
            XCTAssertEqual(load.status, 0, "\(name): nft -f: \(load.stderr)")
            guard load.status == 0 else { continue }
            let listing = try ns.runChecked(["nft", "-j", "list", "ruleset"]).stdout
            try compare(ours, toNftJSON: listing, sample: name)
            try ns.runChecked(["nft", "flush", "ruleset"])
        }
    }

    private func compare(_ ours: Ruleset, toNftJSON json: String, sample: String) throws {
        let root = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let items = root?["nftables"] as? [[String: Any]] ?? []
        var tables: [String] = []
        var chains: [String: String] = [:]
        var ruleCounts: [String: Int] = [:]
        var helpers: [String] = []
        for item in items {
            if let t = item["table"] as? [String: Any] {
                tables.append("\(t["family"]!) \(t["name"]!)")
            } else if let c = item["chain"] as? [String: Any] {
                let key = "\(c["family"]!) \(c["table"]!) \(c["name"]!)"
                if let hook = c["hook"] {
                    chains[key] = "\(c["type"]!) \(hook) \(c["prio"]!) \(c["policy"]!)"
                } else {
                    chains[key] = "regular"
                }
            } else if let r = item["rule"] as? [String: Any] {
                ruleCounts["\(r["family"]!) \(r["table"]!) \(r["chain"]!)", default: 0] += 1
            } else if let h = item["ct helper"] as? [String: Any] {
                helpers.append("\(h["family"]!) \(h["table"]!) \(h["name"]!) \(h["type"]!) \(h["protocol"]!) \(h["l3proto"] ?? "-")")
            }
        }
        XCTAssertEqual(ours.tables.map { "\($0.family.rawValue) \($0.name)" }.sorted(), tables.sorted(), sample)
        var ourChains: [String: String] = [:]
        var ourCounts: [String: Int] = [:]
        var ourHelpers: [String] = []
        for t in ours.tables {
            for c in t.chains {
                let key = "\(t.family.rawValue) \(t.name) \(c.name)"
                if let b = c.base {
                    ourChains[key] = "\(b.type.rawValue) \(b.hook.rawValue) \(b.priority) \(b.policy.rawValue)"
                } else {
                    ourChains[key] = "regular"
                }
                if !c.rules.isEmpty { ourCounts[key] = c.rules.count }
            }
            for h in t.helpers {
                // nft lists the table's family when l3proto is not given.
                let l3 = (h.l3proto ?? t.family).rawValue
                ourHelpers.append("\(t.family.rawValue) \(t.name) \(h.name) \(h.type) \(h.l4proto == 6 ? "tcp" : "udp") \(l3)")
            }
        }
        XCTAssertEqual(ourChains, chains, sample)
        XCTAssertEqual(ourCounts, ruleCounts, sample)
        XCTAssertEqual(ourHelpers.sorted(), helpers.sorted(), sample)
    }

    func testInvalidInputsAreRefusedByNft() throws {
        let invalid = refusals.filter { $0.kind == .invalid }
        XCTAssertGreaterThanOrEqual(invalid.count, 10)
        for r in invalid {
            XCTAssertThrowsError(try Ruleset.parse(r.text, file: "bad.nft"), r.text)
            // Check mode first (syntax and nft's own evaluation), then a real load for what only
            // the kernel validates (NAT hooks, jumps).
            var result = try ns.run(["nft", "-c", "-f", "-"], stdin: r.text)
            if result.status == 0 {
                try ns.runChecked(["nft", "flush", "ruleset"])
                result = try ns.run(["nft", "-f", "-"], stdin: r.text)
            }
            try ns.runChecked(["nft", "flush", "ruleset"])
            XCTAssertNotEqual(result.status, 0, "nft accepted what we refuse as invalid:\n\(r.text)")
            if r.nftSameLocation {
                let at = firstErrorLocation(result.stderr)
                XCTAssertEqual(at?.0, r.line, "\(r.text)\n\(result.stderr)")
                XCTAssertEqual(at?.1, r.column, "\(r.text)\n\(result.stderr)")
            }
        }
    }

    /// Random rules from the subset's constructs (valid and invalid values mixed, fixed
    /// seed), each in a chain of a random family and hook: whatever we accept, nft loads;
    /// whatever we refuse as invalid (not as unsupported), nft refuses.
    func testGeneratedRulesAgreeWithNft() throws {
        var g = RuleGenerator(seed: 0x5eed)
        var accepted = 0, refusedInvalid = 0
        for _ in 0..<200 {
            let text = g.ruleset()
            try ns.runChecked(["nft", "flush", "ruleset"])
            let nft = try ns.run(["nft", "-f", "-"], stdin: text)
            do {
                _ = try Ruleset.parse(text, file: "gen.nft")
                accepted += 1
                XCTAssertEqual(nft.status, 0, "we accept, nft refuses:\n\(text)\n\(nft.stderr)")
            } catch {
                if !error.message.hasPrefix("unsupported") {
                    refusedInvalid += 1
                    XCTAssertNotEqual(nft.status, 0, "we refuse (\(error)), nft accepts:\n\(text)")
                }
            }
        }
        // The mix exercises both sides.
        XCTAssertGreaterThan(accepted, 25)
        XCTAssertGreaterThan(refusedInvalid, 25)
    }

    /// The unit tests' inputs that nft must accept as they are.
    func testUnitTestInputsAreNftSyntax() throws {
        let inputs = [
            inChain("ip saddr 192.168.1.1 ip daddr != 10.0.0.0/8 ip saddr 10.0.0.1-10.0.0.9 accept"),
            inChain("ip6 saddr fe80::/10 ip6 daddr { ::1, fd00::1-fd00::ff, ::ffff:1.2.3.4 } accept", family: "ip6"),
            inChain("meta l4proto { tcp, udp, udplite, icmp, icmpv6, ipv6-icmp, sctp, gre, dccp, 99 }"),
            inChain("ip protocol != tcp", family: "inet"),
            inChain("ip6 nexthdr 1-5", family: "inet"),
            inChain("udp dport { domain, ntp, 67-68 }"),
            inChain("tcp dport ssh tcp dport https"),
            inChain("tcp dport 0x16 tcp dport 010"),
            inChain("dccp dport 5004"),
            inChain("tcp dport < 1024 tcp dport <= 1024 ct mark gt 0xfffffffe"),
            inChain("udp sport > 1023 udp sport ge 1024"),
            inChain("icmp type { echo-reply, destination-unreachable, redirect, echo-request, 13-14 }"),
            inChain("icmpv6 type != { echo-request, nd-neighbor-solicit, packet-too-big }", family: "ip6"),
            inChain(#"iifname "eth0" oifname != wan0 meta iifname { "veth*", lo, br-lan } meta oifname eth*"#),
            inChain("ct state ! established,related ct state != { new, invalid } ct state 8 ct status ! dnat"),
            inChain("ct status expected,seen-reply,assured,confirmed,snat,dnat,dying ct direction != original"),
            inChain("ct mark 0x1 ct mark and 0xff == 0x2 ct mark & 0xff00 != { 1, 2 } mark and 0xf0 0x20 mark 100-200"),
            inChain("meta nfproto ipv6 meta nfproto != ipv4", family: "inet"),
            inChain("tcp sport 1-1023 snat to 192.0.2.1-192.0.2.9:1024-65535 random,persistent", hook: nat.post),
            inChain("snat to 10.0.0.0/30 fully-random", hook: nat.post),
            inChain("meta l4proto { tcp, udp } dnat to :53", hook: nat.pre),
            inChain("tcp dport 80 dnat to [fd00::1]:http", family: "ip6", hook: nat.pre),
            inChain("dnat to 10.0.0.1 random persistent", hook: nat.pre),
            inChain("meta l4proto tcp masquerade to :10000-20000 fully-random,persistent", hook: nat.post),
            inChain("udp dport 53 redirect to 5353 random", hook: nat.pre),
            inChain("icmp type echo-request dnat to 10.0.0.2", family: "inet", hook: nat.pre),
            inChain("meta nfproto ipv6 dnat to fd00::2", family: "inet", hook: nat.pre),
            ParserTests.definesAndScopes,
            """
            table ip old { chain c { accept; }
            }
            flush ruleset
            add table ip t
            add chain ip t c { type filter hook input priority 0; policy drop; }
            add chain ip t sub
            add rule ip t c tcp dport 22 accept
            insert rule ip t c iifname "lo" accept
            rule ip t c jump sub
            table ip t {
                chain c {
                    type filter hook input priority 0; policy accept;
                    udp dport 53 accept
                }
            }
            add rule ip t sub drop
            flush chain ip t sub
            create table inet x
            """,
        ]
        for text in inputs {
            XCTAssertNoThrow(try Ruleset.parse(text, file: "unit.nft"), text)
            let r = try ns.run(["nft", "-f", "-"], stdin: text)
            XCTAssertEqual(r.status, 0, "\(text)\n\(r.stderr)")
            try ns.runChecked(["nft", "flush", "ruleset"])
        }
    }
}

/// Random rules over the subset's constructs, with some invalid and unsupported values.
struct RuleGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 1000) / 1000 < p }

    mutating func value(_ a: [String]) -> String {
        let r = int(10)
        if r < 6 { return pick(a) }
        if r < 9 {
            var items: [String] = []
            for _ in 0..<(1 + int(3)) { items.append(pick(a)) }
            return "{ " + items.joined(separator: ", ") + " }"
        }
        return pick(a) + "," + pick(a)
    }

    static let v4 = ["10.0.0.1", "192.168.0.0/16", "10.0.0.1-10.0.0.9", "1.2.3.4/33", "10.0.0.9-10.0.0.1", "fd00::1",
                     "255.255.255.255", "10.1.2.3/8"]
    static let v6 = ["fd00::1", "fe80::/10", "fd00::1-fd00::9", "::1", "1.2.3.4", "::ffff:1.2.3.4", "fd00::/129"]
    static let ports = ["22", "ssh", "http", "1000-2000", "0", "65535", "65536", "90-80", "bogus", "0x10", "010"]
    static let protos = ["tcp", "udp", "icmp", "icmpv6", "ipv6-icmp", "gre", "sctp", "47", "300", "esp"]
    static let icmp = ["echo-request", "echo-reply", "destination-unreachable", "8", "13-14", "nd-neighbor-solicit", "bogus"]
    static let states = ["new", "established", "related", "invalid", "untracked", "8"]
    static let status = ["snat", "dnat", "assured", "seen-reply", "confirmed", "expected", "dying"]
    static let ops = ["", "", "", "!= ", "== ", "< ", ">= ", "! "]

    mutating func match() -> String {
        let op = pick(RuleGenerator.ops)
        switch int(16) {
        case 0: return "ip \(pick(["saddr", "daddr"])) \(op)\(value(RuleGenerator.v4))"
        case 1: return "ip6 \(pick(["saddr", "daddr"])) \(op)\(value(RuleGenerator.v6))"
        case 2: return "\(pick(["tcp", "udp", "sctp", "th", "dccp"])) \(pick(["sport", "dport"])) \(op)\(value(RuleGenerator.ports))"
        case 3: return "meta l4proto \(op)\(value(RuleGenerator.protos))"
        case 4: return "ip protocol \(op)\(value(RuleGenerator.protos))"
        case 5: return "ip6 nexthdr \(op)\(value(RuleGenerator.protos))"
        case 6: return "\(pick(["icmp", "icmpv6"])) type \(op)\(value(RuleGenerator.icmp))"
        case 7: return "\(pick(["iifname", "oifname", "meta iifname"])) \(op)\(value(["eth0", "\"wan*\"", "lo", "\"\"", "abcdefghijklmnop"]))"
        case 8: return "ct state \(op)\(value(RuleGenerator.states))"
        case 9: return "ct status \(op)\(value(RuleGenerator.status))"
        case 10: return "ct direction \(op)\(value(["original", "reply"]))"
        case 11: return "\(pick(["ct mark", "meta mark", "mark"])) \(pick(["", "and 0xff "]))\(op)\(value(["0x1", "2", "10-20", "0x100000000"]))"
        case 12: return "ct zone \(op)\(value(["1", "2-3", "65536"]))"
        case 13: return "meta nfproto \(op)\(value(["ipv4", "ipv6"]))"
        case 14: return pick(["ip ttl 1", "tcp flags syn", "iif lo", "meta skuid 0"])
        default: return "ct state \(value(RuleGenerator.states))"
        }
    }

    mutating func statement() -> String {
        switch int(13) {
        case 0: return pick(["accept", "drop", "return"])
        case 1: return pick(["jump sub", "goto sub", "jump nosuch"])
        case 2: return pick(["counter", "counter packets 1 bytes 2"])
        case 3: return "\(pick(["ct mark", "meta mark", "mark"])) set \(pick(["1", "0xffffffff", "0x100000000"]))"
        case 4: return "ct zone set \(pick(["1", "65535", "65536"]))"
        case 5: return "notrack"
        case 6: return "ct helper set \(pick(["ftp-std", "\"ftp-std\"", "nosuch"]))"
        case 7, 8:
            var address = pick(RuleGenerator.v4 + RuleGenerator.v6.prefix(4))
            let port = pick(["", "", ":80", ":1000-2000", ":http"])
            if address.contains(":"), !port.isEmpty, chance(0.8) {
                address = "[" + String(address.split(separator: "-")[0].split(separator: "/")[0]) + "]"
            }
            return "\(pick(["snat", "dnat"])) \(pick(["", "", "ip ", "ip6 "]))\(pick(["to ", "to ", ""]))\(address)\(port)"
                + pick(["", "", " random", " persistent", " random,fully-random", " random persistent"])
        case 9: return "masquerade" + pick(["", " random", " to :1000-2000", " to :1000 persistent"])
        case 10: return "redirect" + pick(["", " to :8080", " to 8080", " random"])
        case 11: return pick(["log", "reject", "limit rate 1/second"])
        default: return "accept"
        }
    }

    static let hooks = ["filter hook prerouting priority 0", "filter hook input priority 0", "filter hook forward priority 0",
                        "filter hook output priority 0", "filter hook postrouting priority 0",
                        "nat hook prerouting priority dstnat", "nat hook postrouting priority srcnat",
                        "nat hook output priority -100", "nat hook input priority 100"]

    mutating func ruleset() -> String {
        var items: [String] = []
        for _ in 0..<int(3) { items.append(match()) }
        for _ in 0..<(1 + int(2)) { items.append(statement()) }
        return """
            table \(pick(["ip", "ip6", "inet"])) t {
            \tct helper ftp-std {
            \t\ttype "ftp" protocol tcp
            \t}
            \tchain c {
            \t\ttype \(pick(RuleGenerator.hooks)); policy accept;
            \t\t\(items.joined(separator: " "))
            \t}
            \tchain sub {
            \t\treturn
            \t}
            }

            """
    }
}
