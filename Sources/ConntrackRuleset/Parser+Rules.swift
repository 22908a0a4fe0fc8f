import Conntrack

/// Rules and their matches.
extension Parser {
    /// What a rule has established about the packet so far, as nft's protocol context
    /// (`struct proto_ctx`): the network protocol (ip / ip6 tables start with theirs) and the
    /// transport protocol. Matches that need a protocol check it against the context
    /// ("conflicting protocols"); NAT needs it for its family and its ports.
    struct RuleContext {
        let family: TableFamily
        var network: AddressFamily?
        var transport: UInt8?

        init(family: TableFamily) {
            self.family = family
            network = family == .ip ? .ipv4 : family == .ip6 ? .ipv6 : nil
        }
    }

    /// Transport protocols nft has a description for: only these form a transport context.
    static let transportNames: [UInt32: String] = [
        1: "icmp", 2: "igmp", 6: "tcp", 17: "udp", 33: "dccp", 47: "gre", 50: "esp", 51: "ah", 58: "icmpv6",
        108: "comp", 132: "sctp", 136: "udplite",
    ]

    static func networkName(_ f: AddressFamily) -> String { f == .ipv4 ? "ip" : "ip6" }

    /// What one item of a rule turned out to be.
    enum Item {
        case matches([Match])
        case statement(Statement, token: Token, terminal: Bool)
    }

    /// One rule: items up to a separator, a `}` or the end; an optional trailing
    /// `comment "..."`.
    mutating func parseRule(table ti: Int) throws(RulesetError) -> RuleBuild {
        let first = try s.peek()
        var ctx = RuleContext(family: tables[ti].family)
        var matches: [Match] = []
        var statements: [Statement] = []
        var tokens: [Token] = []
        var terminal = false
        var lastStatement: Statement?
        while true {
            let t = try s.peek()
            if t.isSeparator || t.isSymbol("}") || t.kind == .end { break }
            if t.isWord("comment") {
                if statements.isEmpty && matches.isEmpty { throw unexpected(t) }
                try s.next()
                try parseCommentText()
                break
            }
            let item = try parseItem(&ctx)
            // Checked after the item parsed, so that junk after a verdict is a syntax error.
            if terminal { throw error(t, "statement after terminal statement has no effect") }
            switch item {
            case .matches(let ms):
                if let last = lastStatement {
                    throw error(t, "unsupported match after the statement '\(Parser.name(of: last))' (matches must come first)")
                }
                matches.append(contentsOf: ms)
            case .statement(let st, let token, let isTerminal):
                statements.append(st)
                tokens.append(token)
                terminal = isTerminal
                lastStatement = st
            }
        }
        if matches.isEmpty && statements.isEmpty { throw unexpected(first) }
        let text = ruleText(from: first.sourceStart, to: s.lastEnd)
        return RuleBuild(rule: Rule(matches: matches, statements: statements, location: s.location(first), text: text),
                         statementTokens: tokens)
    }

    static func name(of st: Statement) -> String {
        switch st {
        case .accept: return "accept"
        case .drop: return "drop"
        case .jump: return "jump"
        case .goto: return "goto"
        case .return: return "return"
        case .counter: return "counter"
        case .setCTMark: return "ct mark set"
        case .setMetaMark: return "meta mark set"
        case .setCTZone: return "ct zone set"
        case .notrack: return "notrack"
        case .setCTHelper: return "ct helper set"
        case .snat: return "snat"
        case .dnat: return "dnat"
        case .masquerade: return "masquerade"
        case .redirect: return "redirect"
        }
    }

    /// The source of a rule with blanks, continuations and comments collapsed to one space.
    func ruleText(from start: Int, to end: Int) -> String {
        let src = s.source
        guard start < end, end <= src.count else { return "" }
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        var i = start
        var pendingSpace = false
        while i < end {
            let b = src[i]
            if b == UInt8(ascii: "\"") {
                if pendingSpace, !out.isEmpty { out.append(0x20) }
                pendingSpace = false
                var k = i + 1
                while k < end, src[k] != UInt8(ascii: "\"") { k += 1 }
                out.append(contentsOf: src[i..<min(k + 1, end)])
                i = k + 1
                continue
            }
            if b == UInt8(ascii: "#") {
                while i < end, src[i] != 0x0a { i += 1 }
                pendingSpace = true
                continue
            }
            if b == 0x20 || b == 0x09 || b == 0x0a || b == 0x0d || (b == UInt8(ascii: "\\") && i + 1 < end
                && (src[i + 1] == 0x0a || src[i + 1] == 0x0d)) {
                pendingSpace = true
                i += 1
                continue
            }
            if pendingSpace, !out.isEmpty { out.append(0x20) }
            pendingSpace = false
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func parseItem(_ ctx: inout RuleContext) throws(RulesetError) -> Item {
        let t = try s.peek()
        guard t.kind == .word else {
            if t.isSymbol("@") { throw error(t, "unsupported expression '@' (raw payload)") }
            if t.isSymbol("{") { throw error(t, "unsupported expression '{' (concatenation or set on the left)") }
            throw unexpected(t)
        }
        switch t.text {
        case "ip", "ip6":
            return .matches(try parseNetworkMatch(&ctx))
        case "tcp", "udp", "sctp", "dccp", "udplite", "th":
            return .matches([try parsePortMatch(&ctx)])
        case "icmp", "icmpv6":
            return .matches([try parseICMPMatch(&ctx)])
        case "iifname", "oifname":
            try s.next()
            return .matches([try parseInterfaceMatch(input: t.text == "iifname")])
        case "meta":
            return try parseMeta(&ctx)
        case "mark":
            try s.next()
            if try s.peek().isWord("set") { return try parseMarkSet(keyword: t, ct: false) }
            return .matches([try parseMarkMatch(ct: false)])
        case "ct":
            return try parseCT(&ctx)
        case "accept", "drop", "return", "jump", "goto", "counter", "notrack":
            return try parseSimpleStatement()
        case "snat", "dnat", "masquerade", "redirect":
            return try parseNAT(&ctx)
        case "log", "reject", "limit", "quota", "queue", "dup", "fwd", "tproxy", "synproxy", "meter", "set", "add",
             "update", "delete", "flow", "xt", "continue", "vmap", "map", "secmark":
            throw error(t, "unsupported statement '\(t.text)'")
        case "ether", "vlan", "arp", "fib", "rt", "rt0", "rt2", "srh", "socket", "osf", "ipsec", "hbh", "frag", "dst",
             "mh", "ah", "esp", "comp", "igmp", "gre", "gretap", "vxlan", "geneve", "numgen", "jhash", "symhash",
             "exthdr", "iif", "oif", "iiftype", "oiftype", "iifgroup", "oifgroup", "skuid", "skgid", "nftrace",
             "rtclassid", "ibriport", "obriport", "ibrname", "obrname", "pkttype", "cpu", "cgroup", "time", "day",
             "hour", "tunnel", "length", "protocol", "priority", "random", "iifkind", "oifkind", "sdif",
             "sdifname", "broute", "l4proto", "nfproto", "secpath":
            throw error(t, "unsupported expression '\(t.text)'")
        default:
            throw unexpected(t)
        }
    }

    // MARK: Protocol context

    /// nft inserts a dependency for a header match and refuses one that contradicts an
    /// earlier match (`payload_gen_dependency` / "conflicting protocols specified").
    func requireNetwork(_ f: AddressFamily, _ ctx: inout RuleContext, at t: Token) throws(RulesetError) {
        if let n = ctx.network, n != f {
            throw error(t, "conflicting protocols specified: \(Parser.networkName(n)) vs. \(Parser.networkName(f))")
        }
        ctx.network = f
    }

    func requireTransport(_ p: UInt8, _ ctx: inout RuleContext, at t: Token) throws(RulesetError) {
        if let cur = ctx.transport, cur != p {
            let a = Parser.transportNames[UInt32(cur)] ?? "\(cur)", b = Parser.transportNames[UInt32(p)] ?? "\(p)"
            throw error(t, "conflicting protocols specified: \(a) vs. \(b)")
        }
        ctx.transport = p
    }

    /// A positive protocol match updates the context with its value (the last one of a set).
    func updateTransport(_ values: [ValueRange], _ rhs: RHS, op: Op, _ ctx: inout RuleContext) {
        guard op == .implicit || op == .eq else { return }
        for (v, e) in zip(values, rhs.elements) where e.isSingle && v.low == v.high {
            if Parser.transportNames[v.low] != nil { ctx.transport = UInt8(v.low) }
        }
    }

    /// Refuses `!` (nft allows it only on bitmask types) and comma lists on non-bitmask types.
    func plainOp(_ op: Op, _ opToken: Token?) throws(RulesetError) {
        if op == .neg, let o = opToken { throw error(o, "negation can only be used with singleton bitmask values") }
    }

    // MARK: ip / ip6

    mutating func parseNetworkMatch(_ ctx: inout RuleContext) throws(RulesetError) -> [Match] {
        let head = try s.next()
        let family: AddressFamily = head.text == "ip" ? .ipv4 : .ipv6
        let field = try s.next()
        guard field.kind == .word else { throw unexpected(field) }
        switch (head.text, field.text) {
        case (_, "saddr"), (_, "daddr"):
            try requireNetwork(family, &ctx, at: head)
            let (op, opToken) = try parseOp()
            try plainOp(op, opToken)
            if op.isRelational, let o = opToken { throw error(o, "unsupported operator '\(o.text)' on addresses") }
            let rhs = try parseRHS()
            if rhs.form == .list { throw notBitmask(rhs) }
            var values: [AddressRange] = []
            for e in rhs.elements { values.append(try addressRange(e, family: family)) }
            return [.address(family: family, field: field.text == "saddr" ? .source : .destination,
                             negated: op == .neq, values: values)]
        case ("ip", "protocol"), ("ip6", "nexthdr"):
            try requireNetwork(family, &ctx, at: head)
            let (op, opToken) = try parseOp()
            try plainOp(op, opToken)
            let rhs = try parseRHS()
            let values = try ranges(rhs, op: op, max: 255, names: Symbols.protocols, what: "protocol")
            updateTransport(values, rhs, op: op, &ctx)
            // In an inet table the header match also selects the family.
            var out: [Match] = []
            if ctx.family == .inet { out.append(.nfproto(family: family, negated: false)) }
            out.append(.l4proto(negated: op == .neq, values: values))
            return out
        default:
            throw error(field, "unsupported expression '\(head.text) \(field.text)'")
        }
    }

    // MARK: Transport headers

    mutating func parsePortMatch(_ ctx: inout RuleContext) throws(RulesetError) -> Match {
        let head = try s.next()
        let field = try s.next()
        guard field.kind == .word else { throw unexpected(field) }
        guard field.text == "sport" || field.text == "dport" else {
            throw error(field, "unsupported expression '\(head.text) \(field.text)'")
        }
        let proto: UInt8?
        switch head.text {
        case "tcp": proto = 6
        case "udp": proto = 17
        case "sctp": proto = 132
        case "dccp": proto = 33
        case "udplite": proto = 136
        default: proto = nil
        }
        if let proto { try requireTransport(proto, &ctx, at: head) }
        let (op, opToken) = try parseOp()
        try plainOp(op, opToken)
        let rhs = try parseRHS()
        let values = try ranges(rhs, op: op, max: 65535, names: Symbols.services, what: "service")
        return .port(proto: proto, field: field.text == "sport" ? .source : .destination, negated: op == .neq,
                     values: values)
    }

    mutating func parseICMPMatch(_ ctx: inout RuleContext) throws(RulesetError) -> Match {
        let head = try s.next()
        let field = try s.next()
        guard field.kind == .word else { throw unexpected(field) }
        guard field.text == "type" else { throw error(field, "unsupported expression '\(head.text) \(field.text)'") }
        let v6 = head.text == "icmpv6"
        // In an inet table ICMP also selects the family; in ip / ip6 tables nft only checks
        // the layer-4 protocol (so `icmpv6 type` in an ip table is accepted).
        if ctx.family == .inet { try requireNetwork(v6 ? .ipv6 : .ipv4, &ctx, at: head) }
        let proto: UInt8 = v6 ? 58 : 1
        try requireTransport(proto, &ctx, at: head)
        let (op, opToken) = try parseOp()
        try plainOp(op, opToken)
        let rhs = try parseRHS()
        let values = try ranges(rhs, op: op, max: 255, names: v6 ? Symbols.icmpv6Types : Symbols.icmpTypes,
                                what: v6 ? "icmpv6 type" : "icmp type")
        return .icmpType(proto: proto, negated: op == .neq, values: values)
    }

    mutating func parseInterfaceMatch(input: Bool) throws(RulesetError) -> Match {
        let (op, opToken) = try parseOp()
        try plainOp(op, opToken)
        if op.isRelational, let o = opToken { throw error(o, "unsupported operator '\(o.text)' on interface names") }
        let rhs = try parseRHS()
        if rhs.form == .list { throw notBitmask(rhs) }
        var names: [String] = []
        for e in rhs.elements { names.append(try interfaceName(e)) }
        return .interfaceName(input: input, negated: op == .neq, names: names)
    }

    // MARK: meta

    mutating func parseMeta(_ ctx: inout RuleContext) throws(RulesetError) -> Item {
        let head = try s.next()
        let key = try s.next()
        guard key.kind == .word else { throw unexpected(key) }
        switch key.text {
        case "l4proto":
            let (op, opToken) = try parseOp()
            try plainOp(op, opToken)
            let rhs = try parseRHS()
            let values = try ranges(rhs, op: op, max: 255, names: Symbols.protocols, what: "protocol")
            updateTransport(values, rhs, op: op, &ctx)
            return .matches([.l4proto(negated: op == .neq, values: values)])
        case "iifname", "oifname":
            return .matches([try parseInterfaceMatch(input: key.text == "iifname")])
        case "mark":
            if try s.peek().isWord("set") { return try parseMarkSet(keyword: head, ct: false) }
            return .matches([try parseMarkMatch(ct: false)])
        case "nfproto":
            guard ctx.family == .inet else { throw error(head, "meta nfproto is only useful in the inet family") }
            let (op, opToken) = try parseOp()
            try plainOp(op, opToken)
            if op.isRelational, let o = opToken { throw error(o, "unsupported operator '\(o.text)' on meta nfproto") }
            let rhs = try parseRHS()
            if rhs.form == .list { throw notBitmask(rhs) }
            guard rhs.elements.count == 1 else {
                throw error(rhs.first, "unsupported set of more than one family for meta nfproto")
            }
            let family: AddressFamily
            switch try integer(rhs.elements[0].low, max: 255, names: ["ipv4": 2, "ipv6": 10], what: "nfproto") {
            case 2: family = .ipv4
            case 10: family = .ipv6
            default: throw error(rhs.elements[0].low, "unsupported nfproto '\(rhs.elements[0].low.text)'")
            }
            if let r = rhs.elements[0].high ?? rhs.elements[0].prefix { throw error(r, "unsupported range of families") }
            if op != .neq { ctx.network = family }
            return .matches([.nfproto(family: family, negated: op == .neq)])
        default:
            if try s.peek().isWord("set") { throw error(key, "unsupported statement 'meta \(key.text) set'") }
            throw error(key, "unsupported expression 'meta \(key.text)'")
        }
    }

    /// `[ct|meta] mark [and MASK] OP VALUES` (after the key).
    mutating func parseMarkMatch(ct: Bool) throws(RulesetError) -> Match {
        var mask: UInt32 = ~0
        let t = try s.peek()
        if t.isSymbol("&") {
            try s.next()
            let m = try s.next()
            guard m.kind == .number else { throw unexpected(m, expecting: "a mask") }
            mask = try integer(m, max: 0xffff_ffff, names: [:], what: "mask")
        } else if t.kind == .symbol, ["|", "^", "<<", ">>"].contains(t.text) {
            throw error(t, "unsupported binary operation '\(t.text)'")
        }
        let (op, opToken) = try parseOp()
        if op == .neg, let o = opToken {
            throw error(o, "negation can only be used with singleton bitmask values")
        }
        let rhs = try parseRHS()
        let values = try ranges(rhs, op: op, max: 0xffff_ffff, names: [:], what: "mark")
        return ct ? .ctMark(mask: mask, negated: op == .neq, values: values)
            : .metaMark(mask: mask, negated: op == .neq, values: values)
    }

    // MARK: ct

    mutating func parseCT(_ ctx: inout RuleContext) throws(RulesetError) -> Item {
        let head = try s.next()
        let key = try s.next()
        guard key.kind == .word else { throw unexpected(key) }
        let isSet = try s.peek().isWord("set")
        switch key.text {
        case "state", "status":
            if isSet { throw error(key, "unsupported statement 'ct \(key.text) set'") }
            return .matches([try parseCTBits(key)])
        case "direction":
            if isSet { throw error(key, "unsupported statement 'ct direction set'") }
            let (op, opToken) = try parseOp()
            try plainOp(op, opToken)
            if op.isRelational, let o = opToken { throw error(o, "unsupported operator '\(o.text)' on ct direction") }
            let rhs = try parseRHS()
            if rhs.form == .list { throw notBitmask(rhs) }
            guard rhs.elements.count == 1 else { throw error(rhs.first, "unsupported set of both directions") }
            let v = try ranges(rhs, op: op, max: 1, names: ["original": 0, "reply": 1], what: "direction")
            guard v.count == 1, v[0].low == v[0].high else {
                throw error(rhs.first, "unsupported range of directions")
            }
            return .matches([.ctDirection(reply: v[0].low == 1, negated: op == .neq)])
        case "mark":
            if isSet { return try parseMarkSet(keyword: head, ct: true) }
            return .matches([try parseMarkMatch(ct: true)])
        case "zone":
            if isSet { return try parseZoneSet(keyword: head) }
            let (op, opToken) = try parseOp()
            try plainOp(op, opToken)
            let rhs = try parseRHS()
            return .matches([.ctZone(negated: op == .neq,
                                     values: try ranges(rhs, op: op, max: 0xffff, names: [:], what: "zone"))])
        case "helper":
            if isSet { return try parseHelperSet(keyword: head) }
            throw error(key, "unsupported expression 'ct helper'")
        case "count":
            throw error(key, "unsupported statement 'ct count'")
        case "event", "timeout", "expectation", "label", "secmark":
            if isSet { throw error(key, "unsupported statement 'ct \(key.text) set'") }
            throw error(key, "unsupported expression 'ct \(key.text)'")
        default:
            throw error(key, "unsupported expression 'ct \(key.text)'")
        }
    }

    /// `ct state` / `ct status`: bitmask types. Without an operator (or with `!`) nft tests
    /// bits (`(x & v) != 0`, `== 0`); `==` / `!=` compare the whole value and a set looks the
    /// whole value up. `ct state` holds exactly one bit, so those forms reduce to bit tests
    /// when they name one state; `ct status` holds several, so they are refused.
    mutating func parseCTBits(_ key: Token) throws(RulesetError) -> Match {
        let isState = key.text == "state"
        let (op, opToken) = try parseOp()
        if op.isRelational, let o = opToken { throw error(o, "unsupported operator '\(o.text)' on ct \(key.text)") }
        var rhs = try parseRHS()
        // `! { x }` is `! x` to nft (a one-element set is a singleton).
        if op == .neg, rhs.form == .set, rhs.elements.count == 1 { rhs.form = .single }
        let names = isState ? Symbols.ctStates : Symbols.ctStatus
        var bits: UInt32 = 0
        let exact = op == .eq || op == .neq || rhs.form == .set
        for e in rhs.elements {
            if let r = e.high ?? e.prefix { throw error(r, "unsupported range in ct \(key.text)") }
            let v = try integer(e.low, max: 0xffff_ffff, names: names, what: "ct \(key.text)")
            if isState, exact, v.nonzeroBitCount != 1 {
                throw error(e.low, "unsupported ct state value \(v) in an exact comparison (one state bit expected)")
            }
            bits |= v
        }
        if op == .neg, rhs.form == .set {
            throw error(opToken ?? rhs.first, "negation can only be used with singleton bitmask values")
        }
        if exact {
            if !isState {
                throw error(opToken ?? rhs.first,
                            "unsupported exact comparison of ct status (write 'ct status \(rhs.elements[0].low.text)' to test bits)")
            }
            if rhs.form == .list {
                throw error(opToken ?? rhs.first,
                            "unsupported '\(opToken?.text ?? "")' with a comma list: nft compares the OR of the states; use '{ ... }'")
            }
        }
        let negated = op == .neq || op == .neg
        if isState {
            guard bits <= 0xff else { throw error(rhs.first, "unsupported ct state value \(bits)") }
            return .ctState(negated: negated, states: CTStateSet(rawValue: UInt8(bits)))
        }
        return .ctStatus(negated: negated, bits: bits)
    }
}
