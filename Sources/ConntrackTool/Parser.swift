import Conntrack

/// State that conntrack-tools keeps in globals across the lines of a `-R` file:
/// the output mask and the label map.
struct ParserGlobals {
    var outputMask: OutputMask = []
    var labelMap: LabelMap? = nil
    var warnings: [String] = []
}

/// Services the parser needs from the outside world (file reads), kept as closures so
/// the parser stays testable.
struct ParserServices {
    /// Loads `/etc/xtables/connlabel.conf`; nil if it cannot be read.
    var loadLabelMap: () -> LabelMap?
    /// `getprotobyname`: protocol number of a name from `/etc/protocols`.
    var protocolByName: (String) -> UInt8?
}

/// conntrack-tools' `do_parse`: command-line words to a `ParsedCommand`.
struct Parser {
    var services: ParserServices

    private func fail(_ m: String) -> ParseFailure { ParseFailure(status: 2, message: m) }

    func labelmapInit(_ g: inout ParserGlobals) {
        if g.labelMap != nil { return }
        g.labelMap = services.loadLabelMap()
        if g.labelMap == nil { g.warnings.append("nfct_labelmap_new: No such file or directory\n") }
    }

    // MARK: keyword lists

    private enum ListKind { case status, event, output }
    private static let statusWords: [(String, UInt32)] = [("ASSURED", 4), ("SEEN_REPLY", 2), ("UNSET", 0),
        ("FIXED_TIMEOUT", 1 << 10), ("EXPECTED", 1), ("OFFLOAD", 1 << 14), ("HW_OFFLOAD", 1 << 15)]
    private static let eventWords: [(String, UInt32)] = [("ALL", 7), ("NEW", 1), ("UPDATES", 2), ("DESTROY", 4)]
    private static let outputWords: [(String, UInt32)] = [("xml", 1), ("extended", 2), ("timestamp", 4), ("id", 8),
        ("ktimestamp", 16), ("labels", 32), ("userspace", 0), ("save", 64), ("json", 128)]

    /// `strncasecmp(word, keyword, len(word)) == 0` with C semantics (word longer than keyword fails).
    private static func prefixMatch(_ word: Substring, _ keyword: String) -> Bool {
        let w = Array(word.utf8), k = Array(keyword.utf8)
        if w.count > k.count { return false }
        for i in 0..<w.count where w[i] | 0x20 != k[i] | 0x20 { return false }
        return true
    }

    private func parseWord(_ word: Substring, into value: inout UInt32, _ kind: ListKind, _ g: inout ParserGlobals) -> Bool {
        if Parser.prefixMatch(word, "SRC_NAT") {
            g.warnings.append("WARNING: ignoring SRC_NAT, use --src-nat instead\n"); return true
        }
        if Parser.prefixMatch(word, "DST_NAT") {
            g.warnings.append("WARNING: ignoring DST_NAT, use --dst-nat instead\n"); return true
        }
        let table = kind == .status ? Parser.statusWords : kind == .event ? Parser.eventWords : Parser.outputWords
        for (k, v) in table where Parser.prefixMatch(word, k) { value |= v; return true }
        return false
    }

    /// `parse_parameter`: comma list, every item must match.
    private func parseList(_ arg: String, into value: inout UInt32, _ kind: ListKind, _ g: inout ParserGlobals) throws {
        var rest = Substring(arg)
        while let comma = rest.firstIndex(of: ",") {
            let word = rest[rest.startIndex..<comma]
            if word.isEmpty || !parseWord(word, into: &value, kind, &g) { throw fail("Bad parameter `\(rest)'") }
            rest = rest[rest.index(after: comma)...]
        }
        if rest.isEmpty || !parseWord(rest, into: &value, kind, &g) { throw fail("Bad parameter `\(rest)'") }
    }

    /// `parse_parameter_mask` for `-u`: `!WORD` goes to the mask, `UNREPLIED` means SEEN_REPLY clear.
    private func parseStatus(_ arg: String, status: inout UInt32, mask: inout UInt32, _ g: inout ParserGlobals) throws {
        var rest = Substring(arg)
        while let comma = rest.firstIndex(of: ",") {
            if comma == rest.startIndex { throw fail("Bad parameter `\(rest)'") }
            let negated = rest.first == "!"
            if negated { rest = rest.dropFirst() }
            if rest.first == "," { throw fail("Bad parameter `\(rest)'") }
            if !negated && rest.hasPrefix("UNREPLIED") {
                mask |= 2
                rest = rest[rest.index(after: comma)...]
                continue
            }
            var v: UInt32 = 0
            if !parseWord(rest[rest.startIndex..<comma], into: &v, .status, &g) { throw fail("Bad parameter `\(rest)'") }
            if negated { mask |= v } else { status |= v }
            rest = rest[rest.index(after: comma)...]
        }
        let negated = rest.first == "!"
        if negated { rest = rest.dropFirst() }
        if !negated && rest.hasPrefix("UNREPLIED") { mask |= 2; return }
        var v: UInt32 = 0
        if rest.isEmpty || !parseWord(rest, into: &v, .status, &g) { throw fail("Bad parameter `\(rest)'") }
        if negated { mask |= v } else { status |= v }
    }

    // MARK: addresses

    private func setFamily(_ cmd: inout ParsedCommand, _ f: AddressFamily) throws {
        if cmd.family == nil { cmd.family = f } else if cmd.family != f { throw fail("mismatched address family") }
    }

    /// `parse_addr`: address with optional `/prefix`; returns (address, prefix) with prefix -1 none, -2 invalid.
    private func parseAddr(_ arg: String) -> (IPAddress, Int)? {
        var s = String(decoding: arg.utf8.prefix(45), as: UTF8.self)
        var prefix = -1
        if let slash = s.firstIndex(of: "/") {
            let tail = String(s[s.index(after: slash)...])
            let (v, used) = CParse.strtol(tail)
            prefix = (v < 0 || used != tail.utf8.count) ? -2 : Int(truncatingIfNeeded: Int32(truncatingIfNeeded: v))
            if prefix < 0 { prefix = -2 }
            s = String(s[..<slash])
        }
        guard let a = CParse.address(s)?.address else { return nil }
        if prefix > (a.family == .ipv4 ? 32 : 128) { prefix = -2 }
        return (a, prefix)
    }

    /// `nfct_parse_addr_from_opt` for one of s d r q [ ] { } n g j.
    private func parseAddressOption(_ c: Unicode.Scalar, _ arg: String, _ cmd: inout ParsedCommand, withMask: Bool) throws -> IPAddress {
        guard let (a, prefix) = parseAddr(arg) else { throw fail("Invalid IP address `\(arg)'") }
        try setFamily(&cmd, a.family)
        let maskOpt: Unicode.Scalar? = (c == "s" || c == "[") ? "{" : (c == "d" || c == "]") ? "}" : nil
        if prefix != -1 && maskOpt == nil {
            throw fail("CIDR notation unavailable for `--\(longName(of: Int(c.value)))'")
        } else if prefix == -2 {
            throw fail("Invalid netmask")
        }
        switch c {
        case "s": cmd.options |= Opt.origSrc; cmd.ct.origSrc = a; cmd.ct.origL3 = a.family
        case "d": cmd.options |= Opt.origDst; cmd.ct.origDst = a; cmd.ct.origL3 = a.family
        case "r": cmd.options |= Opt.replSrc; cmd.ct.replSrc = a; cmd.ct.replL3 = a.family
        case "q": cmd.options |= Opt.replDst; cmd.ct.replDst = a; cmd.ct.replL3 = a.family
        case "[": cmd.options |= Opt.expSrc; cmd.expSrc = a
        case "]": cmd.options |= Opt.expDst; cmd.expDst = a
        case "{": cmd.options |= Opt.maskSrc; cmd.maskSrc = a
        case "}": cmd.options |= Opt.maskDst; cmd.maskDst = a
        case "n": cmd.options |= Opt.srcNAT; cmd.ct.snatAddress = a; cmd.ct.origL3 = a.family
        case "g": cmd.options |= Opt.dstNAT; cmd.ct.dnatAddress = a; cmd.ct.origL3 = a.family
        case "j": cmd.options |= Opt.anyNAT; cmd.ct.anyNATClobbersSource = true
        default: break
        }
        guard prefix != -1, withMask, let m = maskOpt else { return a }
        if prefix == (a.family == .ipv4 ? 32 : 128) { return a }
        let netmask = IPAddress.mask(prefix: prefix, family: a.family)
        if m == "{" { cmd.options |= Opt.maskSrc; cmd.maskSrc = netmask } else { cmd.options |= Opt.maskDst; cmd.maskDst = netmask }
        return a
    }

    /// `split_address_and_port` for `-n/-g/-j ADDR[:PORT]`.
    private func splitAddressAndPort(_ arg: String) throws -> (String, String?) {
        if let open = arg.firstIndex(of: "[") {
            let start = arg.index(after: open)
            guard let close = arg[start...].firstIndex(of: "]") else {
                throw fail(start < arg.endIndex && arg[start] == "]" ? "No IPv6 address specified" : "No closing ']' around IPv6 address")
            }
            if close == start { throw fail("No IPv6 address specified") }
            if let colon = arg[close...].firstIndex(of: ":") {
                return (String(arg[start..<close]), try port(String(arg[arg.index(after: colon)...])))
            }
            return (arg, nil)
        }
        if let colon = arg.firstIndex(of: ":"), !arg[arg.index(after: colon)...].contains(":") {
            return (String(arg[..<colon]), try port(String(arg[arg.index(after: colon)...])))
        }
        return (arg, nil)
    }

    private func port(_ s: String) throws -> String {
        if s.isEmpty { throw fail("No port specified after `:'") }
        guard s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let v = Int(s.prefix(18)), s.count < 18, v <= 65535 else {
            throw fail("Invalid port `\(s)'")
        }
        return s
    }

    // MARK: labels

    private func parseLabels(_ arg: String, _ g: inout ParserGlobals) throws -> Labels {
        var labels = Labels(byteCount: 4)
        var maxBit = 0
        for name in arg.split(separator: ",", omittingEmptySubsequences: false) {
            guard let bit = g.labelMap?.bit(named: name) else { throw fail("unknown label '\(name)'") }
            labels.insert(bit)
            maxBit = max(maxBit, bit)
        }
        labels.byteCount = (maxBit / 32 + 1) * 4
        return labels
    }

    private static func merge(_ a: Labels?, _ b: Labels) -> Labels {
        guard var a else { return b }
        a.low |= b.low; a.high |= b.high; a.byteCount = max(a.byteCount, b.byteCount)
        return a
    }

    // MARK: the main loop

    /// Parses `argv` (including `argv[0]`).
    func parse(_ argv: [String], globals g: inout ParserGlobals) throws -> ParsedCommand {
        var cmd = ParsedCommand()
        var getopt = GetoptLong(argv: argv, optstring: getoptString)
        var longOptions = genericLongOptions
        var generation = 0
        var statusValue: UInt32 = 0
        var statusMask: UInt32 = 0

        func addCommand(_ c: Command) throws {
            if cmd.command != nil { throw fail("Invalid commands combination") }
            cmd.command = c
        }
        func checkType() throws -> TableType {
            guard let t = getopt.optionalArgument() else { return .conntrack }
            if "expect".hasPrefix(t) { return .expect }
            if "conntrack".hasPrefix(t) { return .conntrack }
            if "dying".hasPrefix(t) { return .dying }
            if "unconfirmed".hasPrefix(t) { return .unconfirmed }
            throw fail("unknown type `\(t)'")
        }

        while let c = getopt.next(longOptions: longOptions) {
            let arg = getopt.optarg ?? ""
            if c >= 256 {
                try parseProtocolOption(code: c & 0xff, arg: arg, &cmd)
                continue
            }
            // A scalar, not a Character: comparing Characters runs grapheme code for nothing.
            let ch = Unicode.Scalar(UInt8(c))
            switch ch {
            case "L":
                let t = try checkType()
                cmd.table = t
                try addCommand(t == .expect ? .expList : .ctList)
            case "I", "D", "G", "F", "E", "V", "h", "C", "S", "U", "A":
                let t = try checkType()
                if t == .dying || t == .unconfirmed {
                    throw fail("Can't do that command with tables `dying' and `unconfirmed'")
                }
                cmd.table = t
                let e = t == .expect
                let command: Command?
                switch ch {
                case "I": command = e ? .expCreate : .ctCreate
                case "D": command = e ? .expDelete : .ctDelete
                case "G": command = e ? .expGet : .ctGet
                case "F": command = e ? .expFlush : .ctFlush
                case "E": command = e ? .expEvent : .ctEvent
                case "V": command = .version
                case "h": command = .help
                case "C": command = e ? .expCount : .ctCount
                case "S": command = e ? .expStats : .ctStats
                case "U": command = e ? nil : .ctUpdate
                default: command = e ? nil : .ctAdd
                }
                guard let command else {
                    throw fail("Can't do --\(longName(of: c)) on \(e ? "expectations" : "conntrack")")
                }
                try addCommand(command)
            case "s", "d", "r", "q", "[", "]":
                _ = try parseAddressOption(ch, arg, &cmd, withMask: true)
            case "{", "}":
                _ = try parseAddressOption(ch, arg, &cmd, withMask: false)
            case "p":
                cmd.options |= Opt.proto
                guard let (h, num) = findProto(arg) else { throw fail("`\(arg)' unsupported protocol") }
                generation += 1
                for (name, code) in h.options {
                    let real = h.usesCharCodes ? 48 + code : code
                    longOptions.append(LongOption(name: name, hasArg: .required, val: real + 256 * generation))
                }
                cmd.handler = h
                cmd.protonum = num
                cmd.ct.origL4 = num
            case "t":
                cmd.options |= Opt.timeout
                let v = UInt32(truncatingIfNeeded: CParse.atol(arg))
                cmd.ct.timeout = v
                cmd.expTimeout = v
            case "u":
                cmd.options |= Opt.status
                try parseStatus(arg, status: &statusValue, mask: &statusMask, &g)
                cmd.ct.status = statusValue
                if statusMask == 0 { statusMask = statusValue }
                cmd.markValue = statusValue  // conntrack-tools overwrites the mark filter value here
                cmd.kernelStatus = (statusValue, statusMask)
            case "e":
                cmd.options |= Opt.eventMask
                try parseList(arg, into: &cmd.eventMask, .event, &g)
            case "o":
                cmd.options |= Opt.output
                var v = g.outputMask.rawValue
                try parseList(arg, into: &v, .output, &g)
                g.outputMask = OutputMask(rawValue: v)
                if g.outputMask.contains(.labels) { labelmapInit(&g) }
                if g.outputMask.contains(.save) && !g.outputMask.isDisjoint(with: [.extended, .timestamp, .id, .ktimestamp, .labels, .xml, .json]) {
                    throw ParseFailure(status: 1, message: "cannot combine save output with any other output type, use -o save only")
                }
                if g.outputMask.contains(.json) && !g.outputMask.isDisjoint(with: [.xml, .save]) {
                    throw ParseFailure(status: 1, message: "cannot combine json output with xml or save output")
                }
            case "z":
                cmd.options |= Opt.zero
            case "n", "g", "j":
                cmd.options |= ch == "n" ? Opt.srcNAT : ch == "g" ? Opt.dstNAT : Opt.anyNAT
                if let optional = getopt.optionalArgument() {
                    let (addressText, portText) = try splitAddressAndPort(optional)
                    let a = try parseAddressOption(ch, addressText, &cmd, withMask: false)
                    let port = portText.map { UInt16(truncatingIfNeeded: CParse.atoi($0)) }
                    if ch == "n" || ch == "j" {
                        cmd.ct.snatAddress = a
                        if let port { cmd.ct.snatPort = port }
                    }
                    if ch == "g" || ch == "j" {
                        cmd.ct.dnatAddress = a
                        if let port { cmd.ct.dnatPort = port }
                    }
                }
            case "w":
                cmd.options |= Opt.zone
                cmd.ct.zone = UInt16(truncatingIfNeeded: CParse.strtoul(arg).value)
            case "(":
                cmd.options |= Opt.origZone
                cmd.ct.origZone = UInt16(truncatingIfNeeded: CParse.strtoul(arg).value)
            case ")":
                cmd.options |= Opt.replZone
                cmd.ct.replZone = UInt16(truncatingIfNeeded: CParse.strtoul(arg).value)
            case "i":
                cmd.options |= Opt.id
                cmd.ct.id = UInt32(truncatingIfNeeded: CParse.strtoul(arg).value)
            case "c":
                cmd.options |= Opt.secmark
                cmd.ct.secmark = UInt32(truncatingIfNeeded: CParse.strtoul(arg).value)
            case "m":
                cmd.options |= Opt.mark
                let (v, used) = CParse.strtoul(arg)
                cmd.markValue = UInt32(truncatingIfNeeded: v)
                let rest = Array(arg.utf8).dropFirst(used)
                if rest.first == UInt8(ascii: "/") {
                    cmd.markMask = UInt32(truncatingIfNeeded: CParse.strtoul(String(decoding: rest.dropFirst(), as: UTF8.self)).value)
                } else {
                    cmd.markMask = ~0
                }
                cmd.kernelMark = (cmd.markValue, cmd.markMask)
            case "l", "<", ">":
                cmd.options |= ch == "l" ? Opt.label : ch == "<" ? Opt.addLabel : Opt.delLabel
                labelmapInit(&g)
                if cmd.has(Opt.addLabel) && cmd.has(Opt.delLabel) {
                    throw ParseFailure(status: 1, message: "cannot use --label-add and --label-del at the same time")
                }
                var text = arg
                if ch == ">" {
                    // conntrack-tools ignores `--label-del=NAME` (and deletes every label);
                    // we honour the glued argument.
                    if getopt.optarg == nil {
                        guard let t = getopt.optionalArgument() else { break }
                        text = t
                    }
                }
                let labels = try parseLabels(text, &g)
                if ch == "l" { cmd.labelFilter = Parser.merge(cmd.labelFilter, labels) }
                else { cmd.labelModify = Parser.merge(cmd.labelModify, labels) }
            case "a":
                g.warnings.append("WARNING: ignoring -a, deprecated option.\n")
            case "f":
                cmd.options |= Opt.family
                if arg.hasPrefix("ipv4") { try setFamily(&cmd, .ipv4) }
                else if arg.hasPrefix("ipv6") { try setFamily(&cmd, .ipv6) }
                else { throw fail("`\(arg)' unsupported protocol") }
            case "b":
                cmd.bufferSize = CParse.atol(arg)
                cmd.options |= Opt.bufferSize
            case ":":
                throw fail("option `\(getopt.argv[getopt.optind - 1])' requires an argument")
            default:
                throw fail("unknown option `\(getopt.argv[getopt.optind - 1])'")
            }
        }

        // Default family only for these commands.
        if cmd.family == nil {
            switch cmd.command {
            case .ctList?, .ctUpdate?, .ctDelete?, .ctGet?, .ctFlush?, .ctEvent?: break
            default: cmd.family = .ipv4
            }
        }
        if cmd.has(Opt.anyNAT) && (cmd.has(Opt.srcNAT) || cmd.has(Opt.dstNAT)) {
            throw fail("cannot specify `--src-nat' or `--dst-nat' with `--any-nat'")
        }
        let row = cmd.command.map(commandOptions) ?? [UInt8](repeating: 0, count: optionColumns)[...]
        if let partial = try Parser.genericCheck(cmd.options, row: row, names: Opt.names,
                                                 coupled: [Opt.orig, Opt.repl], fail: fail) {
            throw fail(partial == 1 ? "you have to specify `--reply-src' and `--reply-dst'"
                                    : "you have to specify `--src' and `--dst'")
        }
        if cmd.command != .help, let h = cmd.handler {
            try finalCheck(h, &cmd)
        }
        return cmd
    }

    /// `generic_opt_check`: returns nil when fine, else the partial-match index (-1, 0 or 1).
    static func genericCheck(_ options: UInt32, row: ArraySlice<UInt8>, names: [String], coupled: [UInt32],
                             fail: (String) -> ParseFailure) throws -> Int? {
        var special = false
        for (i, legality) in row.enumerated() {
            if options & (1 << UInt32(i)) == 0 {
                if legality == 1 { throw fail("You need to supply the `--\(names[i])' option for this command") }
            } else if legality == 0 {
                throw fail("Illegal option `--\(names[i])' with this command")
            }
            if legality == 3 { special = true }
        }
        if !special || coupled.isEmpty { return nil }
        var partial = -1
        for (i, f) in coupled.enumerated() {
            if options & f == f { return nil }
            if options & f != 0 && partial < 0 { partial = i }
        }
        return partial
    }

    private func findProto(_ name: String) -> (ProtocolHandler, UInt8)? {
        for h in protocolHandlers where h.name.lowercased() == name.lowercased() { return (h, h.protonum) }
        if let n = services.protocolByName(name) { return (unknownHandler, n) }
        let (v, used) = CParse.strtoul(name)
        if used > 0, used == name.utf8.count, v <= 255 {
            let n = UInt8(v)
            for h in protocolHandlers where h.protonum == n { return (h, n) }
            return (unknownHandler, n)
        }
        return nil
    }
}
