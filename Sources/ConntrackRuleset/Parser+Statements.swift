import Conntrack

/// Statements: verdicts, counters, mark/zone/helper setters, notrack and NAT.
extension Parser {
    mutating func parseSimpleStatement() throws(RulesetError) -> Item {
        let t = try s.next()
        switch t.text {
        case "accept": return .statement(.accept, token: t, terminal: true)
        case "drop": return .statement(.drop, token: t, terminal: true)
        case "return": return .statement(.return, token: t, terminal: true)
        case "notrack": return .statement(.notrack, token: t, terminal: false)
        case "jump", "goto":
            let target = try s.next()
            if target.isSymbol("{") { throw error(target, "unsupported anonymous chain") }
            guard target.kind == .word, !Symbols.keywords.contains(target.text) else {
                throw unexpected(target, expecting: "a chain name")
            }
            return .statement(t.text == "jump" ? .jump(target.text) : .goto(target.text), token: target, terminal: true)
        default:  // counter
            var packets: UInt64 = 0, bytes: UInt64 = 0
            while true {
                let k = try s.peek()
                guard k.isWord("packets") || k.isWord("bytes") || k.isWord("name") else { break }
                if k.text == "name" { throw error(k, "unsupported statement 'counter name'") }
                try s.next()
                let n = try s.next()
                guard n.kind == .number else { throw unexpected(n, expecting: "a number") }
                if k.text == "packets" { packets = n.number } else { bytes = n.number }
            }
            return .statement(.counter(packets: packets, bytes: bytes), token: t, terminal: false)
        }
    }

    /// A constant for `... set VALUE`; expressions (`meta mark set ct mark`) are refused.
    mutating func setValue(max: UInt64, what: String) throws(RulesetError) -> UInt32 {
        let v = try s.next()
        guard v.kind == .number || v.kind == .quoted else {
            if v.kind == .word { throw error(v, "unsupported non-constant value '\(v.text)' for '\(what) set'") }
            throw unexpected(v, expecting: "a value")
        }
        let n = try integer(v, max: max, names: [:], what: what)
        try rejectTrailingOperator()
        return n
    }

    /// `meta mark set V`, `mark set V`, `ct mark set V` (after the key; `set` is next).
    mutating func parseMarkSet(keyword: Token, ct: Bool) throws(RulesetError) -> Item {
        try s.next()
        let v = try setValue(max: 0xffff_ffff, what: ct ? "ct mark" : "meta mark")
        return .statement(ct ? .setCTMark(v) : .setMetaMark(v), token: keyword, terminal: false)
    }

    mutating func parseZoneSet(keyword: Token) throws(RulesetError) -> Item {
        try s.next()
        let v = try setValue(max: 0xffff, what: "ct zone")
        return .statement(.setCTZone(UInt16(v)), token: keyword, terminal: false)
    }

    /// `ct helper set "NAME"`: the object is looked up after parsing (it may come later).
    mutating func parseHelperSet(keyword: Token) throws(RulesetError) -> Item {
        try s.next()
        let n = try s.next()
        guard n.kind == .quoted || n.kind == .word else { throw unexpected(n, expecting: "a helper name") }
        return .statement(.setCTHelper(n.text), token: n, terminal: false)
    }

    // MARK: NAT

    /// `snat|dnat [ip|ip6] [to] ADDR[-ADDR|/LEN][:PORT[-PORT]] [FLAGS]`, `snat|dnat [to] :PORTS`,
    /// `masquerade [to :PORTS] [FLAGS]`, `redirect [to [:]PORTS] [FLAGS]`
    /// (nft's `nat_stmt_args`, `masq_stmt_args`, `redir_stmt_arg`), then the family and
    /// protocol checks of `stmt_evaluate_nat`.
    mutating func parseNAT(_ ctx: inout RuleContext) throws(RulesetError) -> Item {
        let kw = try s.next()
        var spec = NATSpec()
        var explicitFamily: (AddressFamily, Token)?
        var addressToken: Token?
        var portToken: Token?
        switch kw.text {
        case "snat", "dnat":
            var t = try s.peek()
            if t.isWord("ip") || t.isWord("ip6") {
                let after = try s.peek(1)
                guard after.isWord("to") else {
                    if after.kind == .word, ["addr", "prefix", "interval"].contains(after.text) {
                        throw error(after, "unsupported NAT option '\(after.text)'")
                    }
                    throw unexpected(after, expecting: "'to'")
                }
                try s.next()
                explicitFamily = (t.text == "ip" ? .ipv4 : .ipv6, t)
                try s.next()
            } else if t.isWord("to") {
                try s.next()
            } else if t.kind == .word, ["prefix", "interval", "addr"].contains(t.text) {
                throw error(t, "unsupported NAT option '\(t.text)'")
            }
            t = try s.peek()
            if t.kind == .word, ["prefix", "interval", "addr"].contains(t.text) {
                throw error(t, "unsupported NAT option '\(t.text)'")
            }
            if t.isSymbol(":") {
                try s.next()
                portToken = try s.peek()
                spec.ports = try parsePortRange()
            } else {
                if explicitFamily == nil, t.isWord("random") || t.isWord("fully-random") || t.isWord("persistent") {
                    throw unexpected(t, expecting: "an address")
                }
                if t.kind == .word, Parser.expressionKeywords.contains(t.text) {
                    throw error(t, "unsupported expression '\(t.text)' as a NAT address")
                }
                let e = try parseElement()
                addressToken = e.low
                let family = try natFamily(kw, explicitFamily, &ctx)
                spec.addresses = try addressRange(e, family: family)
                if try s.peek().isSymbol(":") {
                    try s.next()
                    portToken = try s.peek()
                    spec.ports = try parsePortRange()
                }
            }
            // nft accepts several flag groups here and keeps only the last one
            // (`nat_stmt_args: nat_stmt_args nf_nat_flags` assigns, it does not OR).
            while try isNATFlag(try s.peek()) {
                spec.random = false; spec.fullyRandom = false; spec.persistent = false
                try parseNATFlags(&spec)
            }
        case "masquerade":
            if try s.peek().isWord("to") {
                try s.next()
                try expectSymbol(":")
                portToken = try s.peek()
                spec.ports = try parsePortRange()
            }
            if try isNATFlag(try s.peek()) { try parseNATFlags(&spec) }
        default:  // redirect
            if try s.peek().isWord("to") {
                try s.next()
                if try s.peek().isSymbol(":") { try s.next() }
                portToken = try s.peek()
                spec.ports = try parsePortRange()
            }
            if try isNATFlag(try s.peek()) { try parseNATFlags(&spec) }
        }
        if let (f, token) = explicitFamily {
            spec.family = f
            if let n = ctx.network, n != f {
                throw error(token, "conflicting protocols specified: \(Parser.networkName(n)) vs. \(Parser.networkName(f)); "
                    + "you must specify ip or ip6 family in \(kw.text) statement")
            }
        } else if addressToken != nil, ctx.family == .inet {
            spec.family = ctx.network
        }
        if let p = portToken, ctx.transport == nil {
            throw error(p, "transport protocol mapping is only valid after transport protocol match")
        }
        let st: Statement
        switch kw.text {
        case "snat": st = .snat(spec)
        case "dnat": st = .dnat(spec)
        case "masquerade": st = .masquerade(spec)
        default: st = .redirect(spec)
        }
        return .statement(st, token: kw, terminal: true)
    }

    /// Words that start an expression: as a NAT address they mean a map or a computed
    /// address (`dnat to numgen inc mod 2 map { ... }`), not a host name.
    static let expressionKeywords: Set<String> = [
        "ip", "ip6", "tcp", "udp", "sctp", "dccp", "udplite", "th", "meta", "ct", "numgen", "jhash", "symhash",
        "fib", "rt", "ether", "vlan", "arp", "icmp", "icmpv6", "mark", "iif", "oif", "iifname", "oifname",
    ]

    /// The family a NAT address must have: the explicit `ip`/`ip6`, else the table's, else
    /// (inet) the one an earlier match established.
    func natFamily(_ kw: Token, _ explicit: (AddressFamily, Token)?, _ ctx: inout RuleContext)
        throws(RulesetError) -> AddressFamily {
        if let (f, _) = explicit { return f }
        switch ctx.family {
        case .ip: return .ipv4
        case .ip6: return .ipv6
        case .inet:
            guard let n = ctx.network else {
                throw error(kw, "ip or ip6 must be specified with address for inet tables")
            }
            return n
        }
    }

    func isNATFlag(_ t: Token) throws(RulesetError) -> Bool {
        t.isWord("random") || t.isWord("fully-random") || t.isWord("persistent")
    }

    /// `FLAG[,FLAG...]`
    mutating func parseNATFlags(_ spec: inout NATSpec) throws(RulesetError) {
        while true {
            let f = try s.next()
            switch f.text {
            case "random": spec.random = true
            case "fully-random": spec.fullyRandom = true
            case "persistent": spec.persistent = true
            default: throw unexpected(f, expecting: "random, fully-random or persistent")
            }
            guard try s.peek().isSymbol(",") else { return }
            try s.next()
        }
    }

    /// `PORT` or `PORT-PORT` (numbers or service names).
    mutating func parsePortRange() throws(RulesetError) -> ValueRange {
        let low = try s.next()
        guard Parser.isValueToken(low) else { throw unexpected(low, expecting: "a port") }
        let l = try integer(low, max: 65535, names: Symbols.services, what: "service")
        var h = l
        if try s.peek().isSymbol("-") {
            try s.next()
            let high = try s.next()
            guard Parser.isValueToken(high) else { throw unexpected(high, expecting: "a port") }
            h = try integer(high, max: 65535, names: Symbols.services, what: "service")
            if h < l { throw error(low, "range has zero or negative size") }
        }
        try rejectTrailingOperator()
        return ValueRange(l, h)
    }
}
