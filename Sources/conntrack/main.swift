#if canImport(Glibc)
import Glibc
#endif
import CConntrackArguments
import ConntrackTool

// Thin entry point: wire stdout/stderr, signals and the exit status.
SystemIO.installStopHandlers()
let stdoutBuffer = OutputBuffer { SystemIO.writeAll(1, $0) }
let writeStderr: (String) -> Void = { SystemIO.writeAll(2, Array($0.utf8)[...]) }
// The arguments straight from argv (kept by CConntrackArguments): the same strings as
// `CommandLine.arguments`, without the standard library's code for it at start-up. (A
// function and a loop: a closure written in top-level code is main-actor isolated and
// would be checked for it at run time, which pulls in the concurrency runtime.)
func argumentsFromArgv() -> [String]? {
    guard let argv = ct_argv() else { return nil }
    var arguments: [String] = []
    for i in 0..<Int(ct_argc()) {
        let arg = UnsafeRawPointer(argv[i]!).assumingMemoryBound(to: UInt8.self)
        arguments.append(String(decoding: UnsafeBufferPointer(start: arg, count: strlen(argv[i]!)), as: UTF8.self))
    }
    return arguments
}
let arguments = argumentsFromArgv() ?? CommandLine.arguments
let status = runConntrackCommand(arguments: arguments, stdout: stdoutBuffer, stderr: writeStderr,
                                 environment: .system, stderrIsTerminal: isatty(2) == 1)
stdoutBuffer.flush()
exit(status)
