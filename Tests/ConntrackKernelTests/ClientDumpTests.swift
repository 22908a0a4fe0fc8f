import Foundation
import XCTest
import Conntrack
import ConntrackKernel
import ConntrackTestSupport

/// Filtered dumps, zeroed counters and batch creation against the real kernel.
final class ClientDumpTests: KernelTestCase {
    /// Entries made by the real tool; each filter must return what `conntrack -L` with
    /// the same filter returns.
    func makeMixedTable() throws {
        try conntrack(["-I", "-p", "tcp", "-s", "10.9.0.1", "-d", "10.9.0.2", "--sport", "1", "--dport", "80",
                       "--state", "ESTABLISHED", "-t", "100", "-u", "SEEN_REPLY,ASSURED", "-m", "0x11"])
        try conntrack(["-I", "-p", "tcp", "-s", "10.9.0.1", "-d", "10.9.0.3", "--sport", "2", "--dport", "80",
                       "--state", "SYN_SENT", "-t", "100", "-m", "0x21"])
        try conntrack(["-I", "-p", "udp", "-s", "10.9.0.4", "-d", "10.9.0.2", "--sport", "3", "--dport", "53",
                       "-t", "100", "-m", "0x12", "-w", "5"])
        try conntrack(["-I", "-p", "udp", "-s", "fd09::1", "-d", "fd09::2", "--sport", "4", "--dport", "53",
                       "-t", "100", "-u", "SEEN_REPLY"])
    }

    func ports(_ flows: [Flow]) -> [UInt16] { flows.map(\.original.sourcePort).sorted() }

    func toolPorts(_ args: [String]) throws -> [UInt16] {
        try toolList(args).compactMap { line -> UInt16? in
            guard let r = line.range(of: "sport=") else { return nil }
            return UInt16(line[r.upperBound...].prefix { $0.isNumber })
        }.sorted()
    }

    func testFilteredDumpsMatchTheRealTool() throws {
        try makeMixedTable()
        XCTAssertEqual(ports(try client.list(filter: KernelFilter(mark: 0x01, markMask: 0x0f))),
                       try toolPorts(["--mark", "0x01/0x0f"]))
        XCTAssertEqual(ports(try client.list(filter: KernelFilter(mark: 0x21))), [2])
        XCTAssertEqual(ports(try client.list(filter: KernelFilter(status: .assured))), try toolPorts(["-u", "ASSURED"]))
        XCTAssertEqual(ports(try client.list(filter: KernelFilter(status: .seenReply))), [1, 4])
        XCTAssertEqual(ports(try client.list(filter: KernelFilter(zone: 5))), try toolPorts(["-w", "5"]))
        XCTAssertEqual(ports(try client.list(family: .ipv6)), try toolPorts(["-f", "ipv6"]))
        XCTAssertEqual(ports(try client.list(family: .ipv4)), [1, 2, 3])
        let byDest = KernelFilter(original: TupleFilter(destination: v4("10.9.0.2")))
        XCTAssertEqual(ports(try client.list(family: .ipv4, filter: byDest)), try toolPorts(["-f", "ipv4", "-d", "10.9.0.2"]))
        let byPort = KernelFilter(original: TupleFilter(proto: IPProtocol.tcp, destinationPort: 80))
        XCTAssertEqual(ports(try client.list(family: .ipv4, filter: byPort)), [1, 2])
        let byReply = KernelFilter(reply: TupleFilter(source: v4("10.9.0.3")))
        XCTAssertEqual(ports(try client.list(family: .ipv4, filter: byReply)), [2])
    }

    func testFilteredFlushRemovesOnlyMatches() throws {
        try makeMixedTable()
        try client.flush(filter: KernelFilter(mark: 0x01, markMask: 0x0f))
        // marks 0x11 and 0x21 match (mark & 0x0f == 0x01); 0x12 and 0 stay.
        XCTAssertEqual(try toolPorts([]), [3, 4])
    }

    func testFlushByZoneAndTupleFilterRemovesOnlyMatches() throws {
        try makeMixedTable()
        try client.flush(filter: KernelFilter(zone: 5))
        XCTAssertEqual(try toolPorts([]), [1, 2, 4])
        try client.flush(family: .ipv4, filter: KernelFilter(original: TupleFilter(destination: v4("10.9.0.3"))))
        XCTAssertEqual(try toolPorts([]), [1, 4])
    }

    func testZeroCountersDump() throws {
        try ns.sysctl("net.netfilter.nf_conntrack_acct", "1")
        // Conntrack only hooks into a namespace whose ruleset uses it.
        try ns.nft("table inet t { chain c { type filter hook output priority 0; ct state new accept; }; }")
        try ns.runChecked(["ping", "-c", "2", "-i", "0.2", "-W", "1", "127.0.0.1"])
        let first = try client.list(zeroCounters: true)
        let icmp = try XCTUnwrap(first.first { $0.proto == IPProtocol.icmp })
        XCTAssertEqual(icmp.countersOriginal?.packets, 2)
        XCTAssertEqual(icmp.countersReply?.packets, 2)
        XCTAssertEqual(icmp.countersOriginal?.bytes, 2 * 84)   // 20 IP + 8 ICMP + 56 data
        let l = try toolList(["-o", "extended"]).joined()
        XCTAssertTrue(l.contains("packets=0 bytes=0"), l)
        let again = try XCTUnwrap(client.list().first { $0.proto == IPProtocol.icmp })
        XCTAssertEqual(again.countersOriginal, Counters(packets: 0, bytes: 0))
    }

    func testBatchCreateCollectsFailures() throws {
        var flows: [Flow] = []
        for i in 0..<3000 {
            flows.append(flow(udp("10.10.\(i / 250).\(i % 250 + 1)", "10.11.0.1", UInt16(1000 + i % 50), 53)))
        }
        // Two duplicates and one without timeout (EINVAL) in the middle.
        flows.insert(flows[10], at: 1500)
        flows.insert(flows[20], at: 2500)
        var bad = flow(udp("10.12.0.1", "10.12.0.2", 1, 1))
        bad.timeout = nil
        flows.insert(bad, at: 100)
        let r = try client.createBatch(flows)
        XCTAssertEqual(r.attempted, 3003)
        XCTAssertEqual(r.failures, [.init(index: 100, errno: EINVAL), .init(index: 1501, errno: EEXIST),
                                    .init(index: 2501, errno: EEXIST)])
        XCTAssertEqual(try client.count(), 3000)
        XCTAssertEqual(try toolList().count, 3000)
    }
}
