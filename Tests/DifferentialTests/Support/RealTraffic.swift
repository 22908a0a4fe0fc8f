import Foundation
import Glibc
import ConntrackTestSupport
import PacketCapture

/// Reads a capture file into the packets the engine is fed: IP packets with their
/// capture timestamps (frames without IP, e.g. ARP, are skipped).
func readCapture(path: String) throws -> [ReceivedPacket] {
    let reader = try CaptureReader(path: path)
    var out: [ReceivedPacket] = []
    while let p = try reader.next() {
        guard let off = LinkLayer.networkLayer(linkType: p.linkType, frame: p.bytes).offset else { continue }
        out.append(ReceivedPacket(time: UInt64(p.timestamp), side: .a, ip: Array(p.bytes[off...])))
    }
    return out
}

extension Topology {
    static let trafficScript = URL(fileURLWithPath: script).deletingLastPathComponent()
        .appendingPathComponent("diff-real-traffic.sh").path

    /// Runs `Scripts/diff-real-traffic.sh` (ping, curl, nc, UDP, a port unreachable,
    /// one invalid packet) between A and B while tcpdump captures what enters R; then
    /// lists R's table.
    func observeRealTraffic() throws -> KernelObservation {
        try resetSysctls()
        try flush()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dfT-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["DIFF_KEEP"] == nil { try? FileManager.default.removeItem(at: dir) } }
        let pcap = dir.appendingPathComponent("r.pcap").path, err = dir.appendingPathComponent("tcpdump.err").path
        let listener = try startEventListener()
        var listenerStopped = false
        defer { if !listenerStopped { _ = listener.stop() } }
        let tcpdump = try r.background(["sh", "-c", "exec tcpdump -i any -Q in -n -U --immediate-mode -B 32768 -w '\(pcap)' 2>'\(err)'"])
        var tcpdumpStopped = false
        defer { if !tcpdumpStopped { _ = tcpdump.stop() } }
        let deadline = Date().addingTimeInterval(10)
        while !((try? String(contentsOfFile: err, encoding: .utf8))?.contains("listening on") ?? false) {
            guard Date() < deadline, tcpdump.process.isRunning else {
                throw TestSupportError("tcpdump did not start: \((try? String(contentsOfFile: err, encoding: .utf8)) ?? "")")
            }
            usleep(5000)
        }
        try runChecked([Topology.trafficScript, a.name, r.name, b.name])
        usleep(100_000)
        let listedAt = wallClockNow()
        let table = try listTable()
        _ = tcpdump.stop()
        tcpdumpStopped = true
        // tcpdump's summary: "N packets dropped by kernel" must be 0, or the capture
        // is not what R saw.
        let summary = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        let dropped = summary.split(separator: "\n").first { $0.hasSuffix("packets dropped by kernel") }
            .flatMap { Int($0.split(separator: " ").first ?? "") }
        guard dropped == 0 else {
            throw CaptureIncomplete(detail: summary)
        }
        usleep(10_000)
        let events = try listener.stop().stdout.split(separator: "\n").filter { $0.contains("[") }
            .map { try KernelEntry(line: String($0)) }
        listenerStopped = true
        return KernelObservation(packets: try readCapture(path: pcap), table: table, listedAt: listedAt, events: events)
    }
}

/// tcpdump lost packets (the machine was too busy): the run must be repeated.
struct CaptureIncomplete: Error, CustomStringConvertible {
    var detail: String
    var description: String { "tcpdump dropped packets: \(detail)" }
}
