/// The checks that need the whole file: the kernel makes them when the batch is committed
/// (`nft_table_validate`), so `nft -c` alone does not show all of them.
extension Parser {
    /// The kernel's `NFT_JUMP_STACK_SIZE`: a chain may be at most 15 jumps below its base chain.
    static let jumpStackSize = 16

    /// Reports the earliest (in file order) of: unknown jump targets and helper objects,
    /// jumps to base chains, jump loops and over-deep jumps reachable from a base chain, and
    /// NAT statements in chains whose base chain is not a `nat` chain at a hook the kernel
    /// allows for them (`nft_nat_validate`, `nft_masq_validate`, `nft_redir_validate`).
    func validate() throws(RulesetError) {
        var errors: [RulesetError] = []
        for table in tables {
            if let e = validate(table) { errors.append(e) }
        }
        if let first = errors.min(by: { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }) {
            throw first
        }
    }

    private struct Edge {
        var target: Int
        var token: Token
    }

    private func validate(_ table: TableBuild) -> RulesetError? {
        var errors: [RulesetError] = []
        let n = table.chains.count
        var edges = [[Edge]](repeating: [], count: n)
        for (ci, chain) in table.chains.enumerated() {
            for rule in chain.rules {
                for (st, token) in zip(rule.rule.statements, rule.statementTokens) {
                    switch st {
                    case .jump(let name), .goto(let name):
                        guard let target = table.chainIndex[name] else {
                            errors.append(error(token, "unknown chain '\(name)'"))
                            continue
                        }
                        if table.chains[target].base != nil {
                            errors.append(error(token, "cannot jump to base chain '\(name)'"))
                            continue
                        }
                        edges[ci].append(Edge(target: target, token: token))
                    case .setCTHelper(let name):
                        if !table.helpers.contains(where: { $0.name == name }) {
                            errors.append(error(token, "unknown ct helper '\(name)'"))
                        }
                    default:
                        break
                    }
                }
            }
        }
        if let e = jumpDepthError(table, edges) { errors.append(e) }
        for (bi, chain) in table.chains.enumerated() {
            guard let base = chain.base else { continue }
            // Every chain this base chain reaches runs with its type and hook.
            var seen = [Bool](repeating: false, count: n)
            var queue = [bi]
            seen[bi] = true
            var head = 0
            while head < queue.count {
                let ci = queue[head]
                head += 1
                for e in edges[ci] where !seen[e.target] {
                    seen[e.target] = true
                    queue.append(e.target)
                }
                for rule in table.chains[ci].rules {
                    for (st, token) in zip(rule.rule.statements, rule.statementTokens) {
                        if let problem = natPlacementProblem(st, base) {
                            let via = ci == bi ? "" : " (chain '\(table.chains[ci].name)' is reached from '\(chain.name)', "
                                + "a \(base.type.rawValue) chain at \(base.hook.rawValue))"
                            errors.append(error(token, problem + via))
                        }
                    }
                }
            }
        }
        return errors.min { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
    }

    private func natPlacementProblem(_ st: Statement, _ base: BaseChain) -> String? {
        let name: String
        let hooks: [ChainHook]
        switch st {
        case .snat: (name, hooks) = ("snat", [.postrouting, .input])
        case .dnat: (name, hooks) = ("dnat", [.prerouting, .output])
        case .masquerade: (name, hooks) = ("masquerade", [.postrouting])
        case .redirect: (name, hooks) = ("redirect", [.prerouting, .output])
        default: return nil
        }
        if base.type == .nat, hooks.contains(base.hook) { return nil }
        let where_ = hooks.map(\.rawValue).joined(separator: " or ")
        return "\(name) is only valid in nat chains at \(where_)"
    }

    /// A loop or a chain 16 jumps below a base chain, as the kernel's `nft_chain_validate`
    /// finds it (`-EMLINK`), reported at the jump that closes the loop or goes too deep.
    private func jumpDepthError(_ table: TableBuild, _ edges: [[Edge]]) -> RulesetError? {
        let n = table.chains.count
        // Iterative depth-first search from the base chains: colour 1 = on the stack.
        var colour = [UInt8](repeating: 0, count: n)
        var order: [Int] = []  // reverse topological order of the reachable chains
        var found: [RulesetError] = []
        for root in 0..<n where table.chains[root].base != nil && colour[root] == 0 {
            var stack: [(chain: Int, next: Int)] = [(root, 0)]
            colour[root] = 1
            while let top = stack.last {
                if top.next < edges[top.chain].count {
                    stack[stack.count - 1].next += 1
                    let e = edges[top.chain][top.next]
                    switch colour[e.target] {
                    case 0:
                        colour[e.target] = 1
                        stack.append((e.target, 0))
                    case 1:
                        found.append(error(e.token, "jump to '\(table.chains[e.target].name)' makes a loop"))
                    default:
                        break
                    }
                } else {
                    colour[top.chain] = 2
                    order.append(top.chain)
                    stack.removeLast()
                }
            }
        }
        if !found.isEmpty {
            return found.min { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
        }
        // No loop: longest jump path from any base chain, in topological order.
        var depth = [Int](repeating: -1, count: n)
        for c in order.reversed() {
            if table.chains[c].base != nil { depth[c] = max(depth[c], 0) }
            guard depth[c] >= 0 else { continue }
            for e in edges[c] {
                let d = depth[c] + 1
                if d >= Parser.jumpStackSize {
                    found.append(error(e.token, "jump to '\(table.chains[e.target].name)' goes \(d) levels deep "
                        + "(the kernel allows \(Parser.jumpStackSize - 1))"))
                }
                depth[e.target] = max(depth[e.target], d)
            }
        }
        return found.min { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
    }
}
