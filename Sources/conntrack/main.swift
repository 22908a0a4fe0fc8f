#if canImport(Glibc)
import Glibc
#endif
import ConntrackTool

// Thin entry point: wire stdout/stderr, signals, the flow source and the exit status.
SystemIO.installStopHandlers()
let stdoutBuffer = OutputBuffer { SystemIO.writeAll(1, $0) }
let writeStderr: (String) -> Void = { SystemIO.writeAll(2, Array($0.utf8)[...]) }
let (selection, arguments, problem) = selectSource(CommandLine.arguments)
if let problem {
    writeStderr("conntrack v1.4.7 (conntrack-tools): \(problem)\nTry `conntrack -h' or 'conntrack --help' for more information.\n")
    exit(2)
}
let status: Int32
switch selection {
case .kernel:
    status = runConntrack(arguments: arguments, source: KernelSource(), stdout: stdoutBuffer,
                          stderr: writeStderr, environment: .system)
case .pcap:
    // The userspace engine source is wired here once ConntrackEngine provides it.
    writeStderr("conntrack v1.4.7 (conntrack-tools): --pcap is not available in this build\n")
    status = 2
}
stdoutBuffer.flush()
exit(status)
