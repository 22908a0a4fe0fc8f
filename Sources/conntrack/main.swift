#if canImport(Glibc)
import Glibc
#endif
import ConntrackTool

// Thin entry point: wire stdout/stderr, signals and the exit status.
SystemIO.installStopHandlers()
let stdoutBuffer = OutputBuffer { SystemIO.writeAll(1, $0) }
let status = runConntrack(arguments: CommandLine.arguments, source: KernelSource(), stdout: stdoutBuffer,
                          stderr: { SystemIO.writeAll(2, Array($0.utf8)[...]) }, environment: .system)
stdoutBuffer.flush()
exit(status)
