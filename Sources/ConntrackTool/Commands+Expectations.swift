import Conntrack

extension Tool where S: FlowSource {
    /// `[%-8ld.%-6ld]\t` (expectations) or `[%-.8ld.%-.6ld]\t` (flow events).
    func timestampPrefix(zeroPadMicroseconds: Bool) -> String {
        let (s, us) = env.now()
        let u = String(us)
        let micro = zeroPadMicroseconds ? String(repeating: "0", count: max(0, 6 - u.count)) + u
                                        : u + String(repeating: " ", count: max(0, 6 - u.count))
        let sec = String(s)
        return "[" + (zeroPadMicroseconds ? String(repeating: "0", count: max(0, 8 - sec.count)) + sec
                                          : sec + String(repeating: " ", count: max(0, 8 - sec.count))) + "." + micro + "]\t"
    }

    mutating func printExpectation(_ e: Expectation, event: EventType?) {
        if outputMask.contains(.json) {
            e.appendJSON(to: &out.bytes, event: event)
        } else if outputMask.contains(.xml) {
            if !xmlHeaderPrinted {
                xmlHeaderPrinted = true
                out.bytes.append(literal: "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<expect>\n")
            }
            e.appendXML(to: &out.bytes, event: event, showWhen: outputMask.contains(.timestamp), options: formatOptions())
        } else {
            if outputMask.contains(.timestamp) { out.bytes.append(ascii: timestampPrefix(zeroPadMicroseconds: false)) }
            e.appendText(to: &out.bytes, event: event)
        }
        out.bytes.append(10)
        out.flushIfNeeded()
    }

    mutating func listExpectations(_ cmd: ParsedCommand) throws {
        do {
            try source.dumpExpectations(family: cmd.family ?? .ipv4) { e in
                printExpectation(e, event: nil)
                counter += 1
            }
        } catch { throw failure(error, cmd.command) }
        closeXML("expect")
    }

    /// The tuple `-G/-D expect` look up: `-s -d -p --sport --dport`.
    func expectationLookupTuple(_ cmd: ParsedCommand) -> Tuple? {
        originalTuple(cmd)
    }

    mutating func getExpectation(_ cmd: ParsedCommand) throws {
        guard let t = expectationLookupTuple(cmd) else { throw ToolExit(status: 1, message: "Operation failed: invalid parameters") }
        let e: Expectation
        do { e = try source.getExpectation(tuple: t, family: cmd.family ?? t.family) } catch { throw failure(error, cmd.command) }
        printExpectation(e, event: nil)
        closeXML("expect")
    }

    mutating func deleteExpectation(_ cmd: ParsedCommand) throws {
        guard let t = expectationLookupTuple(cmd) else { throw ToolExit(status: 1, message: "Operation failed: invalid parameters") }
        do { try source.deleteExpectation(tuple: t, family: cmd.family ?? t.family) } catch { throw failure(error, cmd.command) }
        counter += 1
    }

    mutating func createExpectation(_ cmd: ParsedCommand) throws {
        guard let master = originalTuple(cmd), let es = cmd.expSrc, let ed = cmd.expDst,
              let ms = cmd.maskSrc, let md = cmd.maskDst else {
            throw ToolExit(status: 1, message: "Operation failed: invalid parameters")
        }
        let p = cmd.expL4 ?? master.proto
        let expected = Tuple(source: es, destination: ed, protocol: p, sourcePort: cmd.expSport ?? 0, destinationPort: cmd.expDport ?? 0)
        let mask = Tuple(source: ms, destination: md, protocol: p, sourcePort: cmd.maskSport ?? 0, destinationPort: cmd.maskDport ?? 0)
        var e = Expectation(master: master, tuple: expected, mask: mask)
        e.timeout = cmd.expTimeout
        do { try source.createExpectation(e) } catch { throw failure(error, cmd.command) }
    }
}
