import Foundation
import XCTest
import Conntrack
import ConntrackKernel
import ConntrackTestSupport

/// Create, get, update, delete, flush, count against the real kernel; the real
/// `conntrack` tool is the judge of what is in the table.
final class ClientBasicsTests: KernelTestCase {
    func testCreateTCPIsSeenByTheRealTool() throws {
        var f = flow(tcp("10.0.0.1", "10.0.0.2", 40000, 80), timeout: 120)
        f.status = [.seenReply, .assured]
        f.mark = 0x2a
        f.protoInfo = .tcp(TCPInfo(state: TCPState.established.rawValue))
        try client.create(f)
        let lines = try toolList()
        XCTAssertEqual(lines.count, 1, "\(lines)")
        let l = lines.first ?? ""
        XCTAssertTrue(l.hasPrefix("tcp      6 "), l)
        XCTAssertTrue(l.contains(" ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=40000 dport=80 src=10.0.0.2 dst=10.0.0.1 sport=80 dport=40000 [ASSURED] mark=42 use=1"), l)
    }

    func testDumpDecodesWhatTheRealToolCreated() throws {
        try conntrack(["-I", "-p", "tcp", "-s", "192.168.1.1", "-d", "192.168.1.2", "--sport", "1234", "--dport", "22",
                       "--state", "SYN_SENT", "-t", "50", "-u", "SEEN_REPLY", "-m", "7", "-w", "3"])
        try conntrack(["-I", "-p", "udp", "-s", "fd00::1", "-d", "fd00::2", "--sport", "53", "--dport", "5353", "-t", "30"])
        let flows = try client.list()
        XCTAssertEqual(flows.count, 2)
        let t = try XCTUnwrap(flows.first { $0.proto == IPProtocol.tcp })
        XCTAssertEqual(t.original, tcp("192.168.1.1", "192.168.1.2", 1234, 22))
        XCTAssertEqual(t.reply, tcp("192.168.1.2", "192.168.1.1", 22, 1234))
        XCTAssertEqual(t.mark, 7)
        XCTAssertEqual(t.zone, 3)
        XCTAssertEqual(t.status, [.seenReply, .confirmed])
        XCTAssertEqual(t.protoInfo?.state, TCPState.synSent.rawValue)
        XCTAssertNotNil(t.id)
        XCTAssertEqual(t.use, 1)
        XCTAssertLessThanOrEqual(t.timeout ?? 0, 50)
        let u = try XCTUnwrap(flows.first { $0.proto == IPProtocol.udp })
        XCTAssertEqual(u.original.source, IPAddress("fd00::1"))
        XCTAssertEqual(u.original.family, .ipv6)
        XCTAssertEqual(u.original.sourcePort, 53)
        XCTAssertEqual(u.reply.destinationPort, 53)
        XCTAssertNil(u.zone)
    }

    func testCreateEveryProtocolAndGetBack() throws {
        let a4 = v4("10.1.0.1"), b4 = v4("10.1.0.2")
        let a6 = IPAddress("fd01::1")!, b6 = IPAddress("fd01::2")!
        var flows: [Flow] = []
        flows.append(flow(udp("10.1.0.1", "10.1.0.2", 1000, 2000)))
        // ICMP echo request (8/0) replies with echo reply (0/0)
        var icmp = Flow(original: .icmp(source: a4, destination: b4, type: 8, code: 0, id: 77),
                        reply: .icmp(source: b4, destination: a4, type: 0, code: 0, id: 77))
        icmp.timeout = 30
        flows.append(icmp)
        var icmp6 = Flow(original: .icmp(source: a6, destination: b6, type: 128, code: 0, id: 5),
                         reply: .icmp(source: b6, destination: a6, type: 129, code: 0, id: 5))
        icmp6.timeout = 30
        flows.append(icmp6)
        var sctp = flow(Tuple(source: a4, destination: b4, protocol: IPProtocol.sctp, sourcePort: 5000, destinationPort: 6000))
        sctp.protoInfo = .sctp(SCTPInfo(state: SCTPState.established.rawValue, vtagOriginal: 0x1111, vtagReply: 0x2222))
        flows.append(sctp)
        flows.append(flow(Tuple(source: a4, destination: b4, protocol: IPProtocol.gre, sourcePort: 10, destinationPort: 20)))
        flows.append(flow(Tuple(source: a6, destination: b6, protocol: 99)))
        for f in flows { try client.create(f) }
        XCTAssertEqual(try toolList().count, flows.count)
        XCTAssertEqual(try client.count(), UInt32(flows.count))
        for f in flows {
            let byOrig = try client.get(original: f.original, family: f.family)
            XCTAssertEqual(byOrig.original, f.original)
            XCTAssertEqual(byOrig.reply, f.reply)
            let byReply = try client.get(reply: f.reply, family: f.family)
            XCTAssertEqual(byReply.id, byOrig.id)
        }
        let s = try client.get(original: sctp.original, family: .ipv4)
        guard case .sctp(let info) = s.protoInfo else { return XCTFail("no SCTP protoinfo: \(s)") }
        XCTAssertEqual(info.state, SCTPState.established.rawValue)
        XCTAssertEqual(info.vtagOriginal, 0x1111)
        XCTAssertEqual(info.vtagReply, 0x2222)
        // The real tool agrees on the ICMPv6 tuple.
        let l = try conntrack(["-L", "-f", "ipv6", "-p", "icmpv6"]).stdout
        XCTAssertTrue(l.contains("src=fd01::1 dst=fd01::2 type=128 code=0 id=5 [UNREPLIED] src=fd01::2 dst=fd01::1 type=129 code=0 id=5"), l)
    }

    func testZoneTimeoutAndLabels() throws {
        var f = flow(udp("10.2.0.1", "10.2.0.2", 1, 2), timeout: 500)
        f.zone = 9
        try client.create(f)
        assertErrno(ENOENT) { _ = try self.client.get(original: f.original, family: .ipv4) }
        let got = try client.get(original: f.original, zone: 9, family: .ipv4)
        XCTAssertEqual(got.zone, 9)
        XCTAssertGreaterThan(got.timeout ?? 0, 400)
        let l = try toolList().joined()
        XCTAssertTrue(l.contains("zone=9"), l)
    }

    func testUpdateMarkWithMaskTimeoutAndStatus() throws {
        var f = flow(tcp("10.3.0.1", "10.3.0.2", 3333, 443), timeout: 100)
        f.mark = 0xff00
        f.protoInfo = .tcp(TCPInfo(state: TCPState.established.rawValue))
        try client.create(f)
        var u = Flow(original: f.original, reply: f.reply)
        u.mark = 0x0012
        u.markMask = 0x00ff
        try client.update(u)
        XCTAssertEqual(try client.get(original: f.original, family: .ipv4).mark, 0xff12)
        var t = Flow(original: f.original, reply: f.reply)
        t.timeout = 9000
        t.status = [.confirmed, .seenReply, .assured]
        try client.update(t)
        let got = try client.get(original: f.original, family: .ipv4)
        XCTAssertGreaterThan(got.timeout ?? 0, 8000)
        XCTAssertEqual(got.status, [.confirmed, .seenReply, .assured])
        XCTAssertTrue(try toolList().joined().contains("[ASSURED] mark=65298"))
        // Clearing ASSURED is refused.
        var c = Flow(original: f.original, reply: f.reply)
        c.status = [.confirmed]
        assertErrno(EBUSY) { try self.client.update(c) }
    }

    func testDeleteByTupleAndID() throws {
        let f = flow(udp("10.4.0.1", "10.4.0.2", 7, 8))
        try client.create(f)
        let id = try XCTUnwrap(client.get(original: f.original, family: .ipv4).id)
        assertErrno(ENOENT) { try self.client.delete(original: f.original, id: id &+ 1, family: .ipv4) }
        try client.delete(reply: f.reply, id: id, family: .ipv4)
        XCTAssertEqual(try toolList(), [])
        assertErrno(ENOENT) { try self.client.delete(original: f.original, family: .ipv4) }
    }

    func testFlushVersionZeroIgnoresFamilyAndVersionOneHonoursIt() throws {
        try client.create(flow(udp("10.5.0.1", "10.5.0.2", 1, 2)))
        try client.create(flow(Tuple(source: IPAddress("fd05::1")!, destination: IPAddress("fd05::2")!,
                                     protocol: IPProtocol.udp, sourcePort: 1, destinationPort: 2)))
        try client.flush(family: .ipv4, version: 1)
        let left = try client.list()
        XCTAssertEqual(left.map(\.family), [.ipv6])
        try client.create(flow(udp("10.5.0.1", "10.5.0.2", 1, 2)))
        try client.flush(family: .ipv4)   // version 0: the kernel flushes every family
        XCTAssertEqual(try client.count(), 0)
        XCTAssertEqual(try toolList(), [])
    }

    func testErrorsCarryTheKernelErrno() throws {
        let f = flow(udp("10.6.0.1", "10.6.0.2", 1, 2))
        try client.create(f)
        assertErrno(EEXIST) { try self.client.create(f) }
        // CREATE without EXCL updates the existing entry instead.
        var g = f
        g.mark = 5
        try client.create(g, flags: .create)
        XCTAssertEqual(try client.get(original: f.original, family: .ipv4).mark, 5)
        assertErrno(ENOENT) { _ = try self.client.get(original: self.udp("10.6.9.9", "10.6.0.2", 1, 2), family: .ipv4) }
        var noTimeout = f
        noTimeout.original.sourcePort = 99
        noTimeout.reply.destinationPort = 99
        noTimeout.timeout = nil
        assertErrno(EINVAL) { try self.client.create(noTimeout) }
        var nat = Flow(original: f.original, reply: f.reply)
        nat.natSource = NATRange(minAddress: v4("1.2.3.4"))
        assertErrno(EOPNOTSUPP) { try self.client.update(nat) }
    }

    func testDyingAndUnconfirmedDumps() throws {
        try client.create(flow(udp("10.8.0.1", "10.8.0.2", 1, 2)))
        XCTAssertEqual(try client.list(table: .dying), [])
        XCTAssertEqual(try client.list(table: .unconfirmed), [])
        XCTAssertEqual(try client.list(table: .conntrack).count, 1)
    }

    func testStatistics() throws {
        for i in 0..<3 { try client.create(flow(udp("10.7.0.1", "10.7.0.2", UInt16(i + 1), 2))) }
        let g = try client.globalStatistics()
        XCTAssertEqual(g.entries, 3)
        let max = try String(contentsOfFile: "/proc/sys/net/netfilter/nf_conntrack_max", encoding: .utf8)
        XCTAssertEqual(g.maxEntries.map(String.init), max.trimmingCharacters(in: .whitespacesAndNewlines))
        let cpus = try client.cpuStatistics()
        XCTAssertEqual(cpus.count, sysconf(Int32(_SC_NPROCESSORS_CONF)))
        // conntrack -S prints, per CPU, the counters this kernel sends: same names, same values for "insert".
        let tool = try conntrack(["-S"]).stdout.split(separator: "\n")
        XCTAssertEqual(tool.count, cpus.count)
        var toolInserts = 0
        for (line, s) in zip(tool, cpus) {
            XCTAssertTrue(line.hasPrefix("cpu=\(s.cpu) "), String(line))
            let toolNames = Set(line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                .compactMap { $0.split(separator: "=").first.map(String.init) })
            let ours = Set(CPUStatistics.names.filter { s[$0] != nil })
            XCTAssertTrue(toolNames.subtracting(["cpu"]).isSubset(of: ours), "\(toolNames) vs \(ours)")
            if let r = line.range(of: " insert=") {
                toolInserts += Int(line[r.upperBound...].prefix { $0.isNumber }) ?? 0
            }
        }
        XCTAssertEqual(cpus.compactMap { $0["insert"] }.reduce(0, +), UInt32(toolInserts))
        XCTAssertGreaterThanOrEqual(toolInserts, 3)
        XCTAssertNotNil(cpus.first?["clash_resolve"])
        XCTAssertNotNil(cpus.first?["chaintoolong"])
    }
}
