import Conntrack

extension Tool where S: FlowSource {
    mutating func warnOverrun() {
        out.flush()
        err("WARNING: We have hit ENOBUFS! We are losing events.\nThis message means that the current netlink socket buffer size is too small.\nPlease, check --buffer-size in conntrack(8) manpage.\n")
    }

    mutating func userspaceSuffix(_ portID: UInt32) {
        guard portID != 0 else { return }
        if outputMask.contains(.json) {
            // Keep one JSON object per line: the origin goes inside it.
            if out.bytes.last == UInt8(ascii: "}") { out.bytes.removeLast() }
            out.bytes.append(literal: ",\"portid\":")
            out.bytes.append(decimal: UInt64(portID))
            if let name = env.programName(portID) {
                out.bytes.append(literal: ",\"progname\":")
                out.bytes.append(jsonString: name)
            }
            out.bytes.append(UInt8(ascii: "}"))
            return
        }
        out.bytes.append(literal: " [USERSPACE] portid=")
        out.bytes.append(decimal: UInt64(portID))
        if let name = env.programName(portID) {
            out.bytes.append(literal: " progname=")
            out.bytes.append(ascii: name)
        }
    }

    /// `-E`: print events until SIGINT/SIGTERM.
    mutating func events(_ cmd: ParsedCommand) throws {
        let groups: UInt32 = cmd.has(Opt.eventMask) ? cmd.eventMask : 7
        let set: Int?
        do {
            set = try source.subscribe(expectations: false, groups: groups,
                                       bufferSize: cmd.has(Opt.bufferSize) ? Int(cmd.bufferSize) : nil)
        } catch {
            // conntrack-tools' perror() of the failed bind.
            err("mnl_socket_bind: " + SystemIO.errorText((error as? SourceError)?.errno ?? 1) + "\n")
            throw ToolExit(status: 1, message: "Can't open netlink socket")
        }
        if cmd.has(Opt.bufferSize) {
            err("NOTICE: Netlink socket buffer size has been set to \(set ?? Int(cmd.bufferSize)) bytes.\n")
        }
        let filter = try filterInit(cmd)
        var options = formatOptions()
        while !env.shouldStop() {
            do {
                try source.receiveEvents(timeoutMilliseconds: 200) { item in
                    switch item {
                    case .overrun:
                        warnOverrun()
                    case .expectation:
                        break
                    case .flow(let ev):
                        if let fam = cmd.family, ev.flow.family != fam { return }
                        guard filter.matches(ev.flow) else { return }
                        options.now = env.now().seconds
                        if !outputMask.contains(.save) && !outputMask.contains(.xml) && !outputMask.contains(.json)
                            && outputMask.contains(.timestamp) {
                            out.bytes.append(ascii: timestampPrefix(zeroPadMicroseconds: true))
                        }
                        printFlow(ev.flow, event: ev.type, saveType: ev.type, options: options, xmlHeader: true,
                                  when: outputMask.contains(.timestamp))
                        userspaceSuffix(ev.portID)
                        out.bytes.append(10)
                        out.flush()
                        counter += 1
                    }
                }
            } catch let e as SourceError where e.errno == 4 {
                continue
            } catch {
                throw ToolExit(status: 1, message: "failed to received netlink event: " + SystemIO.errorText((error as? SourceError)?.errno ?? 5))
            }
        }
        closeXML()
        out.flush()
        err(messagePrefix + "\(counter) flow events have been shown.\n")
        throw ToolExit(status: 0, message: nil)
    }

    /// `-E expect`.
    mutating func expectationEvents(_ cmd: ParsedCommand) throws {
        let groups: UInt32 = cmd.has(Opt.eventMask) ? cmd.eventMask : 7
        do {
            _ = try source.subscribe(expectations: true, groups: groups, bufferSize: nil)
        } catch {
            throw ToolExit(status: 1, message: "Can't open handler")
        }
        while !env.shouldStop() {
            do {
                try source.receiveEvents(timeoutMilliseconds: 200) { item in
                    switch item {
                    case .overrun: warnOverrun()
                    case .flow: break
                    case .expectation(let ev):
                        printExpectation(ev.expectation, event: ev.type)
                        out.flush()
                        counter += 1
                    }
                }
            } catch let e as SourceError where e.errno == 4 {
                continue
            } catch {
                throw ToolExit(status: 1, message: "failed to received netlink event: " + SystemIO.errorText((error as? SourceError)?.errno ?? 5))
            }
        }
        closeXML("expect")
        out.flush()
        err(messagePrefix + "\(counter) expectation events have been shown.\n")
        throw ToolExit(status: 0, message: nil)
    }
}
