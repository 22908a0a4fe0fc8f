import Foundation
import XCTest
import PacketCapture

/// Two network namespaces joined by a veth pair (`veth0` in A: 10.77.1.1, fd77:1::1;
/// `veth1` in B: 10.77.1.2, fd77:1::2). Deleted by ``tearDown()``. Names start with `cap-`.
final class NetworkLab {
    let a: String
    let b: String
    nonisolated(unsafe) static var counter = 0

    /// Why this machine cannot run the lab, or nil.
    static func unavailableReason() -> String? {
        if getuid() != 0 { return "needs root for network namespaces" }
        for tool in ["ip", "tcpdump", "tshark", "dumpcap"] where runCommand(["which", tool]).status != 0 {
            return "\(tool) is not installed"
        }
        return nil
    }

    init() throws {
        NetworkLab.counter += 1
        a = "cap-\(getpid())-\(NetworkLab.counter)a"
        b = "cap-\(getpid())-\(NetworkLab.counter)b"
        let script = """
        set -e
        ip netns add \(a); ip netns add \(b)
        ip -n \(a) link set lo up; ip -n \(b) link set lo up
        ip -n \(a) link add veth0 type veth peer name veth1 netns \(b)
        ip -n \(a) link set veth0 up; ip -n \(b) link set veth1 up
        ip -n \(a) addr add 10.77.1.1/24 dev veth0; ip -n \(b) addr add 10.77.1.2/24 dev veth1
        ip -n \(a) addr add fd77:1::1/64 dev veth0 nodad; ip -n \(b) addr add fd77:1::2/64 dev veth1 nodad
        """
        let r = runCommand(["bash", "-c", script])
        if r.status != 0 {
            tearDown()
            throw LabError(message: "lab setup failed: \(r.err)")
        }
    }

    func tearDown() {
        runCommand(["ip", "netns", "del", a])
        runCommand(["ip", "netns", "del", b])
    }

    /// Runs a shell command inside namespace `ns`.
    @discardableResult
    func shell(_ ns: String, _ command: String) -> (status: Int32, out: String, err: String) {
        runCommand(["ip", "netns", "exec", ns, "bash", "-c", command])
    }

    /// A running capture tool.
    final class Capture {
        let process = Process()
        let errPath = temporaryPath("capture-stderr")
        let file: String
        init(file: String) { self.file = file }
    }

    /// Starts `arguments` inside `ns` and waits until it reports it is capturing.
    func startCapture(_ ns: String, _ arguments: [String], file: String) throws -> Capture {
        let c = Capture(file: file)
        _ = FileManager.default.createFile(atPath: c.errPath, contents: nil)
        c.process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        c.process.arguments = ["ip", "netns", "exec", ns] + arguments
        c.process.standardError = FileHandle(forWritingAtPath: c.errPath)!
        c.process.standardOutput = FileHandle.nullDevice
        c.process.standardInput = FileHandle.nullDevice
        try c.process.run()
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            let err = String(decoding: fileBytes(c.errPath), as: UTF8.self)
            if err.contains("listening on") || err.contains("Capturing on") { return c }
            if !c.process.isRunning { throw LabError(message: "\(arguments) exited: \(err)") }
            usleep(50_000)
        }
        c.process.terminate()
        throw LabError(message: "\(arguments) did not start capturing")
    }

    /// Stops a capture with SIGINT (so it flushes and closes its file) and waits.
    func stop(_ c: Capture) {
        c.process.interrupt()
        let deadline = Date().addingTimeInterval(15)
        while c.process.isRunning && Date() < deadline { usleep(20_000) }
        if c.process.isRunning { c.process.terminate() }
        c.process.waitUntilExit()
    }

    /// Opens an `AF_PACKET` raw socket bound to `interface` inside namespace `ns`.
    /// (`setns` moves only the calling thread; it is moved back before returning.)
    func packetSocket(_ ns: String, interface: String) throws -> Int32 {
        let home = open("/proc/thread-self/ns/net", O_RDONLY)
        let target = open("/run/netns/\(ns)", O_RDONLY)
        defer { close(home); close(target) }
        guard home >= 0, target >= 0, setNetworkNamespace(target) == 0 else {
            throw LabError(message: "setns \(ns): errno \(errno)")
        }
        defer { _ = setNetworkNamespace(home) }
        let fd = socket(AF_PACKET, Int32(SOCK_RAW.rawValue), 0)
        guard fd >= 0 else { throw LabError(message: "socket(AF_PACKET): errno \(errno)") }
        // struct sockaddr_ll (linux/if_packet.h): family(2) protocol(2, network order) ifindex(4)
        // hatype(2) pkttype(1) halen(1) addr(8).
        var sll = [UInt8](repeating: 0, count: 20)
        let index = Int32(if_nametoindex(interface))
        sll.withUnsafeMutableBytes { b in
            b.storeBytes(of: UInt16(AF_PACKET), toByteOffset: 0, as: UInt16.self)
            b.storeBytes(of: UInt16(3).bigEndian /* ETH_P_ALL */, toByteOffset: 2, as: UInt16.self)
            b.storeBytes(of: index, toByteOffset: 4, as: Int32.self)
        }
        let ok = sll.withUnsafeBytes {
            bind(fd, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), 20)
        }
        guard ok == 0 else { close(fd); throw LabError(message: "bind \(interface): errno \(errno)") }
        return fd
    }
}

/// `setns(fd, CLONE_NEWNET)`; Glibc's module map hides setns (it needs _GNU_SOURCE).
func setNetworkNamespace(_ fd: Int32) -> Int32 {
    typealias SetNS = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { return -1 }
    return unsafeBitCast(symbol, to: SetNS.self)(fd, 0x4000_0000 /* CLONE_NEWNET */)
}

struct LabError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// What tshark says about one frame, and what we say.
struct FrameSummary: Equatable, CustomStringConvertible {
    var timestamp: Int64
    var interface: Int
    var length: Int
    var capturedLength: Int
    var source: String
    var destination: String

    var description: String { "\(timestamp) if\(interface) \(length)/\(capturedLength) \(source) > \(destination)" }
}

/// tshark's view: `frame.time_epoch`, interface, lengths, first IPv4 or IPv6 addresses.
func tsharkSummaries(_ path: String) -> [FrameSummary]? {
    let r = runCommand(["tshark", "-n", "-r", path, "-T", "fields", "-E", "occurrence=f",
                 "-e", "frame.time_epoch", "-e", "frame.interface_id", "-e", "frame.len", "-e", "frame.cap_len",
                 "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst"])
    guard r.status == 0 else { print("tshark failed: \(r.err)"); return nil }
    return r.out.split(separator: "\n", omittingEmptySubsequences: true).map { line in
        var f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        f += [String](repeating: "", count: max(0, 8 - f.count))
        let parts = f[0].split(separator: ".")
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        fraction += String(repeating: "0", count: max(0, 9 - fraction.count))
        let seconds = parts.first.flatMap { Int64($0) } ?? -1
        let ts = seconds * 1_000_000_000 + (Int64(fraction.prefix(9)) ?? 0)
        let v4 = !f[4].isEmpty
        return FrameSummary(timestamp: ts, interface: Int(f[1]) ?? 0, length: Int(f[2]) ?? -1, capturedLength: Int(f[3]) ?? -1,
                            source: v4 ? f[4] : f[6], destination: v4 ? f[5] : f[7])
    }
}

/// Our view of the same file: reader plus link-layer decoding.
func ourSummaries(_ path: String) throws -> (summaries: [FrameSummary], notIP: Int) {
    let reader = try CaptureReader(path: path)
    var out: [FrameSummary] = []
    var notIP = 0
    while let p = try reader.next() {
        var s = FrameSummary(timestamp: p.timestamp, interface: p.interfaceIndex, length: p.originalLength,
                             capturedLength: p.capturedLength, source: "", destination: "")
        switch LinkLayer.networkLayer(linkType: p.linkType, frame: p.bytes) {
        case .ipv4(let o) where p.bytes.count >= o + 20:
            s.source = ntop(AF_INET, p.bytes, o + 12, 4)
            s.destination = ntop(AF_INET, p.bytes, o + 16, 4)
        case .ipv6(let o) where p.bytes.count >= o + 40:
            s.source = ntop(AF_INET6, p.bytes, o + 8, 16)
            s.destination = ntop(AF_INET6, p.bytes, o + 24, 16)
        case .notIP: notIP += 1
        default: break
        }
        out.append(s)
    }
    return (out, notIP)
}

func ntop(_ family: Int32, _ bytes: UnsafeRawBufferPointer, _ at: Int, _ n: Int) -> String {
    var buf = [CChar](repeating: 0, count: 64)
    _ = inet_ntop(family, bytes.baseAddress! + at, &buf, 64)
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Asserts that our reading of `path` matches tshark's, frame by frame; returns tshark's view.
@discardableResult
func assertMatchesTshark(_ path: String, minimumFrames: Int = 1, file: StaticString = #filePath, line: UInt = #line) -> [FrameSummary] {
    guard let judge = tsharkSummaries(path) else {
        XCTFail("tshark could not read \(path)", file: file, line: line)
        return []
    }
    do {
        let ours = try ourSummaries(path).summaries
        XCTAssertGreaterThanOrEqual(judge.count, minimumFrames, "\(path): too few frames", file: file, line: line)
        XCTAssertEqual(ours.count, judge.count, "\(path): frame count", file: file, line: line)
        for (i, (o, j)) in zip(ours, judge).enumerated() where o != j {
            XCTFail("\(path) frame \(i + 1): ours \(o), tshark \(j)", file: file, line: line)
            break
        }
    } catch {
        XCTFail("\(path): \(error)", file: file, line: line)
    }
    return judge
}
