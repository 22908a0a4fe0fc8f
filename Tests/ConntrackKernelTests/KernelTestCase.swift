import Foundation
import XCTest
import Conntrack
import ConntrackKernel
import ConntrackTestSupport

/// A namespace `ctk-<pid>-<n>` for one test. (ConntrackTestSupport's `NetworkNamespace.init`
/// runs `ip netns add` through its own `ip netns exec` wrapper at the time of writing,
/// so this creates the namespace directly with the free `runChecked`.)
final class TestNamespace: @unchecked Sendable {
    let name: String
    nonisolated(unsafe) static var counter = 0
    init() throws {
        TestNamespace.counter += 1
        name = "ctk-\(getpid())-\(TestNamespace.counter)"
        _ = try? ConntrackTestSupport.run(["ip", "netns", "del", name])
        try ConntrackTestSupport.runChecked(["ip", "netns", "add", name])
        try run(["ip", "link", "set", "lo", "up"])
    }
    deinit { remove() }
    private var removed = false
    func remove() {
        guard !removed else { return }
        removed = true
        _ = try? ConntrackTestSupport.run(["ip", "netns", "del", name])
    }
    @discardableResult
    func run(_ argv: [String], stdin: String? = nil) throws -> ProcessResult {
        try ConntrackTestSupport.run(["ip", "netns", "exec", name] + argv, stdin: stdin)
    }
    @discardableResult
    func runChecked(_ argv: [String], stdin: String? = nil) throws -> ProcessResult {
        try ConntrackTestSupport.runChecked(["ip", "netns", "exec", name] + argv, stdin: stdin)
    }
    func background(_ argv: [String]) throws -> BackgroundProcess {
        try BackgroundProcess(["ip", "netns", "exec", name] + argv)
    }
    func nft(_ ruleset: String) throws { try runChecked(["nft", "-f", "-"], stdin: ruleset) }
    func sysctl(_ key: String, _ value: String) throws { try runChecked(["sysctl", "-q", "-w", "\(key)=\(value)"]) }
}

/// Base for tests against the real kernel: each test gets its own network namespace
/// (`ctk-<pid>-<n>`) and a client opened inside it; both go away in tearDown.
class KernelTestCase: XCTestCase {
    var ns: TestNamespace!
    var client: ConntrackClient!

    override func setUpWithError() throws {
        if let reason = kernelTestSkipReason() { throw XCTSkip(reason) }
        ns = try TestNamespace()
        client = try ConntrackClient(networkNamespace: ns.name)
    }

    override func tearDown() {
        client = nil
        ns?.remove()
        ns = nil
    }

    /// Runs the real `conntrack` inside the namespace.
    @discardableResult
    func conntrack(_ args: [String]) throws -> ProcessResult {
        try ns.run(["conntrack"] + args)
    }

    /// `conntrack -L` lines of the namespace (the real tool's view of the table).
    func toolList(_ extra: [String] = []) throws -> [String] {
        try conntrack(["-L"] + extra).stdout.split(separator: "\n").map(String.init)
    }

    func v4(_ s: String) -> IPAddress { IPAddress(s)! }

    func tcp(_ src: String, _ dst: String, _ sport: UInt16, _ dport: UInt16) -> Tuple {
        Tuple(source: IPAddress(src)!, destination: IPAddress(dst)!, protocol: IPProtocol.tcp,
              sourcePort: sport, destinationPort: dport)
    }

    func udp(_ src: String, _ dst: String, _ sport: UInt16, _ dport: UInt16) -> Tuple {
        Tuple(source: IPAddress(src)!, destination: IPAddress(dst)!, protocol: IPProtocol.udp,
              sourcePort: sport, destinationPort: dport)
    }

    /// A flow ready for `create`: reply = inverted original, given timeout.
    func flow(_ t: Tuple, timeout: UInt32 = 100) -> Flow {
        var f = Flow(original: t, reply: t.inverted())
        f.timeout = timeout
        return f
    }

    func assertErrno(_ expected: Int32, _ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) {
        do {
            try body()
            XCTFail("expected errno \(expected), got success", file: file, line: line)
        } catch let e as ConntrackError {
            XCTAssertEqual(e.errno, expected, "\(e)", file: file, line: line)
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }
}
