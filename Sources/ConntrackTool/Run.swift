import Conntrack

/// Prefix of every message conntrack-tools prints on stderr.
let messagePrefix = "conntrack v1.4.7 (conntrack-tools): "

/// A command that ended with `exit_error`: message (without prefix) and exit status.
struct ToolExit: Error {
    var status: Int32
    var message: String?
}

/// Runs one `conntrack` invocation in-process.
///
/// - Parameters:
///   - arguments: the whole command line, `arguments[0]` being the program name.
///   - source: where flows come from (the kernel, or a userspace engine).
///   - stdout: buffered standard output (flushed here before returning).
///   - stderr: writes a message to standard error at once.
///   - environment: clock, files, signals.
/// - Returns: the exit status (0, 1 or 2, as conntrack-tools).
public func runConntrack<S: FlowSource>(arguments: [String], source: S, stdout: OutputBuffer,
                                       stderr: @escaping (String) -> Void, environment: ToolEnvironment) -> Int32 {
    var tool = Tool(source: source, out: stdout, err: stderr, env: environment)
    let status = tool.main(arguments)
    stdout.flush()
    return status
}

/// One invocation's state. The type itself puts no requirement on `S` (the methods, in
/// extensions, need `S: FlowSource`): a requirement on the type would make the runtime look
/// the conformance up (a scan of every conformance record in the executable) the first
/// time `Tool<KernelSource>`'s metadata is needed, which costs `-C` and `-S` start-up
/// time for nothing.
struct Tool<S> {
    let source: S
    let out: OutputBuffer
    let err: (String) -> Void
    let env: ToolEnvironment
    var globals = ParserGlobals()
    var counter = 0
    var xmlHeaderPrinted = false

    init(source: S, out: OutputBuffer, err: @escaping (String) -> Void, env: ToolEnvironment) {
        self.source = source
        self.out = out
        self.err = err
        self.env = env
    }
}

extension Tool where S: FlowSource {
    var parser: Parser {
        let env = self.env
        return Parser(services: ParserServices(
            loadLabelMap: { env.readFile("/etc/xtables/connlabel.conf").map { LabelMap(parsing: $0) } },
            protocolByName: { name in
                guard let text = env.readFile("/etc/protocols") else { return nil }
                return ProtocolsFile.number(of: name, in: text)
            }))
    }

    mutating func flushWarnings() {
        for w in globals.warnings { err(w) }
        globals.warnings.removeAll()
    }

    /// Prints an `exit_error` and returns its status.
    mutating func report(_ e: ToolExit) -> Int32 {
        out.flush()
        flushWarnings()
        if let m = e.message {
            err(messagePrefix + m + "\n")
            if e.status == 2 { err("Try `conntrack -h' or 'conntrack --help' for more information.\n") }
        }
        return e.status
    }

    mutating func main(_ argv: [String]) -> Int32 {
        do {
            if argv.count > 2 && (argv[1] == "-R" || argv[1] == "--load-file") {
                try loadFile(argv)
                return 0
            }
            let cmd: ParsedCommand
            do {
                cmd = try parser.parse(argv, globals: &globals)
            } catch let f as ParseFailure {
                throw ToolExit(status: f.status, message: f.message)
            }
            flushWarnings()
            try execute(cmd, program: argv.first ?? "conntrack", single: true)
            return printStats(cmd)
        } catch let e as ToolExit {
            return report(e)
        } catch {
            return report(ToolExit(status: 1, message: "\(error)"))
        }
    }

    /// `print_stats`: the summary line; -1 (exit 1) when nothing was done.
    mutating func printStats(_ cmd: ParsedCommand) -> Int32 {
        out.flush()
        let text: String
        switch cmd.command {
        case .ctList?: text = "flow entries have been shown."
        case .ctCreate?: text = "flow entries have been created."
        case .ctUpdate?: text = "flow entries have been updated."
        case .ctDelete?: text = "flow entries have been deleted."
        case .ctGet?: text = "flow entries have been shown."
        case .ctEvent?: text = "flow events have been shown."
        case .expList?: text = "expectations have been shown."
        case .expDelete?: text = "expectations have been deleted."
        case .ctAdd?: text = "flow entries have been added."
        default: return 0
        }
        err(messagePrefix + "\(counter) " + text + "\n")
        if counter == 0 && cmd.command != .ctList && cmd.command != .expList && cmd.command != .ctAdd { return 1 }
        return 0
    }

    /// `-R FILE`: parse every line first, then run them; no summaries.
    mutating func loadFile(_ argv: [String]) throws {
        let name = argv[2] == "-" ? "/dev/stdin" : argv[2]
        guard let text = env.readFile(name) else {
            throw ToolExit(status: 2, message: "Failed to open file \(name) for reading")
        }
        var commands: [ParsedCommand] = []
        for rawLine in LoadFile.lines(text) {
            guard let words = try LoadFile.words(rawLine) else { continue }
            do {
                commands.append(try parser.parse([argv[0]] + words, globals: &globals))
            } catch let f as ParseFailure {
                throw ToolExit(status: f.status, message: f.message)
            }
            flushWarnings()
        }
        for c in commands {
            switch c.command {
            case .ctCreate?, .ctAdd?, .ctUpdate?, .ctDelete?, .ctFlush?: continue
            default: throw ToolExit(status: 2, message: "Cannot use command `\(LoadFile.name(of: c))' with --load-file")
            }
        }
        for c in commands {
            counter = 0
            try execute(c, program: argv[0], single: false)
        }
    }

    /// `err2str`: conntrack-tools' text for an errno in a command.
    static func errorText(_ errno: Int32, _ command: Command?) -> String {
        let c = command
        switch errno {
        case 524 where c == .ctList: return "function not implemented"
        case 22: return "invalid parameters"
        case 17 where c == .ctCreate: return "Such conntrack exists, try -U to update"
        case 2 where c == .ctCreate || c == .ctGet || c == .ctDelete || c == .ctAdd: return "such conntrack doesn't exist"
        case 12 where c == .ctCreate || c == .ctGet || c == .ctAdd: return "not enough memory"
        case 97 where c == .ctGet: return "protocol not supported"
        case 62 where c == .ctCreate || c == .ctAdd: return "conntrack has expired"
        case 2 where c == .expCreate: return "master conntrack not found"
        case 1: return "sorry, you must be root or get CAP_NET_ADMIN capability to do this"
        default: return SystemIO.errorText(errno)
        }
    }

    func failure(_ error: Error, _ command: Command?) -> ToolExit {
        if let exit = error as? ToolExit { return exit }
        // A capture file that cannot be read says so itself (file, offset, what is wrong).
        if let capture = error as? CaptureReplayError { return ToolExit(status: 1, message: capture.description) }
        let e = (error as? SourceError)?.errno ?? 5
        if e == 93 || e == 97 && command != .ctGet {
            // socket(AF_NETLINK, NETLINK_NETFILTER) refused: no nfnetlink in this kernel.
            return ToolExit(status: 1, message: "Can't open handler: this kernel has no netfilter netlink (connection tracking) support")
        }
        return ToolExit(status: 1, message: "Operation failed: " + Tool.errorText(e, command))
    }
}

/// `/etc/protocols` lookup (`getprotobyname`).
enum ProtocolsFile {
    static func entries(_ text: String) -> [(names: [Substring], number: UInt8)] {
        var out: [(names: [Substring], number: UInt8)] = []
        for line in text.split(separator: "\n") {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let f = content.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count >= 2, let n = UInt8(f[1]) else { continue }
            out.append((names: [f[0]] + f.dropFirst(2), number: n))
        }
        return out
    }
    static func number(of name: String, in text: String) -> UInt8? {
        entries(text).first(where: { $0.names.contains(where: { $0 == name }) })?.number
    }
    static func name(of number: UInt8, in text: String) -> String? {
        entries(text).first(where: { $0.number == number }).map { String($0.names[0]) }
    }
}
