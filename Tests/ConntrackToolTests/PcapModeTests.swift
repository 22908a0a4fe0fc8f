import Foundation
import XCTest
@testable import ConntrackTool

/// `conntrack --pcap`: the userspace tracker's table for a capture, printed by the same
/// command layer. The judge is the kernel: `Samples/sample.conntrack.txt` is the router's
/// own `conntrack -L -o extended` taken right after `Samples/sample.pcap` was captured on
/// its interfaces (Scripts/make-sample.sh).
final class PcapModeTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    var sample: String { Self.root.appendingPathComponent("Samples/sample.pcap").path }

    /// Runs our command in-process and returns (status, stdout, stderr).
    func run(_ args: [String]) -> (Int32, String, String) {
        var out: [UInt8] = []
        var err = ""
        let buffer = OutputBuffer { out.append(contentsOf: $0) }
        let status = runConntrackCommand(arguments: ["conntrack"] + args, stdout: buffer,
                                         stderr: { err += $0 }, environment: .system)
        buffer.flush()
        return (status, String(decoding: out, as: UTF8.self), err)
    }

    /// A listing line with the timeout (the field after the protocol number) removed.
    static func maskTimeout(_ line: Substring) -> (String, Int?) {
        var words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        // ipv4 2 tcp 6 TIMEOUT ...
        guard words.count > 4, let t = Int(words[4]) else { return (words.joined(separator: " "), nil) }
        words.remove(at: 4)
        return (words.joined(separator: " "), t)
    }

    func testSampleTableMatchesTheKernelsListing() throws {
        let expectedText = try String(contentsOf: Self.root.appendingPathComponent("Samples/sample.conntrack.txt"), encoding: .utf8)
        // The first line says when the kernel's table was listed: look at ours at that moment.
        let header = expectedText.split(separator: "\n").first { $0.hasPrefix("# listed at ") }
        let listedAt = try XCTUnwrap(header.flatMap { UInt64($0.dropFirst("# listed at ".count)) })
        let now = "\(listedAt / 1_000_000_000).\(String(listedAt % 1_000_000_000 + 1_000_000_000).dropFirst())"
        let (status, stdout, stderr) = run(["-L", "-o", "extended", "--pcap", sample, "--now", now])
        XCTAssertEqual(status, 0, stderr)
        let ours = stdout.split(separator: "\n").map(Self.maskTimeout).sorted { $0.0 < $1.0 }
        let kernel = expectedText.split(separator: "\n").filter { !$0.hasPrefix("#") }
            .map(Self.maskTimeout).sorted { $0.0 < $1.0 }
        XCTAssertFalse(kernel.isEmpty)
        XCTAssertEqual(ours.map(\.0), kernel.map(\.0))
        // Same moment; the kernel counts in jiffies, so allow a second either way.
        for (o, k) in zip(ours, kernel) {
            guard let a = o.1, let b = k.1 else { XCTFail("no timeout in \(o.0)"); continue }
            XCTAssertLessThanOrEqual(abs(a - b), 1, o.0)
        }
        XCTAssertTrue(stderr.hasSuffix("\(kernel.count) flow entries have been shown.\n"), stderr)
    }

    func testCountStatsAndFilters() throws {
        let (status, stdout, _) = run(["-C", "--pcap", sample])
        XCTAssertEqual(status, 0)
        let listed = run(["-L", "--pcap", sample]).1.split(separator: "\n").count
        XCTAssertEqual(stdout, "\(listed)\n")
        let tcp = run(["-L", "-p", "tcp", "--pcap", sample]).1.split(separator: "\n")
        XCTAssertFalse(tcp.isEmpty)
        XCTAssertTrue(tcp.allSatisfy { $0.hasPrefix("tcp      6 ") }, "\(tcp)")
        let stats = run(["-S", "--pcap", sample])
        XCTAssertEqual(stats.0, 0)
        XCTAssertTrue(stats.1.hasPrefix("cpu=0   \tfound=0 invalid="), stats.1)
    }

    func testNowExpiresEntriesAndEventsShowDestroy() throws {
        // Far in the future every entry has expired: empty table, and -E ends with DESTROYs.
        let (status, stdout, stderr) = run(["-L", "--pcap", sample, "--now", "4000000000"])
        XCTAssertEqual(status, 0)
        XCTAssertEqual(stdout, "")
        XCTAssertTrue(stderr.hasSuffix("0 flow entries have been shown.\n"), stderr)
        let events = run(["-E", "--pcap", sample, "--now", "4000000000"])
        XCTAssertEqual(events.0, 0, events.2)
        let lines = events.1.split(separator: "\n")
        let news = lines.filter { $0.hasPrefix("    [NEW]") }.count
        let destroys = lines.filter { $0.hasPrefix("[DESTROY]") }.count
        XCTAssertGreaterThan(news, 0)
        XCTAssertEqual(news, destroys, events.1)
        XCTAssertTrue(events.2.hasSuffix("\(lines.count) flow events have been shown.\n"), events.2)
    }

    func testExplainNamesTheInvalidPacket() throws {
        let (status, stdout, _) = run(["-C", "--pcap", sample, "--explain"])
        XCTAssertEqual(status, 0)
        let lines = stdout.split(separator: "\n")
        XCTAssertTrue(lines.first?.hasPrefix("#1 ") ?? false, stdout)
        // The sample's lone ICMP echo reply cannot start a connection (reference §1.2).
        XCTAssertTrue(lines.contains { $0.contains(" invalid ") && $0.contains("icmp") }, stdout)
    }

    func testBadInputs() throws {
        let missing = run(["-L", "--pcap", "/nonexistent.pcap"])
        XCTAssertEqual(missing.0, 1)
        XCTAssertTrue(missing.2.contains("/nonexistent.pcap"), missing.2)
        XCTAssertEqual(missing.2.split(separator: "\n").count, 1, missing.2)
        let sysctl = run(["-L", "--pcap", sample, "--sysctl", "net.netfilter.nf_conntrack_bogus=1"])
        XCTAssertEqual(sysctl.0, 2)
        XCTAssertTrue(sysctl.2.contains("nf_conntrack_bogus"), sysctl.2)
        // A capture cut short: what was read is listed, then one line with the offset, exit 1.
        let whole = try Data(contentsOf: URL(fileURLWithPath: sample))
        let cut = NSTemporaryDirectory() + "pcapmode-\(getpid()).pcap"
        try whole.prefix(whole.count - 10).write(to: URL(fileURLWithPath: cut))
        defer { unlink(cut) }
        let truncated = run(["-L", "--pcap", cut])
        XCTAssertEqual(truncated.0, 1)
        XCTAssertFalse(truncated.1.isEmpty, "entries read before the damage are listed")
        XCTAssertTrue(truncated.2.hasPrefix("conntrack v1.4.7 (conntrack-tools): \(cut): truncated packet record at offset "), truncated.2)
        XCTAssertEqual(truncated.2.split(separator: "\n").count, 1, truncated.2)
        let noFile = run(["-L", "--pcap"])
        XCTAssertEqual(noFile.0, 2)
        XCTAssertEqual(noFile.2, "conntrack v1.4.7 (conntrack-tools): option `--pcap' requires an argument\nTry `conntrack -h' or 'conntrack --help' for more information.\n")
    }
}
