import XCTest
import Conntrack
@testable import ConntrackRuleset

// Parsed structure of each construct of the subset. Expected values come from nft's
// documentation (`man nft`: priority table, ct state/status, NAT syntax) and the values
// `nft describe` prints; see SymbolTableTests for the tables checked against nft itself.

func parse(_ text: String, file: String = "test.nft") throws -> Ruleset {
    try Ruleset.parse(text, file: file)
}

/// The rules of one chain `c` built around `body` (`hook` is the chain's type line).
func rules(_ body: String, family: String = "ip",
           hook: String = "type filter hook input priority 0; policy accept;") throws -> [Rule] {
    let rs = try parse("table \(family) t {\n\tchain c {\n\t\t\(hook)\n\t\t\(body)\n\t}\n}\n")
    return rs.tables[0].chains[0].rules
}

func rule(_ body: String, family: String = "ip",
          hook: String = "type filter hook input priority 0; policy accept;") throws -> Rule {
    let rs = try rules(body, family: family, hook: hook)
    guard rs.count == 1 else { throw RulesetError(location: SourceLocation(file: "", line: 0, column: 0), message: "\(rs.count) rules") }
    return rs[0]
}

func v4(_ s: String) -> IPAddress { IPAddress(s)! }

final class ParserTests: XCTestCase {
    // MARK: Tables and chains

    func testTableFamilies() throws {
        let rs = try parse("""
            table t { }
            table ip a { }
            table ip6 b { }
            table inet c { }
            add table inet d
            """)
        XCTAssertEqual(rs.tables.map(\.family), [.ip, .ip, .ip6, .inet, .inet])  // `table t`: ip by default
        XCTAssertEqual(rs.tables.map(\.name), ["t", "a", "b", "c", "d"])
    }

    func testBaseChainPrioritiesFromTheManPage() throws {
        // man nft, "Standard priority names": raw -300, mangle -150, dstnat -100, filter 0,
        // security 50, srcnat 100; `NAME + N` / `NAME - N` offsets.
        let rs = try parse("""
            table ip t {
                chain a { type filter hook prerouting priority raw; }
                chain b { type filter hook forward priority mangle; }
                chain c { type nat hook prerouting priority dstnat; }
                chain d { type filter hook input priority filter; }
                chain e { type filter hook output priority security; }
                chain f { type nat hook postrouting priority srcnat; }
                chain g { type filter hook input priority filter + 5; }
                chain h { type filter hook input priority mangle - 10; }
                chain i { type filter hook input priority -42; }
                chain j { type filter hook input priority 0x10; }
                chain k { type nat hook output priority -100; }
            }
            """)
        let chains = rs.tables[0].chains
        XCTAssertEqual(chains.map { $0.base?.priority }, [-300, -150, -100, 0, 50, 100, 5, -160, -42, 16, -100])
        XCTAssertEqual(chains.map { $0.base?.hook }, [.prerouting, .forward, .prerouting, .input, .output, .postrouting,
                                                       .input, .input, .input, .input, .output])
        XCTAssertEqual(chains.map { $0.base?.type }, [.filter, .filter, .nat, .filter, .filter, .nat, .filter, .filter,
                                                       .filter, .filter, .nat])
    }

    func testPolicyRegularChainsAndLocations() throws {
        let rs = try parse("""
            table inet t {
                chain in {
                    type filter hook input priority 0; policy drop;
                }
                chain helper {
                    accept
                }
            }
            """, file: "fw.nft")
        let t = rs.tables[0]
        XCTAssertEqual(t.chains[0].base, BaseChain(type: .filter, hook: .input, priority: 0, policy: .drop))
        XCTAssertNil(t.chains[1].base)
        XCTAssertEqual(t.chains[0].location, SourceLocation(file: "fw.nft", line: 2, column: 11))
        XCTAssertEqual(t.chains[1].location.description, "fw.nft:5:11")
        XCTAssertEqual(t.chains[1].rules[0].location.description, "fw.nft:6:9")
        // No policy line: accept.
        XCTAssertEqual(try parse("table ip t { chain c { type filter hook input priority 0; }\n}")
            .tables[0].chains[0].base?.policy, .accept)
    }

    func testHelperObjects() throws {
        let rs = try parse("""
            table inet t {
                ct helper ftp-std {
                    type "ftp" protocol tcp
                    l3proto ip
                }
                ct helper tftp { type "tftp" protocol udp; }
                chain c {
                    type filter hook prerouting priority 0;
                    tcp dport 21 ct helper set "ftp-std"
                    udp dport 69 ct helper set tftp
                }
            }
            """)
        let t = rs.tables[0]
        XCTAssertEqual(t.helpers, [HelperObject(name: "ftp-std", type: "ftp", l4proto: 6, l3proto: .ip),
                                   HelperObject(name: "tftp", type: "tftp", l4proto: 17, l3proto: nil)])
        XCTAssertEqual(t.chains[0].rules.map(\.statements), [[.setCTHelper("ftp-std")], [.setCTHelper("tftp")]])
    }

    // MARK: Addresses

    func testAddressMatches() throws {
        let r = try rule("ip saddr 192.168.1.1 ip daddr != 10.0.0.0/8 ip saddr 10.0.0.1-10.0.0.9 accept")
        XCTAssertEqual(r.matches, [
            .address(family: .ipv4, field: .source, negated: false, values: [AddressRange(v4("192.168.1.1"))]),
            .address(family: .ipv4, field: .destination, negated: true,
                     values: [AddressRange(low: v4("10.0.0.0"), high: v4("10.255.255.255"))]),
            .address(family: .ipv4, field: .source, negated: false,
                     values: [AddressRange(low: v4("10.0.0.1"), high: v4("10.0.0.9"))]),
        ])
        XCTAssertEqual(r.statements, [.accept])
        // A prefix with host bits set selects its network (nft masks the value).
        XCTAssertEqual(try rule("ip saddr 10.1.2.3/16").matches,
                       [.address(family: .ipv4, field: .source, negated: false,
                                 values: [AddressRange(low: v4("10.1.0.0"), high: v4("10.1.255.255"))])])
        XCTAssertEqual(try rule("ip daddr { 1.1.1.1, 10.0.0.0/31, 2.2.2.2-2.2.2.3 }").matches,
                       [.address(family: .ipv4, field: .destination, negated: false, values: [
                           AddressRange(v4("1.1.1.1")), AddressRange(low: v4("10.0.0.0"), high: v4("10.0.0.1")),
                           AddressRange(low: v4("2.2.2.2"), high: v4("2.2.2.3"))])])
    }

    func testIPv6AddressMatches() throws {
        let r = try rule("ip6 saddr fe80::/10 ip6 daddr { ::1, fd00::1-fd00::ff, ::ffff:1.2.3.4 } accept", family: "ip6")
        XCTAssertEqual(r.matches, [
            .address(family: .ipv6, field: .source, negated: false,
                     values: [AddressRange(low: v4("fe80::"), high: v4("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))]),
            .address(family: .ipv6, field: .destination, negated: false, values: [
                AddressRange(v4("::1")), AddressRange(low: v4("fd00::1"), high: v4("fd00::ff")),
                AddressRange(v4("::ffff:1.2.3.4"))]),
        ])
        // In an inet table both families are allowed, one per match.
        XCTAssertEqual(try rule("ip6 daddr ::1/128", family: "inet").matches,
                       [.address(family: .ipv6, field: .destination, negated: false, values: [AddressRange(v4("::1"))])])
    }

    // MARK: Protocols and ports

    func testProtocolMatches() throws {
        XCTAssertEqual(try rule("meta l4proto { tcp, udp, udplite, icmp, icmpv6, ipv6-icmp, sctp, gre, dccp, 99 }").matches,
                       [.l4proto(negated: false, values: [6, 17, 136, 1, 58, 58, 132, 47, 33, 99].map { ValueRange($0) })])
        XCTAssertEqual(try rule("meta l4proto != tcp").matches, [.l4proto(negated: true, values: [ValueRange(6)])])
        XCTAssertEqual(try rule("ip protocol icmp").matches, [.l4proto(negated: false, values: [ValueRange(1)])])
        XCTAssertEqual(try rule("ip6 nexthdr udp", family: "ip6").matches, [.l4proto(negated: false, values: [ValueRange(17)])])
        // In an inet table `ip protocol` also means "IPv4" (nft adds `meta nfproto ipv4`).
        XCTAssertEqual(try rule("ip protocol != tcp", family: "inet").matches,
                       [.nfproto(family: .ipv4, negated: false), .l4proto(negated: true, values: [ValueRange(6)])])
        XCTAssertEqual(try rule("ip6 nexthdr 1-5", family: "inet").matches,
                       [.nfproto(family: .ipv6, negated: false), .l4proto(negated: false, values: [ValueRange(1, 5)])])
    }

    func testPortMatches() throws {
        let r = try rule("tcp dport 22 tcp sport != 1024-65535 accept")
        XCTAssertEqual(r.matches, [.port(proto: 6, field: .destination, negated: false, values: [ValueRange(22)]),
                                   .port(proto: 6, field: .source, negated: true, values: [ValueRange(1024, 65535)])])
        XCTAssertEqual(try rule("udp dport { domain, ntp, 67-68 }").matches,
                       [.port(proto: 17, field: .destination, negated: false,
                              values: [ValueRange(53), ValueRange(123), ValueRange(67, 68)])])
        XCTAssertEqual(try rule("sctp sport 3868").matches, [.port(proto: 132, field: .source, negated: false, values: [ValueRange(3868)])])
        XCTAssertEqual(try rule("dccp dport 5004").matches, [.port(proto: 33, field: .destination, negated: false, values: [ValueRange(5004)])])
        XCTAssertEqual(try rule("th dport 53").matches, [.port(proto: nil, field: .destination, negated: false, values: [ValueRange(53)])])
        XCTAssertEqual(try rule("tcp dport ssh tcp dport https").matches,
                       [.port(proto: 6, field: .destination, negated: false, values: [ValueRange(22)]),
                        .port(proto: 6, field: .destination, negated: false, values: [ValueRange(443)])])
        // Numbers as strtoull reads them: hex and (leading zero) octal.
        XCTAssertEqual(try rule("tcp dport 0x16 tcp dport 010").matches,
                       [.port(proto: 6, field: .destination, negated: false, values: [ValueRange(22)]),
                        .port(proto: 6, field: .destination, negated: false, values: [ValueRange(8)])])
    }

    func testRelationalOperatorsBecomeRanges() throws {
        XCTAssertEqual(try rule("tcp dport < 1024").matches, [.port(proto: 6, field: .destination, negated: false, values: [ValueRange(0, 1023)])])
        XCTAssertEqual(try rule("tcp dport <= 1024").matches, [.port(proto: 6, field: .destination, negated: false, values: [ValueRange(0, 1024)])])
        XCTAssertEqual(try rule("udp sport > 1023").matches, [.port(proto: 17, field: .source, negated: false, values: [ValueRange(1024, 65535)])])
        XCTAssertEqual(try rule("udp sport ge 1024").matches, [.port(proto: 17, field: .source, negated: false, values: [ValueRange(1024, 65535)])])
        XCTAssertEqual(try rule("ct mark gt 0xfffffffe").matches, [.ctMark(mask: ~0, negated: false, values: [ValueRange(~0)])])
        XCTAssertEqual(try rule("tcp dport < 0").matches, [.port(proto: 6, field: .destination, negated: false, values: [])])
    }

    func testICMPTypes() throws {
        XCTAssertEqual(try rule("icmp type { echo-reply, destination-unreachable, redirect, echo-request, 13-14 }").matches,
                       [.icmpType(proto: 1, negated: false, values: [0, 3, 5, 8].map { ValueRange($0) } + [ValueRange(13, 14)])])
        XCTAssertEqual(try rule("icmpv6 type != { echo-request, nd-neighbor-solicit, packet-too-big }", family: "ip6").matches,
                       [.icmpType(proto: 58, negated: true, values: [ValueRange(128), ValueRange(135), ValueRange(2)])])
    }

    // MARK: Interfaces

    func testInterfaceNames() throws {
        let r = try rule(#"iifname "eth0" oifname != wan0 meta iifname { "veth*", lo, br-lan } meta oifname eth*"#)
        XCTAssertEqual(r.matches, [.interfaceName(input: true, negated: false, names: ["eth0"]),
                                   .interfaceName(input: false, negated: true, names: ["wan0"]),
                                   .interfaceName(input: true, negated: false, names: ["veth*", "lo", "br-lan"]),
                                   .interfaceName(input: false, negated: false, names: ["eth*"])])
        XCTAssertEqual(try rule(#"iifname "abcdefghijklmno""#).matches,
                       [.interfaceName(input: true, negated: false, names: ["abcdefghijklmno"])])  // IFNAMSIZ - 1
    }

    // MARK: Conntrack and meta

    func testCTState() throws {
        // man nft: ct state is a bitmask (invalid, established, related, new, untracked).
        XCTAssertEqual(try rule("ct state established,related").matches,
                       [.ctState(negated: false, states: [.established, .related])])
        XCTAssertEqual(try rule("ct state { new, untracked }").matches, [.ctState(negated: false, states: [.new, .untracked])])
        XCTAssertEqual(try rule("ct state != invalid").matches, [.ctState(negated: true, states: [.invalid])])
        XCTAssertEqual(try rule("ct state ! established,related").matches,
                       [.ctState(negated: true, states: [.established, .related])])
        XCTAssertEqual(try rule("ct state != { new, invalid }").matches, [.ctState(negated: true, states: [.new, .invalid])])
        XCTAssertEqual(try rule("ct state == new").matches, [.ctState(negated: false, states: [.new])])
        XCTAssertEqual(try rule("ct state 8").matches, [.ctState(negated: false, states: [.new])])
    }

    func testCTStatusDirectionZoneAndMarks() throws {
        // Status bits are the kernel's IPS_* values.
        XCTAssertEqual(try rule("ct status expected,seen-reply,assured,confirmed,snat,dnat,dying").matches,
                       [.ctStatus(negated: false, bits: 0x23f)])  // 0x1|0x2|0x4|0x8|0x10|0x20|0x200
        XCTAssertEqual(try rule("ct status ! dnat").matches, [.ctStatus(negated: true, bits: 0x20)])
        XCTAssertEqual(try rule("ct direction reply ct direction != original").matches,
                       [.ctDirection(reply: true, negated: false), .ctDirection(reply: false, negated: true)])
        XCTAssertEqual(try rule("ct zone 5 ct zone != { 1, 2-3 }").matches,
                       [.ctZone(negated: false, values: [ValueRange(5)]), .ctZone(negated: true, values: [ValueRange(1), ValueRange(2, 3)])])
        XCTAssertEqual(try rule("ct mark 0x1 ct mark and 0xff == 0x2 ct mark & 0xff00 != { 1, 2 }").matches, [
            .ctMark(mask: ~0, negated: false, values: [ValueRange(1)]),
            .ctMark(mask: 0xff, negated: false, values: [ValueRange(2)]),
            .ctMark(mask: 0xff00, negated: true, values: [ValueRange(1), ValueRange(2)]),
        ])
        XCTAssertEqual(try rule("meta mark 7 mark and 0xf0 0x20 mark 100-200").matches, [
            .metaMark(mask: ~0, negated: false, values: [ValueRange(7)]),
            .metaMark(mask: 0xf0, negated: false, values: [ValueRange(0x20)]),
            .metaMark(mask: ~0, negated: false, values: [ValueRange(100, 200)]),
        ])
        XCTAssertEqual(try rule("meta nfproto ipv6 meta nfproto != ipv4", family: "inet").matches,
                       [.nfproto(family: .ipv6, negated: false), .nfproto(family: .ipv4, negated: true)])
    }

    // MARK: Statements

    func testStatements() throws {
        let rs = try parse("""
            table ip t {
                chain c {
                    type filter hook prerouting priority raw;
                    counter
                    counter packets 10 bytes 600 accept
                    ct mark set 0x1 meta mark set 0x2 mark set 3 ct zone set 65535
                    iifname "lo" notrack
                    jump sub
                    goto sub
                    drop
                }
                chain sub {
                    return
                }
            }
            """)
        let c = rs.tables[0].chains
        XCTAssertEqual(c[0].rules.map(\.statements), [
            [.counter(packets: 0, bytes: 0)],
            [.counter(packets: 10, bytes: 600), .accept],
            [.setCTMark(1), .setMetaMark(2), .setMetaMark(3), .setCTZone(65535)],
            [.notrack],
            [.jump("sub")],
            [.goto("sub")],
            [.drop],
        ])
        XCTAssertEqual(c[1].rules.map(\.statements), [[.return]])
    }

    // MARK: NAT

    func testSNATAndDNAT() throws {
        let post = "type nat hook postrouting priority srcnat;"
        XCTAssertEqual(try rule("snat to 192.0.2.1", hook: post).statements, [.snat(NATSpec(addresses: AddressRange(v4("192.0.2.1"))))])
        XCTAssertEqual(try rule("snat 192.0.2.1", hook: post).statements, [.snat(NATSpec(addresses: AddressRange(v4("192.0.2.1"))))])
        XCTAssertEqual(try rule("tcp sport 1-1023 snat to 192.0.2.1-192.0.2.9:1024-65535 random,persistent", hook: post).statements,
                       [.snat(NATSpec(addresses: AddressRange(low: v4("192.0.2.1"), high: v4("192.0.2.9")),
                                      ports: ValueRange(1024, 65535), random: true, persistent: true))])
        XCTAssertEqual(try rule("snat to 10.0.0.0/30 fully-random", hook: post).statements,
                       [.snat(NATSpec(addresses: AddressRange(low: v4("10.0.0.0"), high: v4("10.0.0.3")), fullyRandom: true))])
        let pre = "type nat hook prerouting priority dstnat;"
        XCTAssertEqual(try rule("tcp dport 80 dnat to 10.0.0.1:8080", hook: pre).statements,
                       [.dnat(NATSpec(addresses: AddressRange(v4("10.0.0.1")), ports: ValueRange(8080)))])
        XCTAssertEqual(try rule("meta l4proto { tcp, udp } dnat to :53", hook: pre).statements,
                       [.dnat(NATSpec(ports: ValueRange(53)))])
        XCTAssertEqual(try rule("tcp dport 80 dnat to [fd00::1]:http", family: "ip6", hook: pre).statements,
                       [.dnat(NATSpec(addresses: AddressRange(v4("fd00::1")), ports: ValueRange(80)))])
        // nft keeps only the last of several flag groups (`random persistent` is persistent).
        XCTAssertEqual(try rule("dnat to 10.0.0.1 random persistent", hook: pre).statements,
                       [.dnat(NATSpec(addresses: AddressRange(v4("10.0.0.1")), persistent: true))])
        let out = "type nat hook output priority -100;"
        XCTAssertEqual(try rule("dnat ip to 127.0.0.1", hook: out).statements,
                       [.dnat(NATSpec(family: .ipv4, addresses: AddressRange(v4("127.0.0.1"))))])
    }

    func testMasqueradeAndRedirect() throws {
        let post = "type nat hook postrouting priority srcnat;"
        XCTAssertEqual(try rule("masquerade", hook: post).statements, [.masquerade(NATSpec())])
        XCTAssertEqual(try rule("meta l4proto tcp masquerade to :10000-20000 fully-random,persistent", hook: post).statements,
                       [.masquerade(NATSpec(ports: ValueRange(10000, 20000), fullyRandom: true, persistent: true))])
        XCTAssertEqual(try rule("masquerade random", hook: post).statements, [.masquerade(NATSpec(random: true))])
        let pre = "type nat hook prerouting priority dstnat;"
        XCTAssertEqual(try rule("redirect", hook: pre).statements, [.redirect(NATSpec())])
        XCTAssertEqual(try rule("tcp dport 80 redirect to :8080", hook: pre).statements, [.redirect(NATSpec(ports: ValueRange(8080)))])
        XCTAssertEqual(try rule("udp dport 53 redirect to 5353 random", hook: pre).statements,
                       [.redirect(NATSpec(ports: ValueRange(5353), random: true))])
    }

    func testInetNATFamilies() throws {
        let pre = "type nat hook prerouting priority dstnat;"
        // An explicit family, or the one an earlier match establishes.
        XCTAssertEqual(try rule("dnat ip6 to fd00::1", family: "inet", hook: pre).statements,
                       [.dnat(NATSpec(family: .ipv6, addresses: AddressRange(v4("fd00::1"))))])
        XCTAssertEqual(try rule("ip daddr 192.0.2.1 dnat to 10.0.0.1", family: "inet", hook: pre).statements,
                       [.dnat(NATSpec(family: .ipv4, addresses: AddressRange(v4("10.0.0.1"))))])
        XCTAssertEqual(try rule("meta nfproto ipv6 dnat to fd00::2", family: "inet", hook: pre).statements,
                       [.dnat(NATSpec(family: .ipv6, addresses: AddressRange(v4("fd00::2"))))])
        XCTAssertEqual(try rule("icmp type echo-request dnat to 10.0.0.2", family: "inet", hook: pre).statements,
                       [.dnat(NATSpec(family: .ipv4, addresses: AddressRange(v4("10.0.0.2"))))])
        // Without an address the family stays open.
        XCTAssertEqual(try rule("tcp dport 80 redirect to :8080", family: "inet", hook: pre).statements,
                       [.redirect(NATSpec(ports: ValueRange(8080)))])
    }

    // MARK: Layout

    /// Defines at file and table scope, a define inside a set, redefine and undefine (also
    /// loaded into the real nft by NftAgreementTests).
    static let definesAndScopes = """
            define PORTS = { 22, 80 }
            define NET = 10.0.0.0/8
            define BOTH = { $PORTS, 443 }
            table ip t {
                define LOCAL = 192.168.0.0/16
                chain c {
                    type filter hook input priority filter
                    tcp dport $BOTH ip saddr $LOCAL accept
                }
            }
            table ip u {
                chain c {
                    type filter hook input priority filter
                    ip saddr $NET accept
                }
            }
            redefine NET = 172.16.0.0/12
            add rule ip u c ip daddr $NET drop
            undefine PORTS

            """

    func testDefinesAndScopes() throws {
        let rs = try parse(ParserTests.definesAndScopes)
        XCTAssertEqual(rs.tables[0].chains[0].rules[0].matches, [
            .port(proto: 6, field: .destination, negated: false, values: [ValueRange(22), ValueRange(80), ValueRange(443)]),
            .address(family: .ipv4, field: .source, negated: false,
                     values: [AddressRange(low: v4("192.168.0.0"), high: v4("192.168.255.255"))]),
        ])
        XCTAssertEqual(rs.tables[1].chains[0].rules.map(\.matches), [
            [.address(family: .ipv4, field: .source, negated: false,
                      values: [AddressRange(low: v4("10.0.0.0"), high: v4("10.255.255.255"))])],
            [.address(family: .ipv4, field: .destination, negated: false,
                      values: [AddressRange(low: v4("172.16.0.0"), high: v4("172.31.255.255"))])],
        ])
        XCTAssertEqual(rs.tables[0].chains[0].rules[0].text, "tcp dport $BOTH ip saddr $LOCAL accept")
    }

    func testSeparatorsCommentsAndContinuations() throws {
        let rs = try parse("""
            # leading comment
            table ip t { # after a brace
            \tchain c { type filter hook input priority 0; policy drop; tcp dport 22 accept; udp dport 53 accept
            \t\ttcp dport { 80, # http
            \t\t\t443 } \\
            \t\t\taccept comment "web"
            \t}
            }
            """)
        let r = rs.tables[0].chains[0].rules
        XCTAssertEqual(r.count, 3)
        XCTAssertEqual(r.map(\.text), ["tcp dport 22 accept", "udp dport 53 accept",
                                       #"tcp dport { 80, 443 } accept comment "web""#])
        XCTAssertEqual(r.map(\.location.line), [3, 3, 4])
        XCTAssertEqual(r[2].matches, [.port(proto: 6, field: .destination, negated: false, values: [ValueRange(80), ValueRange(443)])])
    }

    func testOneLinersInsertFlushAndMerging() throws {
        let rs = try parse("""
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
            """)
        XCTAssertEqual(rs.tables.map(\.name), ["t", "x"])
        let c = rs.tables[0].chains
        XCTAssertEqual(c.map(\.name), ["c", "sub"])
        XCTAssertEqual(c[0].base?.policy, .accept)  // the later declaration changes the policy
        XCTAssertEqual(c[0].rules.map(\.text), [#"iifname "lo" accept"#, "tcp dport 22 accept", "jump sub", "udp dport 53 accept"])
        XCTAssertTrue(c[1].rules.isEmpty)
    }
}
