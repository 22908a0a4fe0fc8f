import Conntrack

extension Tool where S: FlowSource {
    /// `nfct_filter_init`: the mask options need their address.
    func filterInit(_ cmd: ParsedCommand) throws -> FlowFilter {
        if cmd.has(Opt.maskSrc) && !cmd.has(Opt.origSrc) {
            throw ToolExit(status: 2, message: "Can't use --mask-src without --src")
        }
        if cmd.has(Opt.maskDst) && !cmd.has(Opt.origDst) {
            throw ToolExit(status: 2, message: "Can't use --mask-dst without --dst")
        }
        return FlowFilter(cmd, initialized: true)
    }

    /// `-L`, `-L dying`, `-L unconfirmed`.
    mutating func list(_ cmd: ParsedCommand) throws {
        let options = formatOptions()
        if cmd.table == .dying || cmd.table == .unconfirmed {
            let filter = FlowFilter(cmd, initialized: false)
            do {
                try source.dump(table: cmd.table == .dying ? .dying : .unconfirmed, family: nil, filter: DumpFilter(),
                                zeroCounters: false) { f in
                    guard filter.matches(f) else { return }
                    printFlow(f, event: nil, saveType: .new, options: options, xmlHeader: true)
                    out.bytes.append(10)
                    out.flushIfNeeded()
                    counter += 1
                }
            } catch { throw failure(error, cmd.command) }
            closeXML()
            return
        }
        if cmd.options & Opt.comparison != 0 && cmd.has(Opt.zero) {
            throw ToolExit(status: 2, message: "Can't use -z with filtering parameters")
        }
        let filter = try filterInit(cmd)
        let dumpFilter = DumpFilter(mark: cmd.kernelMark, status: cmd.kernelStatus)
        do {
            try source.dump(table: .conntrack, family: cmd.family, filter: dumpFilter, zeroCounters: cmd.has(Opt.zero)) { f in
                guard filter.matches(f) else { return }
                printFlow(f, event: nil, saveType: .new, options: options, xmlHeader: true)
                out.bytes.append(10)
                out.flushIfNeeded()
                counter += 1
            }
        } catch { throw failure(error, cmd.command) }
        closeXML()
    }

    mutating func closeXML(_ tag: String = "conntrack") {
        if xmlHeaderPrinted {
            out.write("</\(tag)>\n")
            xmlHeaderPrinted = false
        }
    }

    /// `-I` / `-A`.
    mutating func create(_ cmd: ParsedCommand) throws {
        var orig = originalTuple(cmd)
        var repl = replyTuple(cmd)
        if orig == nil, let r = repl { orig = Tool.invertedICMP(r) }
        if repl == nil, let o = orig { repl = Tool.invertedICMP(o) }
        guard let o = orig, let r = repl else { throw ToolExit(status: 1, message: "Operation failed: invalid parameters") }
        var f = Flow(original: o, reply: r)
        if let z = cmd.ct.origZone { f.original.zone = z }
        if let z = cmd.ct.replZone { f.reply.zone = z }
        f.timeout = cmd.ct.timeout
        f.status = cmd.ct.status.map { Status(rawValue: $0) }
        if cmd.has(Opt.mark) { f.mark = cmd.markValue }
        f.zone = cmd.ct.zone
        f.protoInfo = protoInfo(cmd)
        if cmd.has(Opt.addLabel), let l = cmd.labelModify { f.labels = l }
        if let a = cmd.ct.snatAddress { f.natSource = NATRange(minAddress: a, maxAddress: a, minPort: cmd.ct.snatPort, maxPort: cmd.ct.snatPort) }
        if let a = cmd.ct.dnatAddress { f.natDestination = NATRange(minAddress: a, maxAddress: a, minPort: cmd.ct.dnatPort, maxPort: cmd.ct.dnatPort) }
        do {
            try source.create(f)
            counter += 1
        } catch let e as SourceError where e.errno == 17 && cmd.command == .ctAdd {
            return
        } catch {
            throw failure(error, cmd.command)
        }
    }

    /// `-D`: dump (kernel filters family and mark), filter, delete and print each match.
    mutating func delete(_ cmd: ParsedCommand) throws {
        let filter = try filterInit(cmd)
        let options = formatOptions(ktimestamp: false, labels: false)
        var deleteFailure: Error? = nil
        do {
            try source.dump(table: .conntrack, family: cmd.family, filter: DumpFilter(mark: cmd.kernelMark),
                            zeroCounters: false) { f in
                guard deleteFailure == nil, filter.matches(f) else { return }
                do { try source.delete(f) } catch { deleteFailure = error; return }
                printFlow(f, event: nil, saveType: .destroy, options: options, xmlHeader: false)
                out.bytes.append(10)
                out.flushIfNeeded()
                counter += 1
            }
        } catch { throw failure(error, cmd.command) }
        if let deleteFailure { throw failure(deleteFailure, cmd.command) }
    }

    /// `-U`: for each matching entry send the changes, re-read it and print it.
    mutating func update(_ cmd: ParsedCommand) throws {
        let filter = try filterInit(cmd)
        var fatal: Error? = nil
        var changed: [Flow] = []
        do {
            try source.dump(table: .conntrack, family: nil, filter: DumpFilter(), zeroCounters: false) { ct in
                guard fatal == nil else { return }
                if !filter.natMatches(ct) || !filter.labelsMatch(ct) || !filter.networkMatches(ct) { return }
                if let id = cmd.ct.id, let have = ct.id, id != have { return }
                if cmd.options & (Opt.orig | Opt.proto) != 0 && !filter.compareOriginal(ct, strict: false) { return }
                if cmd.options & (Opt.repl | Opt.proto) != 0 && !filter.compareReply(ct, strict: false) { return }
                guard let tmp = updatedFlow(cmd, ct) else { return }
                changed.append(tmp)
            }
        } catch { throw failure(error, cmd.command) }
        // The changes are applied after the dump so that the dump stays consistent;
        // conntrack-tools interleaves them on a second socket and loses ACKs (see
        // IntendedDifferences.md).
        let options = formatOptions(ktimestamp: false)
        for tmp in changed {
            do {
                try source.update(tmp, family: cmd.family ?? tmp.family)
            } catch {
                err("Operation failed: " + Tool.errorText((error as? SourceError)?.errno ?? 5, .ctUpdate) + "\n")
            }
            let now: Flow
            do {
                now = try source.get(original: tmp.original, reply: nil, zone: tmp.zone, family: tmp.family)
            } catch let e as SourceError where e.errno == 2 {
                continue
            } catch {
                throw failure(error, cmd.command)
            }
            printFlow(now, event: nil, saveType: .new, options: options, xmlHeader: false)
            out.bytes.append(10)
            out.flushIfNeeded()
            counter += 1
        }
        _ = fatal
    }

    /// The update conntrack-tools builds for one entry (`mnl_nfct_update_cb`), or nil
    /// when it would change nothing.
    func updatedFlow(_ cmd: ParsedCommand, _ ct: Flow) -> Flow? {
        var tmp = Flow(original: ct.original, reply: ct.reply)
        tmp.zone = ct.zone
        var changes = false
        if let t = cmd.ct.timeout { tmp.timeout = t; if ct.timeout != t { changes = true } }
        if cmd.has(Opt.mark) {
            let m = ((ct.mark ?? 0) & ~cmd.markMask) ^ cmd.markValue
            tmp.mark = m
            if ct.mark != m { changes = true }
        }
        if cmd.has(Opt.status), let s = cmd.ct.status {
            let new = (ct.status?.rawValue ?? 0) | s
            tmp.status = Status(rawValue: new)
            if let have = ct.status?.rawValue, have & new == new {} else { changes = true }
        }
        if let p = protoInfo(cmd) {
            tmp.protoInfo = p
            switch (p, ct.protoInfo) {
            case (.tcp(let a), .tcp(let b)?) where cmd.ct.tcpState == nil || a.state == b.state: break
            case (.sctp(let a), .sctp(let b)?) where cmd.ct.sctpState == nil || a.state == b.state: break
            case (.dccp(let a), .dccp(let b)?) where cmd.ct.dccpState == nil || a.state == b.state: break
            default: changes = true
            }
        }
        if cmd.has(Opt.addLabel) || cmd.has(Opt.delLabel) {
            changes = true
            var labels = ct.labels ?? Labels(byteCount: cmd.labelModify?.byteCount ?? 4)
            var mask = Labels(byteCount: labels.byteCount)
            if cmd.has(Opt.addLabel), let add = cmd.labelModify {
                if ct.labels == nil {
                    labels = add
                } else {
                    labels.low |= add.low; labels.high |= add.high
                    mask = labels
                    tmp.labelsMask = mask
                }
                tmp.labels = labels
            } else if ct.labels != nil {
                if let del = cmd.labelModify {
                    // libnetfilter_conntrack drops a mask whose size differs from the
                    // labels', so the kernel just replaces the labels: send them without mask.
                    labels.low &= ~del.low; labels.high &= ~del.high
                    tmp.labels = labels
                } else {
                    tmp.labels = Labels(byteCount: 4)
                }
            }
        }
        return changes ? tmp : nil
    }

    /// `-G`.
    mutating func get(_ cmd: ParsedCommand) throws {
        guard let orig = originalTuple(cmd) else {
            throw ToolExit(status: 1, message: "Operation failed: invalid parameters")
        }
        let f: Flow
        do {
            f = try source.get(original: orig, reply: nil, zone: nil, family: cmd.family ?? orig.family)
        } catch { throw failure(error, cmd.command) }
        let filter = FlowFilter(cmd, initialized: false)
        guard filter.matches(f) else { return }
        printFlow(f, event: nil, saveType: .new, options: formatOptions(), xmlHeader: true)
        out.bytes.append(10)
        counter += 1
        closeXML()
    }
}
