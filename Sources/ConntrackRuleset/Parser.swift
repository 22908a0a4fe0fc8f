import Conntrack

extension Ruleset {
    /// Parses a ruleset file in the supported nftables subset. Anything outside the subset
    /// is refused with its file, line and column.
    ///
    /// The grammar is nft 1.0.6's (`src/parser_bison.y`) for what the subset covers: `table`
    /// blocks and `add`/`create`/`insert` one-liners, `flush ruleset|table|chain`,
    /// `define`/`redefine`/`undefine` with `$NAME`, `#` comments and `\` continuations,
    /// down to its separators: every rule and block item ends with a newline or `;`
    /// (`{ type filter hook input priority 0; accept; }`, not `{ ... accept }`).
    ///
    /// Besides syntax, the checks nft and the kernel make at load time are made here too:
    /// protocol conflicts within a rule, NAT only in `nat` chains of the hooks the kernel
    /// allows (also through `jump`/`goto`), NAT ports only after a transport protocol match,
    /// address families, unknown chains and helper objects, jumps to base chains, jump loops
    /// and the kernel's 16-level jump limit.
    public static func parse(_ text: String, file: String) throws(RulesetError) -> Ruleset {
        var p = Parser(text, file: file)
        try p.parseFile()
        try p.validate()
        return p.result()
    }
}

/// Working state of one parse. Its methods are spread over `Parser+*.swift` by aspect.
struct Parser {
    var s: TokenStream

    /// A rule with where each statement was written, for the checks made after parsing.
    struct RuleBuild {
        var rule: Rule
        var statementTokens: [Token]
    }

    struct ChainBuild {
        var name: String
        var base: BaseChain?
        var nameToken: Token
        var rules: [RuleBuild] = []
    }

    struct TableBuild {
        var family: TableFamily
        var name: String
        var chains: [ChainBuild] = []
        var chainIndex: [String: Int] = [:]
        var helpers: [HelperObject] = []
    }

    var tables: [TableBuild] = []
    var tableIndex: [String: Int] = [:]

    init(_ text: String, file: String) { s = TokenStream(text, file: file) }

    func result() -> Ruleset {
        Ruleset(tables: tables.map { t in
            Table(family: t.family, name: t.name,
                  chains: t.chains.map { c in
                      Chain(name: c.name, base: c.base, rules: c.rules.map(\.rule), location: s.location(c.nameToken))
                  },
                  helpers: t.helpers)
        })
    }

    // MARK: Errors

    func error(_ t: Token, _ message: String) -> RulesetError { s.error(t, message) }

    func unexpected(_ t: Token, expecting: String? = nil) -> RulesetError {
        if t.kind == .junk, t.text == "\\r" {
            return error(t, "syntax error, unexpected carriage return (CRLF line ends are not nft syntax)")
        }
        if t.kind == .junk { return error(t, "syntax error, unexpected character \(t.described)") }
        if let expecting { return error(t, "syntax error, unexpected \(t.described), expecting \(expecting)") }
        return error(t, "syntax error, unexpected \(t.described)")
    }

    /// Takes a word (a name or keyword) or fails.
    mutating func expectWord(_ what: String) throws(RulesetError) -> Token {
        let t = try s.next()
        guard t.kind == .word else { throw unexpected(t, expecting: what) }
        return t
    }

    /// Takes a name (nft's `identifier`, a STRING token): a word that is not one of the
    /// scanner's keywords.
    mutating func expectName(_ what: String) throws(RulesetError) -> Token {
        let t = try s.next()
        guard t.kind == .word, !Symbols.keywords.contains(t.text) else { throw unexpected(t, expecting: what) }
        return t
    }

    mutating func expectSymbol(_ sym: String) throws(RulesetError) {
        let t = try s.next()
        guard t.isSymbol(sym) else { throw unexpected(t, expecting: "'\(sym)'") }
    }

    /// The separator nft's grammar wants after every command and block item: a newline or
    /// `;` (`stmt_separator`); a top-level command may also end the file (`base_cmd
    /// TOKEN_EOF`). A `}` straight after a rule is a syntax error to nft, and so it is here.
    mutating func expectSeparator(orEnd: Bool = false) throws(RulesetError) {
        let t = try s.peek()
        if t.isSeparator { try s.next(); return }
        if orEnd, t.kind == .end { return }
        throw unexpected(t, expecting: orEnd ? "end of file or newline or semicolon" : "newline or semicolon")
    }

    // MARK: Top level

    mutating func parseFile() throws(RulesetError) {
        while true {
            let t = try s.peek()
            if t.kind == .end { return }
            if t.isSeparator { try s.next(); continue }
            guard t.kind == .word else { throw unexpected(t) }
            switch t.text {
            case "table":
                try s.next()
                try parseTableCommand(create: false)
            case "chain":
                try s.next()
                try parseChainCommand(create: false)
            case "rule":
                try s.next()
                try parseRuleCommand(insert: false)
            case "add", "create", "insert":
                try s.next()
                let what = try s.peek()
                switch (t.text, what.kind == .word ? what.text : "") {
                case ("add", "table"), ("create", "table"):
                    try s.next()
                    try parseTableCommand(create: t.text == "create")
                case ("add", "chain"), ("create", "chain"):
                    try s.next()
                    try parseChainCommand(create: t.text == "create")
                case ("add", "rule"), ("insert", "rule"):
                    try s.next()
                    try parseRuleCommand(insert: t.text == "insert")
                case (_, "set"), (_, "map"), (_, "element"), (_, "flowtable"), (_, "counter"), (_, "quota"),
                     (_, "ct"), (_, "limit"), (_, "secmark"), (_, "synproxy"):
                    throw error(what, "unsupported command '\(t.text) \(what.text)'")
                default:
                    throw unexpected(what, expecting: "'table', 'chain' or 'rule'")
                }
            case "flush":
                try s.next()
                try parseFlush()
            case "define", "redefine", "undefine":
                try parseDefine()
            case "include", "delete", "destroy", "list", "reset", "rename", "replace", "get", "monitor",
                 "export", "import", "describe":
                throw error(t, "unsupported command '\(t.text)'")
            default:
                throw unexpected(t)
            }
        }
    }

    /// `[ip|ip6|inet] NAME`: nft's `table_spec` (the family defaults to `ip`).
    mutating func parseTableSpec() throws(RulesetError) -> (TableFamily, Token) {
        let t = try s.peek()
        var family = TableFamily.ip
        if t.kind == .word {
            switch t.text {
            case "ip", "ip6", "inet":
                // Keywords, never names: `table ip` is a family without a name.
                family = TableFamily(rawValue: t.text) ?? .ip
                try s.next()
            case "arp", "bridge", "netdev":
                throw error(t, "unsupported table family '\(t.text)'")
            default:
                break
            }
        }
        let name = try expectName("a table name")
        return (family, name)
    }

    func tableKey(_ family: TableFamily, _ name: String) -> String { "\(family.rawValue) \(name)" }

    /// The index of the table, or of a newly added one.
    mutating func declareTable(_ family: TableFamily, _ name: Token, create: Bool) throws(RulesetError) -> Int {
        let key = tableKey(family, name.text)
        if let i = tableIndex[key] {
            if create { throw error(name, "table '\(family.rawValue) \(name.text)' already exists") }
            return i
        }
        tables.append(TableBuild(family: family, name: name.text))
        tableIndex[key] = tables.count - 1
        return tables.count - 1
    }

    mutating func existingTable() throws(RulesetError) -> Int {
        let (family, name) = try parseTableSpec()
        guard let i = tableIndex[tableKey(family, name.text)] else {
            throw error(name, "no such table '\(family.rawValue) \(name.text)'")
        }
        return i
    }

    mutating func existingChain(in ti: Int) throws(RulesetError) -> Int {
        let name = try expectName("a chain name")
        guard let ci = tables[ti].chainIndex[name.text] else {
            throw error(name, "no such chain '\(name.text)' in table '\(tables[ti].family.rawValue) \(tables[ti].name)'")
        }
        return ci
    }

    mutating func parseTableCommand(create: Bool) throws(RulesetError) {
        let (family, name) = try parseTableSpec()
        let ti = try declareTable(family, name, create: create)
        if try s.peek().isSymbol("{") {
            try s.next()
            try parseTableBlock(ti)
            try expectSeparator(orEnd: true)
        } else {
            try expectSeparator(orEnd: true)
        }
    }

    mutating func parseChainCommand(create: Bool) throws(RulesetError) {
        let ti = try existingTable()
        let name = try expectName("a chain name")
        let (ci, fresh) = try declareChain(name, in: ti, create: create)
        if try s.peek().isSymbol("{") {
            try s.next()
            try parseChainBlock(ti, ci, fresh: fresh)
            try expectSeparator(orEnd: true)
        } else {
            try expectSeparator(orEnd: true)
        }
    }

    mutating func parseRuleCommand(insert: Bool) throws(RulesetError) {
        let ti = try existingTable()
        let ci = try existingChain(in: ti)
        let t = try s.peek()
        if t.kind == .word, ["position", "handle", "index"].contains(t.text) {
            throw error(t, "unsupported rule position '\(t.text)'")
        }
        let rule = try parseRule(table: ti)
        if insert {
            tables[ti].chains[ci].rules.insert(rule, at: 0)
        } else {
            tables[ti].chains[ci].rules.append(rule)
        }
        try expectSeparator(orEnd: true)
    }

    /// `flush ruleset [FAMILY]`, `flush table SPEC`, `flush chain SPEC NAME`.
    mutating func parseFlush() throws(RulesetError) {
        let what = try expectWord("'ruleset', 'table' or 'chain'")
        switch what.text {
        case "ruleset":
            let t = try s.peek()
            if t.kind == .word, let f = TableFamily(rawValue: t.text) {
                try s.next()
                tables.removeAll { $0.family == f }
            } else {
                tables.removeAll()
            }
            tableIndex = [:]
            for (i, t) in tables.enumerated() { tableIndex[tableKey(t.family, t.name)] = i }
        case "table":
            let ti = try existingTable()
            for ci in tables[ti].chains.indices { tables[ti].chains[ci].rules.removeAll() }
        case "chain":
            let ti = try existingTable()
            let ci = try existingChain(in: ti)
            tables[ti].chains[ci].rules.removeAll()
        case "set", "map", "meter", "flowtable":
            throw error(what, "unsupported command 'flush \(what.text)'")
        default:
            throw unexpected(what, expecting: "'ruleset', 'table' or 'chain'")
        }
        try expectSeparator(orEnd: true)
    }

    /// `define NAME = VALUE`: the value runs to the end of the line (a `{ ... }` set may span
    /// lines), with `$NAME`s in it expanded now.
    mutating func parseDefine() throws(RulesetError) {
        let keyword = try s.next()
        let name = try expectName("an identifier")
        if keyword.text == "undefine" {
            try s.unbind(name)
            // `common_block` wants a separator even at the end of the file.
            try expectSeparator()
            return
        }
        try expectSymbol("=")
        var value: [Token] = []
        var depth = 0
        while true {
            let t = try s.peek()
            if t.kind == .end { break }
            if depth == 0, t.isSeparator || t.isSymbol("}") { break }
            if t.isSymbol("{") { depth += 1 }
            if t.isSymbol("}") { depth -= 1 }
            value.append(try s.next())
            if value.count > TokenStream.maxValueTokens { throw error(name, "value of '\(name.text)' is too long") }
        }
        guard !value.isEmpty else { throw unexpected(try s.peek()) }
        if depth > 0 { throw error(name, "unterminated set in the value of '\(name.text)'") }
        try checkDefineValue(value)
        try s.bind(name, value, redefine: keyword.text == "redefine")
        try expectSeparator()
    }

    /// nft's `initializer_expr`, shallowly: `{}`, `-NUM`, or values joined by operators,
    /// ranges, prefixes and `.`, as one expression, a comma list or a `{ ... }` set (with
    /// `key : value` elements). The value is only fully checked where it is used, but
    /// what nft could not even parse is refused here, as nft refuses it.
    func checkDefineValue(_ v: [Token]) throws(RulesetError) {
        var i = 0
        func isOperator(_ t: Token) -> Bool {
            t.kind == .symbol && ["&", "|", "^", "<<", ">>", "-", "/", ".", "*"].contains(t.text)
        }
        /// operand (operator operand)*
        func expression() throws(RulesetError) {
            while true {
                guard i < v.count else { throw error(v[v.count - 1], "syntax error, unexpected end of value") }
                let t = v[i]
                if Parser.isValueToken(t) {
                    i += 1
                } else if t.isSymbol("@"), i + 1 < v.count, v[i + 1].kind == .word {
                    i += 2
                } else {
                    throw unexpected(t)
                }
                guard i < v.count, isOperator(v[i]) else { return }
                i += 1
            }
        }
        if v.count == 2, v[0].isSymbol("-"), v[1].kind == .number { return }
        if v.count == 2, v[0].isSymbol("{"), v[1].isSymbol("}") { return }
        if v[0].isSymbol("{") {
            // Elements up to the matching brace; nested sets are elements too.
            var depth = 0
            repeat {
                let t = v[i]
                if t.isSymbol("{") {
                    depth += 1; i += 1
                } else if t.isSymbol("}") {
                    depth -= 1; i += 1
                    if depth == 0 { break }
                } else if t.kind == .newline || t.isSymbol(",") {
                    i += 1
                } else {
                    try expression()
                    if i < v.count, v[i].isSymbol(":") {
                        i += 1
                        try expression()
                    }
                    guard i < v.count, v[i].isSymbol(",") || v[i].isSymbol("}") || v[i].kind == .newline else {
                        throw unexpected(i < v.count ? v[i] : v[v.count - 1], expecting: "',' or '}'")
                    }
                }
            } while i < v.count
        } else {
            try expression()
            while i < v.count, v[i].isSymbol(",") {
                i += 1
                try expression()
            }
        }
        if i < v.count { throw unexpected(v[i], expecting: "newline or semicolon") }
    }

    // MARK: Tables

    mutating func parseTableBlock(_ ti: Int) throws(RulesetError) {
        s.pushScope()
        defer { s.popScope() }
        while true {
            let t = try s.peek()
            if t.isSymbol("}") { try s.next(); return }
            if t.isSeparator { try s.next(); continue }
            guard t.kind == .word else { throw unexpected(t) }
            switch t.text {
            case "chain":
                try s.next()
                let name = try expectName("a chain name")
                let (ci, fresh) = try declareChain(name, in: ti, create: false)
                try expectSymbol("{")
                try parseChainBlock(ti, ci, fresh: fresh)
                try expectSeparator()
            case "ct":
                try s.next()
                let kind = try expectWord("'helper'")
                guard kind.text == "helper" else {
                    if ["timeout", "expectation"].contains(kind.text) {
                        throw error(kind, "unsupported declaration 'ct \(kind.text)'")
                    }
                    throw unexpected(kind, expecting: "'helper'")
                }
                try parseHelper(ti)
                try expectSeparator()
            case "define", "redefine", "undefine":
                try parseDefine()
            case "comment":
                try s.next()
                try parseCommentText()
                try expectSeparator()
            case "flags":
                throw error(t, "unsupported table option 'flags'")
            case "set", "map", "flowtable", "counter", "quota", "limit", "secmark", "synproxy", "meter":
                throw error(t, "unsupported declaration '\(t.text)'")
            default:
                throw unexpected(t)
            }
        }
    }

    mutating func parseCommentText() throws(RulesetError) {
        let t = try s.next()
        guard t.kind == .quoted || t.kind == .word else { throw unexpected(t, expecting: "a string") }
        if t.text.utf8.count > 128 { throw error(t, "comment too long, 128 characters maximum allowed") }
    }

    /// `ct helper NAME { type "ftp" protocol tcp; [l3proto ip;] }`
    mutating func parseHelper(_ ti: Int) throws(RulesetError) {
        let name = try expectName("a helper name")
        try expectSymbol("{")
        s.pushScope()
        defer { s.popScope() }
        var type: (String, Token)?
        var l4: UInt8 = 0
        var l3: TableFamily?
        while true {
            let t = try s.peek()
            if t.isSymbol("}") { try s.next(); break }
            if t.isSeparator { try s.next(); continue }
            guard t.kind == .word else { throw unexpected(t) }
            if ["define", "redefine", "undefine"].contains(t.text) {
                try parseDefine()
                continue
            }
            try s.next()
            switch t.text {
            case "type":
                let typeToken = try s.next()
                guard typeToken.kind == .quoted else { throw unexpected(typeToken, expecting: "a quoted string") }
                let proto = try expectWord("'protocol'")
                guard proto.text == "protocol" else { throw unexpected(proto, expecting: "'protocol'") }
                let p = try expectWord("tcp or udp")
                switch p.text {
                case "tcp": l4 = 6
                case "udp": l4 = 17
                default: throw unexpected(p, expecting: "tcp or udp")
                }
                guard let want = Symbols.helpers[typeToken.text] else {
                    throw error(typeToken, "unsupported ct helper type '\(typeToken.text)'")
                }
                if want != l4 {
                    throw error(p, "ct helper '\(typeToken.text)' exists only for \(want == 6 ? "tcp" : "udp")")
                }
                type = (typeToken.text, typeToken)
                try expectSeparator()
            case "l3proto":
                let f = try expectWord("ip, ip6 or inet")
                guard let fam = TableFamily(rawValue: f.text) else {
                    if ["arp", "bridge", "netdev"].contains(f.text) {
                        throw error(f, "unsupported l3proto '\(f.text)'")
                    }
                    throw unexpected(f, expecting: "ip, ip6 or inet")
                }
                l3 = fam
                try expectSeparator()
            case "comment":
                try parseCommentText()
                try expectSeparator()
            default:
                throw unexpected(t)
            }
        }
        guard let (typeName, _) = type else { throw error(name, "ct helper '\(name.text)' has no type") }
        let object = HelperObject(name: name.text, type: typeName, l4proto: l4, l3proto: l3)
        if let existing = tables[ti].helpers.firstIndex(where: { $0.name == name.text }) {
            if tables[ti].helpers[existing] != object {
                throw error(name, "ct helper '\(name.text)' is already declared differently")
            }
            return
        }
        tables[ti].helpers.append(object)
    }

    // MARK: Chains

    /// The chain's index, and whether this declaration created it.
    mutating func declareChain(_ name: Token, in ti: Int, create: Bool) throws(RulesetError) -> (Int, Bool) {
        if let ci = tables[ti].chainIndex[name.text] {
            if create { throw error(name, "chain '\(name.text)' already exists") }
            return (ci, false)
        }
        if name.text.utf8.count > 255 { throw error(name, "chain name too long") }
        tables[ti].chains.append(ChainBuild(name: name.text, nameToken: name))
        tables[ti].chainIndex[name.text] = tables[ti].chains.count - 1
        return (tables[ti].chains.count - 1, true)
    }

    /// The inside of `chain NAME { ... }`; `fresh` when this declaration created the chain
    /// (a regular chain cannot become a base chain later: the kernel refuses the update).
    mutating func parseChainBlock(_ ti: Int, _ ci: Int, fresh: Bool) throws(RulesetError) {
        s.pushScope()
        defer { s.popScope() }
        var policy: (ChainPolicy, Token)?
        var hookSeen = false
        while true {
            let t = try s.peek()
            if t.isSymbol("}") { try s.next(); break }
            if t.isSeparator { try s.next(); continue }
            if t.kind == .word {
                switch t.text {
                case "type":
                    try s.next()
                    let base = try parseHookSpec(family: tables[ti].family)
                    if hookSeen { throw error(t, "chain hook specified twice") }
                    hookSeen = true
                    if let old = tables[ti].chains[ci].base {
                        if old.type != base.type || old.hook != base.hook || old.priority != base.priority {
                            throw error(t, "chain '\(tables[ti].chains[ci].name)' is already declared with "
                                + "type \(old.type.rawValue) hook \(old.hook.rawValue) priority \(old.priority)")
                        }
                    } else if !fresh {
                        throw error(t, "chain '\(tables[ti].chains[ci].name)' is already declared as a regular chain")
                    }
                    var b = base
                    b.policy = tables[ti].chains[ci].base?.policy ?? .accept
                    tables[ti].chains[ci].base = b
                    try expectSeparator()
                    continue
                case "policy":
                    try s.next()
                    if policy != nil { throw error(t, "you cannot set chain policy twice") }
                    let v = try s.next()
                    guard v.kind == .word, let p = ChainPolicy(rawValue: v.text) else {
                        throw unexpected(v, expecting: "accept or drop")
                    }
                    policy = (p, t)
                    try expectSeparator()
                    continue
                case "comment":
                    try s.next()
                    try parseCommentText()
                    try expectSeparator()
                    continue
                case "define", "redefine", "undefine":
                    try parseDefine()
                    continue
                case "flags", "devices":
                    throw error(t, "unsupported chain option '\(t.text)'")
                default:
                    break
                }
            }
            let rule = try parseRule(table: ti)
            tables[ti].chains[ci].rules.append(rule)
            try expectSeparator()
        }
        if let (p, at) = policy {
            guard tables[ti].chains[ci].base != nil else { throw error(at, "policy is only valid on base chains") }
            tables[ti].chains[ci].base?.policy = p
        }
    }
}
