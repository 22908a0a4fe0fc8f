import Foundation

/// What a finished child process left behind.
public struct ProcessResult: Sendable, CustomStringConvertible {
    /// Exit status, or 128 + signal number when killed by a signal (as a shell reports it).
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public var description: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
}

/// Errors of the test-support helpers.
public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Runs `argv` (argv[0] looked up in PATH), waits for it and returns its output.
@discardableResult
public func run(_ argv: [String], stdin: String? = nil, environment: [String: String]? = nil) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = argv
    if let environment { p.environment = environment }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    let inPipe = Pipe()
    p.standardInput = stdin == nil ? FileHandle.nullDevice : inPipe
    try p.run()
    if let stdin {
        inPipe.fileHandleForWriting.write(Data(stdin.utf8))
        try? inPipe.fileHandleForWriting.close()
    }
    // Read both pipes concurrently so a chatty child cannot block on a full pipe.
    let errBox = DataBox()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errBox.data = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    let errData = errBox.data
    p.waitUntilExit()
    let status = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
    return ProcessResult(status: status, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs `argv` and throws unless it exits 0.
@discardableResult
public func runChecked(_ argv: [String], stdin: String? = nil) throws -> ProcessResult {
    let r = try run(argv, stdin: stdin)
    guard r.status == 0 else {
        throw TestSupportError("\(argv.joined(separator: " ")) failed: exit \(r.status): \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
    }
    return r
}

/// A child process running in the background (e.g. `conntrack -E`, tcpdump).
public final class BackgroundProcess: @unchecked Sendable {
    public let process: Process
    private let out = Pipe()
    private let err = Pipe()
    private var outData = Data()
    private var errData = Data()
    private let lock = NSLock()
    private let group = DispatchGroup()

    /// Starts `argv` (looked up in PATH).
    public init(_ argv: [String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        for (pipe, isOut) in [(out, true), (err, false)] {
            group.enter()
            DispatchQueue.global().async { [self] in
                let d = pipe.fileHandleForReading.readDataToEndOfFile()
                lock.lock()
                if isOut { outData = d } else { errData = d }
                lock.unlock()
                group.leave()
            }
        }
    }

    /// The process id.
    public var pid: Int32 { process.processIdentifier }

    /// Sends `signal` (default SIGINT), waits for exit and returns the output.
    public func stop(signal: Int32 = SIGINT) -> ProcessResult {
        if process.isRunning { kill(process.processIdentifier, signal) }
        return wait()
    }

    /// Waits for exit and returns the output.
    public func wait() -> ProcessResult {
        process.waitUntilExit()
        group.wait()
        lock.lock(); defer { lock.unlock() }
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return ProcessResult(status: status, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }
}

private final class DataBox: @unchecked Sendable {
    var data = Data()
}
