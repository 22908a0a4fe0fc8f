import Conntrack

/// The right-hand side of a match and the conversions of its values to the model.
extension Parser {
    /// nft's relational operators (`==`/`eq`, `!=`/`ne`, `<`, `>`, `<=`, `>=`, `!`/`not`);
    /// `implicit` when none is written.
    enum Op: Equatable {
        case implicit, eq, neq, lt, gt, le, ge, neg

        var isRelational: Bool { self == .lt || self == .gt || self == .le || self == .ge }
    }

    /// One value, range (`a-b`) or prefix (`a/n`) as written.
    struct Element {
        var low: Token
        var high: Token?
        var prefix: Token?
        var isSingle: Bool { high == nil && prefix == nil }
    }

    /// What follows the operator: one element, a comma list (`a,b`) or an anonymous set.
    struct RHS {
        enum Form { case single, list, set }
        var form: Form
        var elements: [Element]
        var first: Token
    }

    mutating func parseOp() throws(RulesetError) -> (Op, Token?) {
        let t = try s.peek()
        guard t.kind == .symbol else { return (.implicit, nil) }
        let op: Op
        switch t.text {
        case "==": op = .eq
        case "!=": op = .neq
        case "<": op = .lt
        case ">": op = .gt
        case "<=": op = .le
        case ">=": op = .ge
        case "!": op = .neg
        default: return (.implicit, nil)
        }
        try s.next()
        return (op, t)
    }

    static func isValueToken(_ t: Token) -> Bool {
        switch t.kind {
        case .word, .number, .quoted, .ipv4, .ipv6: return true
        default: return false
        }
    }

    mutating func parseElement() throws(RulesetError) -> Element {
        let v = try s.next()
        guard Parser.isValueToken(v) else {
            if v.isSymbol("*") { throw error(v, "unsupported catch-all element '*'") }
            throw unexpected(v, expecting: "a value")
        }
        var e = Element(low: v)
        let t = try s.peek()
        if t.isSymbol("-") {
            try s.next()
            let h = try s.next()
            guard Parser.isValueToken(h) else { throw unexpected(h, expecting: "a value") }
            e.high = h
        } else if t.isSymbol("/") {
            try s.next()
            let p = try s.next()
            guard p.kind == .number else { throw unexpected(p, expecting: "a prefix length") }
            e.prefix = p
        }
        return e
    }

    /// Parses a value, comma list or `{ ... }` set. Nested sets (a `$NAME` holding a set
    /// inside a set) are flattened, as nft does.
    mutating func parseRHS() throws(RulesetError) -> RHS {
        let first = try s.peek()
        if first.isWord("vmap") || first.isWord("map") { throw error(first, "unsupported statement '\(first.text)'") }
        if first.isSymbol(".") { throw error(first, "unsupported concatenation") }
        var rhs: RHS
        if first.isSymbol("{") {
            try s.next()
            var elements: [Element] = []
            var depth = 1
            while depth > 0 {
                var t = try s.peek()
                while t.kind == .newline { try s.next(); t = try s.peek() }
                if t.isSymbol("}") {
                    try s.next()
                    if elements.isEmpty { throw unexpected(t) }
                    depth -= 1
                } else if t.isSymbol("{") {
                    try s.next()
                    depth += 1
                    continue
                } else {
                    elements.append(try parseElement())
                    try rejectElementOptions()
                }
                if depth == 0 { break }
                t = try s.peek()
                while t.kind == .newline { try s.next(); t = try s.peek() }
                if t.isSymbol(",") {
                    try s.next()
                } else if !t.isSymbol("}") {
                    if t.isSymbol(":") { throw error(t, "unsupported map ':' in an anonymous set") }
                    throw unexpected(t, expecting: "',' or '}'")
                }
            }
            rhs = RHS(form: .set, elements: elements, first: first)
        } else if first.isSymbol("@") {
            try s.next()
            let name = try s.peek()
            throw error(first, "unsupported named set '@\(name.kind == .word ? name.text : "")'")
        } else {
            var elements = [try parseElement()]
            var form = RHS.Form.single
            while try s.peek().isSymbol(",") {
                try s.next()
                elements.append(try parseElement())
                form = .list
            }
            rhs = RHS(form: form, elements: elements, first: first)
        }
        try rejectTrailingOperator()
        return rhs
    }

    private mutating func rejectElementOptions() throws(RulesetError) {
        let t = try s.peek()
        if t.kind == .word, ["timeout", "expires", "comment", "counter"].contains(t.text) {
            throw error(t, "unsupported set element option '\(t.text)'")
        }
    }

    /// Refuses what would continue the expression: binary operators, concatenations, maps.
    mutating func rejectTrailingOperator() throws(RulesetError) {
        let t = try s.peek()
        if t.kind == .symbol, ["&", "|", "^", "<<", ">>"].contains(t.text) {
            throw error(t, "unsupported binary operation '\(t.text)' in a value")
        }
        if t.isSymbol(".") { throw error(t, "unsupported concatenation") }
        if t.isWord("map") || t.isWord("vmap") { throw error(t, "unsupported statement '\(t.text)'") }
    }

    // MARK: Conversions

    /// A number or symbolic name of an integer type, at most `max`.
    func integer(_ t: Token, max: UInt64, names: [String: UInt32], what: String) throws(RulesetError) -> UInt32 {
        var v: UInt64
        switch t.kind {
        case .number:
            v = t.number
        case .word, .quoted:
            if let n = names[t.text] {
                v = UInt64(n)
            } else if let n = Lexer.numberValue(t.text), t.kind == .quoted, !t.text.isEmpty {
                v = n
            } else {
                throw error(t, "unknown \(what) '\(t.text)'")
            }
        default:
            throw error(t, "\(t.described) is not a valid \(what)")
        }
        if v > max { throw error(t, "value \(v) exceeds valid range 0-\(max)") }
        return UInt32(v)
    }

    /// Elements as value ranges; with `op` `<`, `>`, `<=`, `>=` the single value becomes the
    /// range it selects (an empty list when none can match).
    func ranges(_ rhs: RHS, op: Op, max: UInt64, names: [String: UInt32], what: String)
        throws(RulesetError) -> [ValueRange] {
        if rhs.form == .list { throw notBitmask(rhs) }
        if op.isRelational {
            guard rhs.form == .single, rhs.elements[0].isSingle else {
                throw error(rhs.first, "unsupported relational operator with a range, list or set")
            }
            let v = UInt64(try integer(rhs.elements[0].low, max: max, names: names, what: what))
            let m = UInt32(max)
            switch op {
            case .lt: return v == 0 ? [] : [ValueRange(0, UInt32(v - 1))]
            case .le: return [ValueRange(0, UInt32(v))]
            case .gt: return v == max ? [] : [ValueRange(UInt32(v + 1), m)]
            default: return [ValueRange(UInt32(v), m)]
            }
        }
        var out: [ValueRange] = []
        out.reserveCapacity(rhs.elements.count)
        for e in rhs.elements {
            if let p = e.prefix { throw error(p, "unsupported prefix on a \(what)") }
            let low = try integer(e.low, max: max, names: names, what: what)
            var high = low
            if let h = e.high {
                high = try integer(h, max: max, names: names, what: what)
                if high < low { throw error(e.low, "range has zero or negative size") }
            }
            out.append(ValueRange(low, high))
        }
        return out
    }

    func notBitmask(_ rhs: RHS) -> RulesetError {
        error(rhs.first, "comma-separated values need a bitmask type (ct state, ct status); use a set '{ ... }'")
    }

    /// An address of `family` (`.ipv4` for `ip`, `.ipv6` for `ip6`).
    func address(_ t: Token, family: AddressFamily) throws(RulesetError) -> IPAddress {
        switch t.kind {
        case .ipv4, .ipv6:
            guard let a = IPAddress(t.text) else {
                if t.kind == .ipv4, t.text.split(separator: ".").contains(where: { $0.count > 1 && $0.hasPrefix("0") }) {
                    throw error(t, "unsupported address '\(t.text)' (nft reads leading zeros as octal)")
                }
                throw error(t, "invalid address '\(t.text)'")
            }
            guard a.family == family else {
                throw error(t, "'\(t.text)' is not an \(family == .ipv4 ? "IPv4" : "IPv6") address")
            }
            return a
        case .word, .quoted:
            throw error(t, "unsupported host name '\(t.text)' (only numeric addresses)")
        default:
            throw error(t, "\(t.described) is not an address")
        }
    }

    func addressRange(_ e: Element, family: AddressFamily) throws(RulesetError) -> AddressRange {
        let low = try address(e.low, family: family)
        if let h = e.high {
            let high = try address(h, family: family)
            if high < low { throw error(e.low, "range has zero or negative size") }
            return AddressRange(low: low, high: high)
        }
        if let p = e.prefix {
            let bits: UInt64 = family == .ipv4 ? 32 : 128
            guard p.number <= bits else {
                throw error(e.low, "prefix length \(p.number) is invalid for an \(family == .ipv4 ? "IPv4" : "IPv6") address")
            }
            let mask = IPAddress.mask(prefix: Int(p.number), family: family)
            let net = low & mask
            var top = net
            top.high |= ~mask.high
            top.low |= family == .ipv4 ? 0 : ~mask.low
            if family == .ipv4 { top.high &= 0xffff_ffff_0000_0000 }
            return AddressRange(low: net, high: top)
        }
        return AddressRange(low)
    }

    /// An interface name: a word, number or quoted string; a trailing `*` makes it a prefix.
    func interfaceName(_ e: Element) throws(RulesetError) -> String {
        if e.high != nil || e.prefix != nil { throw error(e.low, "unsupported range of interface names") }
        let t = e.low
        switch t.kind {
        case .word, .quoted, .number: break
        default: throw error(t, "\(t.described) is not an interface name")
        }
        if t.text.isEmpty { throw error(t, "empty string is not allowed") }
        if t.text == "*" { throw error(t, "all-wildcard strings are not supported") }
        if t.text.utf8.count > 15 { throw error(t, "string exceeds maximum length of 16") }
        if t.text.contains("\\") { throw error(t, "unsupported escape in interface name '\(t.text)'") }
        return t.text
    }
}
