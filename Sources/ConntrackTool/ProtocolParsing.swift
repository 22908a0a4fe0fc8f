import Conntrack

extension Parser {
    /// A protocol option (`--sport`, `--state`, …). As in conntrack-tools, the code is
    /// interpreted by the *current* protocol handler (the last `-p`), whichever
    /// protocol's option table the word was found in.
    func parseProtocolOption(code rawCode: Int, arg: String, _ cmd: inout ParsedCommand) throws {
        guard let h = cmd.handler, h.kind != .unknown else { return }
        let n = h.usesCharCodes ? rawCode - 48 : rawCode
        guard n >= 1 && n <= h.optflags.count else { return }
        let port = UInt16(truncatingIfNeeded: CParse.atoi(arg))
        switch h.kind {
        case .icmp, .icmpv6:
            let p: UInt8 = h.kind == .icmp ? IPProtocol.icmp : IPProtocol.icmpv6
            switch n {
            case 1: cmd.ct.icmpType = UInt8(truncatingIfNeeded: CParse.atoi(arg))
            case 2: cmd.ct.icmpCode = UInt8(truncatingIfNeeded: CParse.atoi(arg))
            default: cmd.ct.icmpID = port
            }
            cmd.ct.origL4 = p
            if cmd.ct.replL3 != nil { cmd.ct.replL4 = p }
        case .gre:
            let key = UInt16(truncatingIfNeeded: CParse.strtoul(arg).value)
            switch n {
            case 1: cmd.ct.origSport = key; cmd.ct.origL4 = IPProtocol.gre
            case 2: cmd.ct.origDport = key; cmd.ct.origL4 = IPProtocol.gre
            case 3: cmd.ct.replSport = key; cmd.ct.replL4 = IPProtocol.gre
            case 4: cmd.ct.replDport = key; cmd.ct.replL4 = IPProtocol.gre
            case 5: cmd.maskSport = key; cmd.maskL4 = IPProtocol.gre
            case 6: cmd.maskDport = key; cmd.maskL4 = IPProtocol.gre
            case 7: cmd.expSport = key; cmd.expL4 = IPProtocol.gre
            default: cmd.expDport = key; cmd.expL4 = IPProtocol.gre
            }
        default:
            let p = h.protonum
            let hasState = h.kind == .tcp || h.kind == .sctp || h.kind == .dccp
            // Option numbers after the mask ports: tcp/sctp/dccp have --state at 7.
            var m = n
            if !hasState && n >= 7 { m = n + 1 }
            switch m {
            case 1: cmd.ct.origSport = port; cmd.ct.origL4 = p
            case 2: cmd.ct.origDport = port; cmd.ct.origL4 = p
            case 3: cmd.ct.replSport = port; cmd.ct.replL4 = p
            case 4: cmd.ct.replDport = port; cmd.ct.replL4 = p
            case 5: cmd.maskSport = port; cmd.maskL4 = p
            case 6: cmd.maskDport = port; cmd.maskL4 = p
            case 7: try parseState(h, arg, &cmd)
            // conntrack-tools stores the port's low byte as the expected protocol for
            // tcp/sctp/dccp (and nothing for udp); we set the protocol itself.
            case 8: cmd.expSport = port; cmd.expL4 = p
            case 9: cmd.expDport = port; cmd.expL4 = p
            case 10:
                if h.kind == .sctp { cmd.ct.sctpVtagOrig = UInt32(bitPattern: CParse.atoi(arg)) }
                else if h.kind == .dccp {
                    if Parser.caseInsensitivePrefix(arg, of: "client") { cmd.ct.dccpRole = 0 }
                    else if Parser.caseInsensitivePrefix(arg, of: "server") { cmd.ct.dccpRole = 1 }
                    else { throw ParseFailure(status: 2, message: "Unknown DCCP role `\(arg)'") }
                }
            case 11: cmd.ct.sctpVtagRepl = UInt32(bitPattern: CParse.atoi(arg))
            default: break
            }
        }
        cmd.l4flags |= 1 << UInt32(n - 1)
    }

    static func caseInsensitivePrefix(_ word: String, of keyword: String) -> Bool {
        let w = Array(word.utf8), k = Array(keyword.utf8)
        if w.count > k.count { return false }
        for i in 0..<w.count where w[i] | 0x20 != k[i] | 0x20 { return false }
        return true
    }

    private func parseState(_ h: ProtocolHandler, _ arg: String, _ cmd: inout ParsedCommand) throws {
        switch h.kind {
        case .tcp:
            if arg == "LISTEN" { cmd.ct.tcpState = TCPState.synSent2.rawValue; return }
            guard let i = tcpStateNames.firstIndex(of: arg) else {
                throw ParseFailure(status: 2, message: "unknown TCP state `\(arg)'")
            }
            cmd.ct.tcpState = UInt8(i)
        case .sctp:
            // conntrack-tools 1.4.7 crashes (NULL strcmp) on words it does not know.
            guard let i = sctpStateNames.firstIndex(of: arg) else {
                throw ParseFailure(status: 2, message: "unknown SCTP state `\(arg)'")
            }
            cmd.ct.sctpState = UInt8(i)
        default:
            guard let i = dccpStateNames.firstIndex(of: arg) else {
                throw ParseFailure(status: 2, message: "Unknown DCCP state `\(arg)'")
            }
            cmd.ct.dccpState = UInt8(i)
        }
    }

    /// The handler's `final_check`.
    func finalCheck(_ h: ProtocolHandler, _ cmd: inout ParsedCommand) throws {
        guard let command = cmd.command else { return }
        switch h.kind {
        case .unknown:
            if cmd.ct.replL3 != nil && cmd.ct.replL4 == nil { cmd.ct.replL4 = cmd.ct.origL4 }
            return
        default: break
        }
        let row = h.table[command.rawValue][...]
        let coupled: [UInt32] = h.directionMessages == nil ? [] : [0b0011, 0b1100]
        if let partial = try Parser.genericCheck(cmd.l4flags, row: row, names: h.optflags, coupled: coupled,
                                                 fail: { ParseFailure(status: 2, message: $0) }),
           let messages = h.directionMessages {
            throw ParseFailure(status: 2, message: partial == 1 ? messages.1 : messages.0)
        }
        if h.kind == .tcp {
            // Manually created TCP entries disable window tracking (BE_LIBERAL|SACK_PERM),
            // plus CLOSE_INIT from TIME_WAIT on.
            var flags: UInt8 = 0x08 | 0x02
            if (cmd.ct.tcpState ?? 0) >= TCPState.timeWait.rawValue { flags |= 0x04 }
            cmd.ct.tcpFlags = flags
        }
    }
}
