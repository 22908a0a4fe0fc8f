import Foundation
import XCTest
import PacketCapture

/// Reading speed from the page cache. Runs only with `PACKETCAPTURE_BENCH=1` (timings are
/// printed, never asserted); meaningful in a release build.
final class ReadThroughputTests: XCTestCase {
    func testReadThroughput() throws {
        guard ProcessInfo.processInfo.environment["PACKETCAPTURE_BENCH"] == "1" else {
            throw XCTSkip("set PACKETCAPTURE_BENCH=1 to measure reading speed")
        }
        let count = Int(ProcessInfo.processInfo.environment["PACKETCAPTURE_BENCH_PACKETS"] ?? "") ?? 2_000_000
        for format in ["pcap", "pcapng"] {
            let path = temporaryPath("bench.\(format)")
            try writeBenchmarkFile(path: path, format: format, packets: count)
            defer { try? FileManager.default.removeItem(atPath: path) }
            _ = try measureRead(path: path)   // warm the page cache
            let r = try measureRead(path: path)
            XCTAssertEqual(r.packets, count)
            print(String(format: "%@: %d packets, %.1f MB in %.3f s: %.2f Mpackets/s, %.0f MB/s (%d IP)",
                         format, r.packets, Double(r.bytes) / 1e6, r.seconds,
                         Double(r.packets) / r.seconds / 1e6, Double(r.bytes) / r.seconds / 1e6, r.ip))
        }
    }
}

/// Ethernet frames of mixed sizes (IMIX-like: 64, 576, 1514), IPv4 and IPv6.
func writeBenchmarkFile(path: String, format: String, packets: Int) throws {
    let sizes = [64, 64, 64, 64, 64, 64, 64, 576, 576, 576, 576, 1514]
    let frames: [[UInt8]] = sizes.enumerated().map { i, size in
        let ip = i % 3 == 0
            ? ipv6UDP(src: [UInt8](repeating: 1, count: 16), dst: [UInt8](repeating: 2, count: 16), payload: size - 14 - 48)
            : ipv4UDP(src: [10, 0, 0, 1], dst: [10, 0, 0, 2], payload: size - 14 - 28)
        return ethernet(ip, type: i % 3 == 0 ? 0x86dd : 0x0800)
    }
    if format == "pcap" {
        let w = try PcapWriter(path: path, linkType: .ethernet, precision: .nanoseconds)
        for n in 0..<packets { try w.write(timestamp: Int64(n) * 1000, bytes: frames[n % frames.count]) }
        try w.close()
    } else {
        let w = try PcapngWriter(path: path)
        let i = try w.addInterface(linkType: .ethernet)
        for n in 0..<packets { try w.write(interface: i, timestamp: Int64(n) * 1000, bytes: frames[n % frames.count]) }
        try w.close()
    }
}

/// Reads every packet and finds its IP header; returns counts and wall time.
func measureRead(path: String) throws -> (packets: Int, bytes: Int, ip: Int, seconds: Double) {
    var start = timespec(), end = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    let reader = try CaptureReader(path: path)
    var packets = 0, ip = 0, bytes = 0
    while let p = try reader.next() {
        packets += 1
        bytes &+= p.capturedLength
        if LinkLayer.networkLayer(linkType: p.linkType, frame: p.bytes).offset != nil { ip += 1 }
    }
    clock_gettime(CLOCK_MONOTONIC, &end)
    let seconds = Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
    let fileSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? bytes
    return (packets, fileSize, ip, seconds)
}
