#if canImport(Glibc)
import Glibc
#endif
import ConntrackTool

// Thin entry point: wire stdout/stderr, signals and the exit status.
SystemIO.installStopHandlers()
let stdoutBuffer = OutputBuffer { SystemIO.writeAll(1, $0) }
let writeStderr: (String) -> Void = { SystemIO.writeAll(2, Array($0.utf8)[...]) }
let status = runConntrackCommand(arguments: CommandLine.arguments, stdout: stdoutBuffer, stderr: writeStderr,
                                 environment: .system, stderrIsTerminal: isatty(2) == 1)
stdoutBuffer.flush()
exit(status)
