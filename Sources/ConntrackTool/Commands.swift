import Conntrack

extension Tool where S: FlowSource {
    var outputMask: OutputMask { globals.outputMask }

    func formatOptions(extended: Bool = true, ktimestamp: Bool = true, labels: Bool = true) -> FlowFormatOptions {
        var o = FlowFormatOptions()
        o.showLayer3 = extended && outputMask.contains(.extended)
        o.showID = outputMask.contains(.id)
        o.showKernelTimestamps = ktimestamp && outputMask.contains(.ktimestamp)
        o.labelMap = labels ? globals.labelMap : nil
        o.now = env.now().seconds
        o.localTime = env.ctime
        o.whenNow = env.localNow
        return o
    }

    /// Appends one flow line in the chosen format (`save` prefix from `saveType`).
    mutating func printFlow(_ f: Flow, event: EventType?, saveType: EventType?, options: FlowFormatOptions,
                            xmlHeader: Bool, when: Bool = false) {
        if outputMask.contains(.save) {
            if f.family != .ipv4 && f.family != .ipv6 {
                err("WARNING: unsupported l3proto \(f.family.rawValue), skipping.\n")
            }
            f.appendSave(to: &out.bytes, event: saveType)
        } else if outputMask.contains(.json) {
            f.appendJSON(to: &out.bytes, event: event, options: options)
        } else if outputMask.contains(.xml) {
            if xmlHeader && !xmlHeaderPrinted {
                xmlHeaderPrinted = true
                out.bytes.append(literal: "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<conntrack>\n")
            }
            f.appendXML(to: &out.bytes, event: event, showWhen: when, options: options)
        } else {
            f.appendText(to: &out.bytes, event: event, options: options)
        }
    }

    /// The original tuple described by the options (`-s -d -p --sport …`), if complete enough.
    func originalTuple(_ cmd: ParsedCommand) -> Tuple? {
        guard let s = cmd.ct.origSrc, let d = cmd.ct.origDst else { return nil }
        return tuple(s, d, cmd.ct.origL4 ?? cmd.protonum, cmd.ct.origSport, cmd.ct.origDport, cmd)
    }

    func replyTuple(_ cmd: ParsedCommand) -> Tuple? {
        guard let s = cmd.ct.replSrc, let d = cmd.ct.replDst else { return nil }
        return tuple(s, d, cmd.ct.replL4 ?? cmd.ct.origL4 ?? cmd.protonum, cmd.ct.replSport, cmd.ct.replDport, cmd)
    }

    private func tuple(_ s: IPAddress, _ d: IPAddress, _ p: UInt8, _ sp: UInt16?, _ dp: UInt16?, _ cmd: ParsedCommand) -> Tuple {
        if p == IPProtocol.icmp || p == IPProtocol.icmpv6 {
            return Tuple(source: s, destination: d, protocol: p, sourcePort: cmd.ct.icmpID ?? 0,
                         destinationPort: UInt16(cmd.ct.icmpType ?? 0) << 8 | UInt16(cmd.ct.icmpCode ?? 0))
        }
        return Tuple(source: s, destination: d, protocol: p, sourcePort: sp ?? 0, destinationPort: dp ?? 0)
    }

    /// The ICMP type a reply carries for a request type (libnetfilter_conntrack's inversion map).
    static func invertedICMP(_ t: Tuple) -> Tuple {
        var r = t.inverted()
        if t.isICMP {
            let map4: [UInt8: UInt8] = [8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 17: 18, 18: 17]
            let map6: [UInt8: UInt8] = [128: 129, 129: 128, 130: 131, 131: 130]
            let ty = (t.proto == IPProtocol.icmp ? map4 : map6)[t.icmpType] ?? t.icmpType
            r.sourcePort = t.sourcePort
            r.destinationPort = UInt16(ty) << 8 | UInt16(t.icmpCode)
        }
        return r
    }

    /// Protocol info described by `--state`, vtags, role and the TCP window flags.
    func protoInfo(_ cmd: ParsedCommand) -> ProtoInfo? {
        if let s = cmd.ct.tcpState ?? (cmd.ct.tcpFlags != nil ? nil : nil) {
            var i = TCPInfo(state: s)
            if let fl = cmd.ct.tcpFlags {
                i.flagsOriginal = TCPFlagsMask(flags: fl, mask: fl)
                i.flagsReply = TCPFlagsMask(flags: fl, mask: fl)
            }
            return .tcp(i)
        }
        if cmd.ct.sctpState != nil || cmd.ct.sctpVtagOrig != nil || cmd.ct.sctpVtagRepl != nil {
            return .sctp(SCTPInfo(state: cmd.ct.sctpState ?? 0, vtagOriginal: cmd.ct.sctpVtagOrig, vtagReply: cmd.ct.sctpVtagRepl))
        }
        if cmd.ct.dccpState != nil || cmd.ct.dccpRole != nil {
            return .dccp(DCCPInfo(state: cmd.ct.dccpState ?? 0, role: cmd.ct.dccpRole))
        }
        return nil
    }

    // MARK: - execute

    mutating func execute(_ cmd: ParsedCommand, program: String, single: Bool) throws {
        switch cmd.command {
        case .ctList?: try list(cmd)
        case .expList?: try listExpectations(cmd)
        case .ctCreate?, .ctAdd?: try create(cmd)
        case .expCreate?: try createExpectation(cmd)
        case .ctUpdate?: try update(cmd)
        case .ctDelete?: try delete(cmd)
        case .expDelete?: try deleteExpectation(cmd)
        case .ctGet?: try get(cmd)
        case .expGet?: try getExpectation(cmd)
        case .ctFlush?:
            // 13.15: conntrack-tools says "emptied" before looking at the result; the line is
            // printed only when the flush succeeded.
            var failure: Error? = nil
            do { try source.flush(family: cmd.family) } catch { failure = error }
            if let failure { throw self.failure(failure, cmd.command) }
            err(messagePrefix + "connection tracking table has been emptied.\n")
        case .expFlush?:
            var failure: Error? = nil
            do { try source.flushExpectations(family: cmd.family ?? .ipv4) } catch { failure = error }
            if let failure { throw self.failure(failure, cmd.command) }
            err(messagePrefix + "expectation table has been emptied.\n")
        case .ctEvent?: try events(cmd)
        case .expEvent?: try expectationEvents(cmd)
        case .ctCount?:
            do {
                // Bytes, not `"\(n)\n"`: `-C` is all start-up, and string interpolation
                // and `description` pull in code (pages) nothing else in it needs.
                let n = try source.count()
                out.bytes.append(decimal: UInt64(n))
                out.bytes.append(UInt8(ascii: "\n"))
            } catch {
                guard let text = env.readFile("/proc/sys/net/netfilter/nf_conntrack_count") else {
                    throw ToolExit(status: 1, message: "Can't open /proc/sys/net/netfilter/nf_conntrack_count")
                }
                let (v, used) = CParse.strtol(text)
                if used == 0 { throw ToolExit(status: 1, message: "Can't read /proc/sys/net/netfilter/nf_conntrack_count") }
                out.write("\(Int32(truncatingIfNeeded: v))\n")
                throw self.failure(error, cmd.command)
            }
        case .expCount?:
            var n = 0
            do { try source.dumpExpectations(family: cmd.family ?? .ipv4) { _ in n += 1 } } catch {
                out.write("\(n)\n")
                throw self.failure(error, cmd.command)
            }
            out.write("\(n)\n")
        case .ctStats?:
            do {
                // Appended as bytes for the same reason as `-C`.
                for s in try source.cpuStatistics() {
                    out.bytes.append(literal: "cpu=")
                    let start = out.bytes.count
                    out.bytes.append(decimal: UInt64(s.cpu))
                    while out.bytes.count - start < 4 { out.bytes.append(UInt8(ascii: " ")) }  // `%-4u`
                    out.bytes.append(UInt8(ascii: "\t"))
                    for (i, v) in s.counters.enumerated() {
                        guard let v else { continue }
                        if i < CPUStatistics.names.count {
                            out.bytes.append(ascii: CPUStatistics.names[i])
                        } else {
                            out.bytes.append(literal: "unknown")
                            out.bytes.append(decimal: UInt64(i - CPUStatistics.names.count + 1))
                        }
                        out.bytes.append(UInt8(ascii: "="))
                        out.bytes.append(decimal: UInt64(v))
                        out.bytes.append(UInt8(ascii: " "))
                    }
                    out.bytes.append(UInt8(ascii: "\n"))
                    out.flushIfNeeded()
                }
            } catch {
                try procStatistics(error, cmd)
            }
        case .expStats?:
            do {
                for s in try source.expectationStatistics() {
                    out.write("cpu=" + Tool.padLeft(String(s.cpu), 4) + "\texpect_new=\(s.new) expect_create=\(s.create) expect_delete=\(s.delete) \n")
                }
            } catch {
                try procStatistics(error, cmd)
            }
        case .version?:
            out.write("conntrack v1.4.7 (conntrack-tools)\n")
        case .help?:
            out.write(usageText(program: program))
            if cmd.has(Opt.proto), let h = cmd.handler {
                var name = h.name
                if h.kind == .unknown {
                    name = env.readFile("/etc/protocols").flatMap { ProtocolsFile.name(of: cmd.protonum, in: $0) } ?? "unknown"
                }
                out.write("Proto `\(name)' help:\n")
                for l in h.help { out.write(l + "\n") }
            }
        case nil:
            out.write(usageText(program: program))
        }
    }

    /// `%-4u`
    static func padLeft(_ s: String, _ n: Int) -> String {
        s.count >= n ? s : s + String(repeating: " ", count: n - s.count)
    }

    /// `/proc/net/stat/nf_conntrack` fallback of `-S`, then the netlink error.
    mutating func procStatistics(_ error: Error, _ cmd: ParsedCommand) throws {
        guard let text = env.readFile("/proc/net/stat/nf_conntrack") else {
            throw ToolExit(status: 1, message: "Can't open /proc interface")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let header = lines.first else { throw ToolExit(status: 1, message: "Can't open /proc interface") }
        let names = header.split(separator: " ").prefix(64)
        var cpu = 0
        for line in lines.dropFirst() where !line.isEmpty {
            let values = line.split(separator: " ").map { UInt32(truncatingIfNeeded: CParse.strtol(String($0), base: 16).value) }
            var s = "cpu=" + Tool.padLeft(String(cpu), 4) + "\t"
            for (i, n) in names.enumerated() { s += "\(n)=\(i < values.count ? values[i] : 0) " }
            out.write(s + "\n")
            cpu += 1
        }
        if cpu == 0 { throw ToolExit(status: 1, message: "Can't open /proc interface") }
        throw failure(error, cmd.command)
    }
}
