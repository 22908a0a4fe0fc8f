/// The parser's view of the tokens: lookahead, `define` scopes and `$NAME` expansion.
///
/// Like nft (`symbol_bind` / `symbol_get`), a definition is visible in its block and the
/// blocks inside it, its value is fixed when it is defined (a `$NAME` inside a value is
/// expanded there), and a block may shadow an outer name but not redefine its own.
struct TokenStream {
    let file: String
    /// The input's bytes (rule texts are cut from them).
    let source: [UInt8]
    private let tokens: [Token]
    private var index = 0
    /// The value being expanded (values hold no `$NAME` of their own, so one level suffices).
    private var frame: [Token] = []
    private var frameIndex = 0
    /// Tokens already pulled (and expanded) but not consumed.
    private var buffer: [Token] = []
    private var bufferHead = 0
    private var scopes: [[String: [Token]]] = [[:]]
    private var expandedTokens = 0
    /// Where the last consumed token ends in the input (for an expanded token: its `$NAME`).
    private(set) var lastEnd = 0

    /// Caps that keep `define a = { $b, $b }` chains from growing without bound.
    static let maxValueTokens = 1 << 16
    static let maxExpandedTokens = 1 << 20

    init(_ text: String, file: String) {
        var lexer = Lexer(text)
        tokens = lexer.tokenize()
        source = Array(text.utf8)
        self.file = file
    }

    func location(_ t: Token) -> SourceLocation { SourceLocation(file: file, line: t.line, column: t.column) }

    func error(_ t: Token, _ message: String) -> RulesetError {
        RulesetError(location: location(t), message: message)
    }

    // MARK: Reading

    /// The token `k` places ahead (0: the next one).
    mutating func peek(_ k: Int = 0) throws(RulesetError) -> Token {
        while buffer.count - bufferHead <= k { buffer.append(try pull()) }
        return buffer[bufferHead + k]
    }

    /// Takes the next token.
    @discardableResult
    mutating func next() throws(RulesetError) -> Token {
        let t = try peek()
        lastEnd = t.sourceEnd
        bufferHead += 1
        if bufferHead > 64 {
            buffer.removeFirst(bufferHead)
            bufferHead = 0
        }
        return t
    }

    private mutating func pull() throws(RulesetError) -> Token {
        while true {
            if frameIndex < frame.count {
                frameIndex += 1
                return frame[frameIndex - 1]
            }
            let t = tokens[index]
            if t.kind != .end { index += 1 }
            guard t.kind == .variable else { return t }
            guard let value = lookup(t.text) else {
                // nft points at the name after the `$`.
                var at = t
                at.column += 1
                throw error(at, "unknown identifier '\(t.text)'")
            }
            expandedTokens += value.count
            if expandedTokens > TokenStream.maxExpandedTokens {
                throw error(t, "too many tokens from variable expansion")
            }
            // The expanded tokens keep the define's position (errors point at the value) but
            // extend the rule text to the `$NAME` that was written.
            frame = value.map { v in
                var v = v
                v.useStart = t.start
                v.useEnd = t.end
                return v
            }
            frameIndex = 0
        }
    }

    // MARK: Scopes

    mutating func pushScope() { scopes.append([:]) }

    mutating func popScope() { if scopes.count > 1 { scopes.removeLast() } }

    private func lookup(_ name: String) -> [Token]? {
        for s in scopes.reversed() { if let v = s[name] { return v } }
        return nil
    }

    /// Binds `name` in the innermost scope. `redefine` replaces; `define` refuses a name that
    /// is already visible (nft's `symbol_lookup` searches the enclosing scopes too, so an
    /// inner block cannot shadow an outer definition).
    mutating func bind(_ name: Token, _ value: [Token], redefine: Bool) throws(RulesetError) {
        if !redefine, lookup(name.text) != nil {
            throw error(name, "redefinition of symbol '\(name.text)'")
        }
        scopes[scopes.count - 1][name.text] = value.map { v in
            var v = v
            v.expanded = true
            return v
        }
    }

    mutating func unbind(_ name: Token) throws(RulesetError) {
        guard scopes[scopes.count - 1].removeValue(forKey: name.text) != nil else {
            throw error(name, "undefined symbol '\(name.text)'")
        }
    }
}
