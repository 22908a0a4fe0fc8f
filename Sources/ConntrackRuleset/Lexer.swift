import Conntrack

/// One token of a ruleset file, as nft's flex scanner (`src/scanner.l`) would cut it.
struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        /// An unquoted string: `[A-Za-z_.][A-Za-z0-9/\-_.]*`, possibly ending in `*`.
        case word
        /// A decimal, octal (leading `0`) or hexadecimal (`0x`) number that fits 64 bits.
        case number
        /// `"..."` (no escapes, may span lines); `text` is the inside.
        case quoted
        /// A dotted quad as the scanner's `ip4addr` pattern sees it (value not checked).
        case ipv4
        /// An IPv6 address; `bracketed` for the RFC 2732 form `[fd00::1]` (`text` is the inside).
        case ipv6(bracketed: Bool)
        /// Punctuation and operators (`text` is the symbol, e.g. `"{"`, `"!="`).
        case symbol
        /// `$` directly followed by a word: `text` is the name.
        case variable
        /// End of line (a statement separator).
        case newline
        /// End of input.
        case end
        /// A byte the scanner does not know.
        case junk
    }

    var kind: Kind
    /// The token's text (see `Kind`); operators spelled as words (`and`, `eq`) are normalised
    /// to their symbol.
    var text: String
    /// The number's value for `.number`.
    var number: UInt64 = 0
    /// Byte offsets of the token in the input.
    var start: Int
    var end: Int
    var line: Int
    var column: Int
    /// True for tokens that came from a `define` (expanded at a `$NAME`).
    var expanded = false
    /// For expanded tokens: the `$NAME` they replace (rule text is cut from the file).
    var useStart: Int? = nil
    var useEnd: Int? = nil
    var sourceStart: Int { useStart ?? start }
    var sourceEnd: Int { useEnd ?? end }

    func isSymbol(_ s: String) -> Bool { kind == .symbol && text == s }
    func isWord(_ s: String) -> Bool { kind == .word && text == s }
    var isSeparator: Bool { kind == .newline || isSymbol(";") }
    /// How a syntax error names this token.
    var described: String {
        switch kind {
        case .newline: return "newline"
        case .end: return "end of file"
        case .quoted: return "\"\(text)\""
        case .variable: return "'$\(text)'"
        case .ipv6(bracketed: true): return "'[\(text)]'"
        default: return "'\(text)'"
        }
    }
}

/// Cuts ruleset text into tokens, mirroring the longest-match rules of nft's scanner for the
/// token classes the subset uses. Comments (`#` to end of line), blanks and `\`-newline
/// continuations are dropped. A carriage return is junk, as it is to nft 1.0.6 (its scanner
/// returns CRLF, which no grammar rule takes), so CRLF files are refused.
struct Lexer {
    private let bytes: [UInt8]
    private var i = 0
    private var line = 1
    private var lineStart = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    /// Operators nft spells as words everywhere (`"and"` is `&`).
    private static let wordOperators: [String: String] = [
        "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=", "and": "&", "or": "|",
        "xor": "^", "not": "!", "lshift": "<<", "rshift": ">>",
    ]

    /// The whole input as tokens, ending with one `.end` token.
    mutating func tokenize() -> [Token] {
        var out: [Token] = []
        out.reserveCapacity(bytes.count / 3 + 8)
        while true {
            let t = next()
            out.append(t)
            if t.kind == .end { return out }
        }
    }

    private func byte(_ k: Int) -> UInt8? { k < bytes.count ? bytes[k] : nil }

    private func make(_ kind: Token.Kind, _ text: String, from s: Int, line l: Int, column c: Int) -> Token {
        Token(kind: kind, text: text, start: s, end: i, line: l, column: c)
    }

    private func text(_ s: Int, _ e: Int) -> String { String(decoding: bytes[s..<e], as: UTF8.self) }

    private mutating func next() -> Token {
        // Blanks, comments and continuations.
        while let b = byte(i) {
            if b == 0x20 || b == 0x09 {
                i += 1
            } else if b == UInt8(ascii: "#") {
                var k = i
                while let c = byte(k), c != 0x0a { k += 1 }
                // The scanner's `#.*$` needs the newline: a comment that ends the file without
                // one is junk to nft.
                if k == bytes.count {
                    let c = i - lineStart + 1
                    i = k
                    return Token(kind: .junk, text: "#", start: k - 1, end: k, line: line, column: c)
                }
                i = k
            } else if b == UInt8(ascii: "\\"), byte(i + 1) == 0x0a {
                i += 2; line += 1; lineStart = i
            } else {
                break
            }
        }
        let s = i, l = line, c = i - lineStart + 1
        guard let b = byte(i) else { return make(.end, "", from: s, line: l, column: c) }
        if b == 0x0a {
            i += 1
            let t = make(.newline, "\n", from: s, line: l, column: c)
            line += 1; lineStart = i
            return t
        }
        if b == UInt8(ascii: "\"") {
            var k = i + 1
            while let q = byte(k), q != UInt8(ascii: "\"") { k += 1 }
            guard k < bytes.count else {
                i += 1
                return make(.junk, "\"", from: s, line: l, column: c)
            }
            let inner = text(i + 1, k)
            // A quoted string may span lines: keep line numbers right after it.
            for p in (i + 1)..<k where bytes[p] == 0x0a { line += 1; lineStart = p + 1 }
            i = k + 1
            return make(.quoted, inner, from: s, line: l, column: c)
        }
        if b == UInt8(ascii: "$"), let n = byte(i + 1), Lexer.isWordStart(n) {
            i += 1
            let w = wordLength(at: i)
            let name = text(i, i + w)
            i += w
            return make(.variable, name, from: s, line: l, column: c)
        }
        if b == UInt8(ascii: "["), let n = ipv6Length(at: i + 1), byte(i + 1 + n) == UInt8(ascii: "]") {
            let inner = text(i + 1, i + 1 + n)
            i += n + 2
            return make(.ipv6(bracketed: true), inner, from: s, line: l, column: c)
        }
        // Longest match among the address, number and word patterns.
        let v6 = ipv6Length(at: i) ?? 0
        let v4 = ipv4Length(at: i)
        let num = numberLength(at: i)
        let word = Lexer.isWordStart(b) ? wordLength(at: i) : 0
        let best = max(v6, v4, num, word)
        if best > 0 {
            let t = text(i, i + best)
            i += best
            if best == v6 { return make(.ipv6(bracketed: false), t, from: s, line: l, column: c) }
            if best == v4 { return make(.ipv4, t, from: s, line: l, column: c) }
            if best == num {
                if let v = Lexer.numberValue(t) {
                    var tok = make(.number, t, from: s, line: l, column: c)
                    tok.number = v
                    return tok
                }
                // nft's scanner turns numbers strtoull refuses into strings.
                return make(.word, t, from: s, line: l, column: c)
            }
            if byte(i) == UInt8(ascii: "*") {  // nft's asteriskstring: `eth*`
                i += 1
                return make(.word, t + "*", from: s, line: l, column: c)
            }
            if let op = Lexer.wordOperators[t] { return make(.symbol, op, from: s, line: l, column: c) }
            // A lone `.` is the scanner's DOT (concatenation), listed before its string rule.
            if t == "." { return make(.symbol, ".", from: s, line: l, column: c) }
            return make(.word, t, from: s, line: l, column: c)
        }
        // Punctuation: two-character operators first.
        if let n = byte(i + 1) {
            let two: String?
            switch (b, n) {
            case (UInt8(ascii: "="), UInt8(ascii: "=")): two = "=="
            case (UInt8(ascii: "!"), UInt8(ascii: "=")): two = "!="
            case (UInt8(ascii: "<"), UInt8(ascii: "=")): two = "<="
            case (UInt8(ascii: ">"), UInt8(ascii: "=")): two = ">="
            case (UInt8(ascii: "<"), UInt8(ascii: "<")): two = "<<"
            case (UInt8(ascii: ">"), UInt8(ascii: ">")): two = ">>"
            default: two = nil
            }
            if let two {
                i += 2
                return make(.symbol, two, from: s, line: l, column: c)
            }
        }
        i += 1
        switch b {
        case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["),
             UInt8(ascii: "]"), UInt8(ascii: ";"), UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: "/"),
             UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "="), UInt8(ascii: "<"), UInt8(ascii: ">"),
             UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: "^"), UInt8(ascii: "!"), UInt8(ascii: "$"),
             UInt8(ascii: "@"), UInt8(ascii: "*"), UInt8(ascii: "."), UInt8(ascii: "~"):
            return make(.symbol, String(UnicodeScalar(b)), from: s, line: l, column: c)
        default:
            // One junk token per byte, like the scanner's `.` rule; show printable ASCII as is.
            let shown = b >= 0x21 && b < 0x7f ? String(UnicodeScalar(b))
                : b == 0x0d ? "\\r" : "\\x" + String(b, radix: 16)
            return make(.junk, shown, from: s, line: l, column: c)
        }
    }

    static func isWordStart(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
    }

    private static func isWordByte(_ b: UInt8) -> Bool {
        isWordStart(b) || (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "/") || b == UInt8(ascii: "-")
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    private static func isHex(_ b: UInt8) -> Bool {
        isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
    }

    private func wordLength(at k: Int) -> Int {
        var e = k
        while let b = byte(e), Lexer.isWordByte(b) { e += 1 }
        return e - k
    }

    /// `[0-9]{1,3}(\.[0-9]{1,3}){3}` (the scanner's `ip4addr`).
    private func ipv4Length(at k: Int) -> Int {
        var e = k
        for part in 0..<4 {
            if part > 0 {
                guard byte(e) == UInt8(ascii: ".") else { return 0 }
                e += 1
            }
            var digits = 0
            while digits < 3, let b = byte(e), Lexer.isDigit(b) { e += 1; digits += 1 }
            if digits == 0 { return 0 }
        }
        return e - k
    }

    /// The longest prefix at `k` that is an IPv6 address (the scanner's `ip6addr` patterns
    /// accept exactly the valid textual forms). Addresses are at most 45 characters, which
    /// bounds the search.
    private func ipv6Length(at k: Int) -> Int? {
        var e = k
        var colons = 0
        while e - k < 45, let b = byte(e), Lexer.isHex(b) || b == UInt8(ascii: ":") || b == UInt8(ascii: ".") {
            if b == UInt8(ascii: ":") { colons += 1 }
            e += 1
        }
        guard colons >= 2 else { return nil }
        var n = e - k
        while n >= 2 {
            if Lexer.mayBeIPv6(bytes[k..<(k + n)]),
               let a = IPAddress(String(decoding: bytes[k..<(k + n)], as: UTF8.self)), a.family == .ipv6 {
                return n
            }
            n -= 1
        }
        return nil
    }

    /// A cheap filter before the real parse: one `::` and at most 7 colons, or 7 colons; no
    /// trailing single colon.
    private static func mayBeIPv6(_ c: ArraySlice<UInt8>) -> Bool {
        var colons = 0, doubles = 0
        var previous: UInt8 = 0
        for b in c {
            if b == UInt8(ascii: ":") {
                colons += 1
                if previous == UInt8(ascii: ":") { doubles += 1 }
            }
            previous = b
        }
        if let last = c.last, last == UInt8(ascii: ":"), c.count >= 2, c[c.endIndex - 2] != UInt8(ascii: ":") {
            return false
        }
        return doubles == 1 ? colons <= 8 : (doubles == 0 && colons == 7)
    }

    /// `0[xX][0-9a-fA-F]+` or `[0-9]+`.
    private func numberLength(at k: Int) -> Int {
        guard let b = byte(k), Lexer.isDigit(b) else { return 0 }
        if b == UInt8(ascii: "0"), let x = byte(k + 1), x == UInt8(ascii: "x") || x == UInt8(ascii: "X"),
           let h = byte(k + 2), Lexer.isHex(h) {
            var e = k + 2
            while let c = byte(e), Lexer.isHex(c) { e += 1 }
            return e - k
        }
        var e = k
        while let c = byte(e), Lexer.isDigit(c) { e += 1 }
        return e - k
    }

    /// strtoull rules: hex after `0x`, octal after a leading `0`, else decimal; nil on
    /// overflow or a digit the base does not have (`08`).
    static func numberValue(_ t: String) -> UInt64? {
        var s = Substring(t)
        var radix: UInt64 = 10
        if s.hasPrefix("0x") || s.hasPrefix("0X") {
            radix = 16; s = s.dropFirst(2)
        } else if s.count > 1, s.hasPrefix("0") {
            radix = 8; s = s.dropFirst()
        }
        var v: UInt64 = 0
        for c in s.utf8 {
            let d: UInt64
            switch c {
            case 0x30...0x39: d = UInt64(c - 0x30)
            case 0x61...0x66: d = UInt64(c - 0x61 + 10)
            case 0x41...0x46: d = UInt64(c - 0x41 + 10)
            default: return nil
            }
            guard d < radix else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: radix)
            let (a, o2) = m.addingReportingOverflow(d)
            if o1 || o2 { return nil }
            v = a
        }
        return v
    }
}
