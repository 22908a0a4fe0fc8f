import Conntrack

/// The whole `conntrack` command: picks the source (the kernel, or the userspace tracker
/// when `--pcap` is given), then runs the conntrack-tools command line against it.
///
/// - Parameters:
///   - arguments: the command line, `arguments[0]` being the program name.
///   - stderrIsTerminal: show replay progress on standard error (long `--pcap` replays).
/// - Returns: the exit status.
public func runConntrackCommand(arguments: [String], stdout: OutputBuffer, stderr: @escaping (String) -> Void,
                                environment: ToolEnvironment, stderrIsTerminal: Bool = false) -> Int32 {
    let (capture, rest, error) = CaptureOptions.extract(from: arguments)
    if let error {
        stderr(messagePrefix + error + "\n")
        stderr("Try `conntrack -h' or 'conntrack --help' for more information.\n")
        return 2
    }
    guard !capture.files.isEmpty else {
        if capture.needsCapture {
            stderr(messagePrefix + "--now, --sysctl, --explain, --ruleset, --iface and --route need --pcap FILE\n")
            stderr("Try `conntrack -h' or 'conntrack --help' for more information.\n")
            return 2
        }
        return runConntrack(arguments: rest, source: KernelSource(), stdout: stdout, stderr: stderr,
                            environment: environment)
    }
    let source: EngineSource
    do {
        source = try EngineSource(options: capture, explainOutput: stdout,
                                  progress: stderrIsTerminal ? { stderr($0) } : nil)
    } catch {
        stderr(messagePrefix + "\(error)\n")
        return 2
    }
    // Event times and `-E` termination come from the capture, not the wall clock.
    var env = environment
    let stop = environment.shouldStop
    env.shouldStop = { [unowned source] in source.exhausted || stop() }
    env.now = { [unowned source] in
        let t = source.currentTime
        return (Int64(t / 1_000_000_000), Int64((t / 1000) % 1_000_000))
    }
    return runConntrack(arguments: rest, source: source, stdout: stdout, stderr: stderr, environment: env)
}
