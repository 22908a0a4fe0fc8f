import XCTest
@testable import ConntrackRuleset

/// An input the parser refuses, where and why. `invalid` ones nft refuses too (checked in
/// NftAgreementTests, which also checks nft's own location when `nftSameLocation`).
struct Refusal {
    enum Kind { case unsupported, invalid }
    var text: String
    var line: Int
    var column: Int
    var message: String
    var kind: Kind
    var nftSameLocation = false
}

/// `rule` as line 4 (column 3) of a chain `c` in table `t`, after a `type` line (line 3).
func inChain(_ rule: String, family: String = "ip", hook: String = "type filter hook input priority 0;") -> String {
    "table \(family) t {\n\tchain c {\n\t\t\(hook)\n\t\t\(rule)\n\t}\n}\n"
}

let nat = (pre: "type nat hook prerouting priority dstnat;", post: "type nat hook postrouting priority srcnat;")

let refusals: [Refusal] = [
    // Outside the subset: the first token we do not support, named.
    Refusal(text: inChain(#"tcp dport 22 log prefix "x" accept"#), line: 4, column: 16,
            message: "unsupported statement 'log'", kind: .unsupported),
    Refusal(text: inChain("ip ttl 64 accept"), line: 4, column: 6, message: "unsupported expression 'ip ttl'", kind: .unsupported),
    Refusal(text: inChain("tcp flags syn accept"), line: 4, column: 7, message: "unsupported expression 'tcp flags'",
            kind: .unsupported),
    Refusal(text: inChain("ip saddr @blocklist drop"), line: 4, column: 12, message: "unsupported named set '@blocklist'",
            kind: .unsupported),
    Refusal(text: inChain("tcp dport vmap { 22 : accept }"), line: 4, column: 13, message: "unsupported statement 'vmap'",
            kind: .unsupported),
    Refusal(text: inChain("fib daddr type local accept"), line: 4, column: 3, message: "unsupported expression 'fib'",
            kind: .unsupported),
    Refusal(text: inChain("@th,16,16 22 accept"), line: 4, column: 3, message: "unsupported expression '@' (raw payload)",
            kind: .unsupported),
    Refusal(text: inChain("iif lo accept"), line: 4, column: 3, message: "unsupported expression 'iif'", kind: .unsupported),
    Refusal(text: inChain("limit rate 10/second accept"), line: 4, column: 3, message: "unsupported statement 'limit'",
            kind: .unsupported),
    Refusal(text: inChain("tcp dport 113 reject with tcp reset"), line: 4, column: 17,
            message: "unsupported statement 'reject'", kind: .unsupported),
    Refusal(text: inChain("meta mark set ct mark"), line: 4, column: 17,
            message: "unsupported non-constant value 'ct' for 'meta mark set'", kind: .unsupported),
    Refusal(text: inChain("counter tcp dport 22 accept"), line: 4, column: 11,
            message: "unsupported match after the statement 'counter' (matches must come first)", kind: .unsupported),
    Refusal(text: inChain("ct status == dnat accept"), line: 4, column: 13,
            message: "unsupported exact comparison of ct status (write 'ct status dnat' to test bits)", kind: .unsupported),
    Refusal(text: "table bridge b {\n}\n", line: 1, column: 7, message: "unsupported table family 'bridge'",
            kind: .unsupported),
    Refusal(text: inChain("accept", hook: "type route hook output priority 0;"), line: 3, column: 8,
            message: "unsupported chain type 'route'", kind: .unsupported),
    Refusal(text: "flush ruleset\ninclude \"/etc/nftables.d/x.nft\"\n", line: 2, column: 1,
            message: "unsupported command 'include'", kind: .unsupported),
    Refusal(text: "table ip t {\n\tset blocklist { type ipv4_addr; }\n}\n", line: 2, column: 2,
            message: "unsupported declaration 'set'", kind: .unsupported),
    Refusal(text: inChain("ip saddr localhost accept"), line: 4, column: 12,
            message: "unsupported host name 'localhost' (only numeric addresses)", kind: .unsupported),
    Refusal(text: "table ip t {\n\tct helper sip-5060 {\n\t\ttype \"sip\" protocol udp;\n\t}\n}\n", line: 3, column: 8,
            message: "unsupported ct helper type 'sip'", kind: .unsupported),
    Refusal(text: inChain("jump { accept; }"), line: 4, column: 8, message: "unsupported anonymous chain", kind: .unsupported),
    Refusal(text: inChain("ip saddr . tcp dport { 1.2.3.4 . 22 } accept"), line: 4, column: 12,
            message: "unsupported concatenation", kind: .unsupported),
    Refusal(text: "table ip t {\n\tflags dormant;\n}\n", line: 2, column: 2, message: "unsupported table option 'flags'",
            kind: .unsupported),
    Refusal(text: inChain("dnat to numgen inc mod 2 map { 0 : 10.0.0.1, 1 : 10.0.0.2 }", hook: nat.pre), line: 4, column: 11,
            message: "unsupported expression 'numgen' as a NAT address", kind: .unsupported),
    Refusal(text: inChain("ct count over 10 drop"), line: 4, column: 6, message: "unsupported statement 'ct count'",
            kind: .unsupported),
    Refusal(text: "delete table ip t\n", line: 1, column: 1, message: "unsupported command 'delete'", kind: .unsupported),
    Refusal(text: "add set ip t s { type ipv4_addr; }\n", line: 1, column: 5, message: "unsupported command 'add set'",
            kind: .unsupported),

    // Invalid: nft refuses these as well.
    Refusal(text: inChain("ip saddr fd00::1 accept"), line: 4, column: 12, message: "'fd00::1' is not an IPv4 address",
            kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("ip6 saddr fd00::1 accept"), line: 4, column: 3,
            message: "conflicting protocols specified: ip vs. ip6", kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("snat to 192.0.2.1", family: "inet", hook: nat.post), line: 4, column: 3,
            message: "ip or ip6 must be specified with address for inet tables", kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("masquerade", hook: "type filter hook postrouting priority 0;"), line: 4, column: 3,
            message: "masquerade is only valid in nat chains at postrouting", kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("snat to 192.0.2.1", hook: nat.pre), line: 4, column: 3,
            message: "snat is only valid in nat chains at postrouting or input", kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("dnat to 192.0.2.1", hook: nat.post), line: 4, column: 3,
            message: "dnat is only valid in nat chains at prerouting or output", kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("masquerade", hook: "type nat hook input priority 100;"), line: 4, column: 3,
            message: "masquerade is only valid in nat chains at postrouting", kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("redirect", hook: "type nat hook input priority 100;"), line: 4, column: 3,
            message: "redirect is only valid in nat chains at prerouting or output", kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("jump nowhere"), line: 4, column: 8, message: "unknown chain 'nowhere'", kind: .invalid,
            nftSameLocation: true),
    Refusal(text: inChain(#"tcp dport 21 ct helper set "ftp""#), line: 4, column: 30, message: "unknown ct helper 'ftp'",
            kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("snat to 192.0.2.1:80", hook: nat.post), line: 4, column: 21,
            message: "transport protocol mapping is only valid after transport protocol match", kind: .invalid,
            nftSameLocation: true),
    Refusal(text: inChain("tcp dport 70000 accept"), line: 4, column: 13, message: "value 70000 exceeds valid range 0-65535",
            kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("tcp dport 90-80 accept"), line: 4, column: 13, message: "range has zero or negative size",
            kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("accept counter"), line: 4, column: 10, message: "statement after terminal statement has no effect",
            kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("tcp dport 22 udp dport 53 accept", family: "inet"), line: 4, column: 16,
            message: "conflicting protocols specified: tcp vs. udp", kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("meta nfproto ipv4 accept"), line: 4, column: 3,
            message: "meta nfproto is only useful in the inet family", kind: .invalid, nftSameLocation: true),
    Refusal(text: "table ip t {\n\tchain c {\n\t\tpolicy drop;\n\t}\n}\n", line: 3, column: 3,
            message: "policy is only valid on base chains", kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("accept", hook: "type filter hook input priority 0; policy accept; policy drop;"), line: 3,
            column: 53, message: "you cannot set chain policy twice", kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain(#"iifname "abcdefghijklmnop" accept"#), line: 4, column: 11,
            message: "string exceeds maximum length of 16", kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("ct mark 1,2 accept"), line: 4, column: 11,
            message: "comma-separated values need a bitmask type (ct state, ct status); use a set '{ ... }'",
            kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("meta mark set $undefined"), line: 4, column: 18, message: "unknown identifier 'undefined'",
            kind: .invalid, nftSameLocation: true),
    Refusal(text: "define A = 1\ndefine A = 2\n", line: 2, column: 8, message: "redefinition of symbol 'A'", kind: .invalid,
            nftSameLocation: true),
    Refusal(text: "define NET = 10.0.0.0/8\ntable ip t {\n\tdefine NET = 10.1.0.0/16\n}\n", line: 3, column: 9,
            message: "redefinition of symbol 'NET'", kind: .invalid, nftSameLocation: true),
    Refusal(text: "table ip t {\n\tdefine LOCAL = 1\n}\ntable ip u {\n\tchain c { meta mark $LOCAL; }\n}\n", line: 5,
            column: 23, message: "unknown identifier 'LOCAL'", kind: .invalid, nftSameLocation: true),
    Refusal(text: "table ip t {\n\tchain a { jump b; }\n\tchain b { jump a; }\n\tchain c { type filter hook input priority 0; jump a; }\n}\n",
            line: 3, column: 17, message: "jump to 'a' makes a loop", kind: .invalid),
    Refusal(text: "table ip t {\n\tchain c { type filter hook input priority 0; jump d; }\n\tchain d { type filter hook output priority 0; }\n}\n",
            line: 2, column: 52, message: "cannot jump to base chain 'd'", kind: .invalid, nftSameLocation: true),
    Refusal(text: "table ip t {\n\tchain c { type filter hook input priority 0; jump d; }\n\tchain d { snat to 1.2.3.4; }\n}\n",
            line: 3, column: 12,
            message: "snat is only valid in nat chains at postrouting or input (chain 'd' is reached from 'c', a filter chain at input)",
            kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("tcp dport { } accept"), line: 4, column: 15, message: "syntax error, unexpected '}'", kind: .invalid,
            nftSameLocation: true),
    Refusal(text: inChain("accept", hook: "type nat hook prerouting priority -300;"), line: 3, column: 37,
            message: "nat chains need a priority above -200 (conntrack's)", kind: .invalid),
    Refusal(text: inChain(#"iifname "*" accept"#), line: 4, column: 11, message: "all-wildcard strings are not supported",
            kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("ct zone set 70000"), line: 4, column: 15, message: "value 70000 exceeds valid range 0-65535",
            kind: .invalid, nftSameLocation: true),
    Refusal(text: "table ip t {\n\tct helper h {\n\t\ttype \"ftp\" protocol udp;\n\t}\n}\n", line: 3, column: 23,
            message: "ct helper 'ftp' exists only for tcp", kind: .invalid),
    Refusal(text: inChain("tcp dport 22 accept extra"), line: 4, column: 23, message: "syntax error, unexpected 'extra'",
            kind: .invalid),
    Refusal(text: inChain("accept", hook: "type bogus hook input priority 0;"), line: 3, column: 8,
            message: "unknown chain type 'bogus'", kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("accept", hook: "type filter hook bogus priority 0;"), line: 3, column: 20,
            message: "unknown chain hook 'bogus'", kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("accept", hook: "type filter hook forward priority dstnat;"), line: 3, column: 37,
            message: "priority 'dstnat' is only valid at the prerouting hook", kind: .invalid),
    Refusal(text: inChain("accept", hook: "type nat hook forward priority 0;"), line: 3, column: 17,
            message: "nat chains cannot use the forward hook", kind: .invalid),
    Refusal(text: inChain("tcp dport 80 snat ip to 1.2.3.4", family: "ip6", hook: nat.post), line: 4, column: 21,
            message: "conflicting protocols specified: ip6 vs. ip; you must specify ip or ip6 family in snat statement",
            kind: .invalid),
    Refusal(text: inChain("ct mark ! 1 accept"), line: 4, column: 11,
            message: "negation can only be used with singleton bitmask values", kind: .invalid),
    Refusal(text: "table ip t {\n\tchain c {\n\t\ttype filter hook input priority 0;\n}\n", line: 5, column: 1,
            message: "syntax error, unexpected end of file", kind: .invalid, nftSameLocation: true),
    Refusal(text: "add rule ip t c accept\n", line: 1, column: 13, message: "no such table 'ip t'", kind: .invalid,
            nftSameLocation: true),
    Refusal(text: inChain("icmp type bogus accept"), line: 4, column: 13, message: "unknown icmp type 'bogus'", kind: .invalid,
            nftSameLocation: true),
    Refusal(text: inChain("ip saddr 10.0.0.0/33 accept"), line: 4, column: 12,
            message: "prefix length 33 is invalid for an IPv4 address", kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain("tcp dport 80 dnat to 1.2.3.4", family: "ip6", hook: nat.pre), line: 4, column: 24,
            message: "'1.2.3.4' is not an IPv6 address", kind: .invalid, nftSameLocation: true),
    Refusal(text: "table ip t {\n\tchain c {\n\t\ttype filter hook input priority 0; tcp dport 22 accept\n\t}\n\tchain c {\n\t\ttype filter hook output priority 0;\n\t}\n}\n",
            line: 6, column: 3, message: "chain 'c' is already declared with type filter hook input priority 0", kind: .invalid),
    // nft's separators: a rule (or a chain's closing brace) ends with a newline or `;`.
    Refusal(text: "table ip t { chain c { type filter hook input priority 0; accept } }\n", line: 1, column: 66,
            message: "syntax error, unexpected '}', expecting newline or semicolon", kind: .invalid, nftSameLocation: true),
    Refusal(text: "table ip t {\r\n}\r\n", line: 1, column: 13,
            message: "syntax error, unexpected carriage return (CRLF line ends are not nft syntax)", kind: .invalid,
            nftSameLocation: true),
    Refusal(text: "table ip t {\n}\n# no newline after this comment", line: 3, column: 1,
            message: "syntax error, unexpected character '#'", kind: .invalid, nftSameLocation: true),
    Refusal(text: "define A = home ro\n", line: 1, column: 17,
            message: "syntax error, unexpected 'ro', expecting newline or semicolon", kind: .invalid, nftSameLocation: true),
    Refusal(text: "define A = 1", line: 1, column: 13,
            message: "syntax error, unexpected end of file, expecting newline or semicolon", kind: .invalid,
            nftSameLocation: true),
    // Keywords cannot be names (the scanner never returns them as strings).
    Refusal(text: "table ip rt {\n}\n", line: 1, column: 10,
            message: "syntax error, unexpected 'rt', expecting a table name", kind: .invalid, nftSameLocation: true),
    Refusal(text: "table ip t {\n\tchain log {\n\t}\n}\n", line: 2, column: 8,
            message: "syntax error, unexpected 'log', expecting a chain name", kind: .invalid, nftSameLocation: true),
    Refusal(text: inChain(#"ct state != established,related drop"#), line: 4, column: 12,
            message: "unsupported '!=' with a comma list: nft compares the OR of the states; use '{ ... }'",
            kind: .unsupported),
]

final class RefusalTests: XCTestCase {
    func testRefusalsPointAtTheOffendingToken() {
        XCTAssertGreaterThanOrEqual(refusals.count, 25)
        for r in refusals {
            do {
                let rs = try Ruleset.parse(r.text, file: "bad.nft")
                XCTFail("accepted: \(r.text)\n\(rs)")
            } catch {
                XCTAssertEqual(error.location, SourceLocation(file: "bad.nft", line: r.line, column: r.column), r.text)
                XCTAssertEqual(error.message, r.message, r.text)
                XCTAssertEqual(error.description, "bad.nft:\(r.line):\(r.column): \(r.message)")
            }
        }
    }

    /// The kernel allows 15 levels of jumps below a base chain (`NFT_JUMP_STACK_SIZE` 16).
    func testJumpDepthLimit() throws {
        func ladder(_ depth: Int) -> String {
            var s = "table ip t {\n\tchain c0 { type filter hook input priority 0; jump c1; }\n"
            for i in 1...depth { s += i < depth ? "\tchain c\(i) { jump c\(i + 1); }\n" : "\tchain c\(i) { accept; }\n" }
            return s + "}\n"
        }
        XCTAssertNoThrow(try Ruleset.parse(ladder(15), file: "deep.nft"))
        XCTAssertThrowsError(try Ruleset.parse(ladder(16), file: "deep.nft")) { e in
            let e = e as! RulesetError
            XCTAssertEqual(e.description, "deep.nft:17:19: jump to 'c16' goes 16 levels deep (the kernel allows 15)")
        }
    }
}
