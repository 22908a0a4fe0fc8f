extension Parser {
    /// `type T hook H priority P` (after `type`), with the checks nft and the kernel make:
    /// priority names only where `std_prio_family_hook_compat` allows them, `nat` chains only
    /// at the four NAT hooks and above conntrack's priority (`nft_chain_parse_hook`).
    mutating func parseHookSpec(family: TableFamily) throws(RulesetError) -> BaseChain {
        let typeToken = try expectWord("a chain type")
        let type: ChainType
        switch typeToken.text {
        case "filter": type = .filter
        case "nat": type = .nat
        case "route": throw error(typeToken, "unsupported chain type 'route'")
        default: throw error(typeToken, "unknown chain type '\(typeToken.text)'")
        }
        let hookKeyword = try expectWord("'hook'")
        guard hookKeyword.text == "hook" else { throw unexpected(hookKeyword, expecting: "'hook'") }
        let hookToken = try expectWord("a hook")
        guard let hook = ChainHook(rawValue: hookToken.text) else {
            if ["ingress", "egress"].contains(hookToken.text) {
                throw error(hookToken, "unsupported hook '\(hookToken.text)'")
            }
            throw error(hookToken, "unknown chain hook '\(hookToken.text)'")
        }
        if type == .nat, hook == .forward {
            throw error(hookToken, "nat chains cannot use the forward hook")
        }
        var t = try s.next()
        if t.isWord("device") { throw error(t, "unsupported chain option 'device'") }
        guard t.isWord("priority") else { throw unexpected(t, expecting: "'priority'") }
        t = try s.next()
        let at = t
        var priority: Int
        if t.kind == .number {
            priority = Int(clamping: t.number)
        } else if t.isSymbol("-") {
            t = try s.next()
            guard t.kind == .number else { throw unexpected(t, expecting: "a number") }
            priority = -Int(clamping: t.number)
        } else if t.kind == .word {
            guard let (value, only) = Symbols.priorities[t.text] else {
                throw error(t, "unknown priority '\(t.text)'")
            }
            if let only, only != hook {
                throw error(t, "priority '\(t.text)' is only valid at the \(only.rawValue) hook")
            }
            priority = value
            let sign = try s.peek()
            if sign.isSymbol("+") || sign.isSymbol("-") {
                try s.next()
                let n = try s.next()
                guard n.kind == .number else { throw unexpected(n, expecting: "a number") }
                let offset = Int(clamping: n.number)
                priority = sign.isSymbol("+") ? priority &+ offset : priority &- offset
            }
        } else {
            throw unexpected(t, expecting: "a priority")
        }
        guard priority >= Int(Int32.min), priority <= Int(Int32.max) else {
            throw error(at, "priority out of range")
        }
        if type == .nat, priority <= -200 {
            throw error(at, "nat chains need a priority above -200 (conntrack's)")
        }
        return BaseChain(type: type, hook: hook, priority: priority)
    }
}
