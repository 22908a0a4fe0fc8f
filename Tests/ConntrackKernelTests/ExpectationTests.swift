import Foundation
import XCTest
import Conntrack
import ConntrackKernel
import ConntrackTestSupport

/// Expectations need a master with a helper: the FTP helper is attached through
/// ctnetlink (`CTA_HELP` "ftp") when the master is created.
final class ExpectationTests: KernelTestCase {
    let client4 = IPAddress("10.50.0.1")!, server4 = IPAddress("10.50.0.2")!

    func makeMaster(port: UInt16 = 40000) throws -> Flow {
        let t = Tuple(source: client4, destination: server4, protocol: IPProtocol.tcp, sourcePort: port, destinationPort: 21)
        var f = Flow(original: t, reply: t.inverted())
        f.timeout = 300
        f.status = [.seenReply, .assured]
        f.protoInfo = .tcp(TCPInfo(state: TCPState.established.rawValue))
        f.helper = "ftp"
        try client.create(f)
        return f
    }

    func expectation(master: Flow, port: UInt16) -> Expectation {
        let tuple = Tuple(source: server4, destination: client4, protocol: IPProtocol.tcp, sourcePort: 0, destinationPort: port)
        let mask = Tuple(source: IPAddress(ipv4: 0xffff_ffff), destination: IPAddress(ipv4: 0xffff_ffff),
                         protocol: IPProtocol.tcp, sourcePort: 0, destinationPort: 0xffff)
        var e = Expectation(master: master.original, tuple: tuple, mask: mask)
        e.timeout = 200
        return e
    }

    func testCreateListGetDeleteFlushExpectations() throws {
        // Expectation events need the master's event extension, which (with
        // nf_conntrack_events=2) exists only if a listener was there when it was created.
        let sub = try EventSubscription(groups: .expectations, networkNamespace: ns.name)
        // The FTP helper allows one expectation per master (policy max_expected 1):
        // a second one would evict the first, so each gets its own master.
        let master = try makeMaster()
        let master2 = try makeMaster(port: 40001)
        XCTAssertEqual(try client.get(original: master.original, family: .ipv4).helper, "ftp")
        try client.createExpectation(expectation(master: master, port: 5001))
        try client.createExpectation(expectation(master: master2, port: 5002))
        let list = try client.listExpectations()
        XCTAssertEqual(list.map(\.tuple.destinationPort).sorted(), [5001, 5002])
        let e = try XCTUnwrap(list.first { $0.tuple.destinationPort == 5001 })
        XCTAssertEqual(e.master, master.original)
        XCTAssertEqual(e.helper, "ftp")
        XCTAssertEqual(e.mask.source, IPAddress(ipv4: 0xffff_ffff))
        XCTAssertEqual(e.mask.destinationPort, 0xffff)
        // The helper's policy timeout (FTP: 300 s) wins over CTA_EXPECT_TIMEOUT.
        XCTAssertLessThanOrEqual(e.timeout ?? 999, 300)
        // The real tool sees the same expectations.
        let tool = try conntrack(["-L", "expect"]).stdout
        XCTAssertTrue(tool.contains("proto=6 src=10.50.0.2 dst=10.50.0.1 sport=0 dport=5001 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=10.50.0.1 master-dst=10.50.0.2 sport=40000 dport=21"), tool)
        let got = try client.getExpectation(tuple: e.tuple, family: .ipv4)
        XCTAssertEqual(got.id, e.id)
        assertErrno(EEXIST) { try self.client.createExpectation(self.expectation(master: master, port: 5001)) }
        assertErrno(ENOENT) { try self.client.deleteExpectation(tuple: e.tuple, id: (e.id ?? 0) &+ 1, family: .ipv4) }
        try client.deleteExpectation(tuple: e.tuple, id: e.id, family: .ipv4)
        assertErrno(ENOENT) { _ = try self.client.getExpectation(tuple: e.tuple, family: .ipv4) }
        XCTAssertEqual(try client.listExpectations().count, 1)
        try client.flushExpectations()
        XCTAssertEqual(try client.listExpectations(), [])
        let stats = try client.expectationStatistics()
        XCTAssertEqual(stats.count, sysconf(Int32(_SC_NPROCESSORS_CONF)))
        XCTAssertEqual(stats.map(\.create).reduce(0, +), 2)
        // Events: two NEW, two DESTROY, all caused by this client.
        var types: [EventType] = []
        while try sub.receive(timeoutMilliseconds: 200, { element in
            if case .expectation(let x) = element {
                types.append(x.type)
                XCTAssertEqual(x.portID, self.client.portID)
            }
        }) {}
        XCTAssertEqual(types, [.new, .new, .destroy, .destroy])
    }

    func testExpectationErrors() throws {
        // No such master.
        let ghost = Tuple(source: client4, destination: server4, protocol: IPProtocol.tcp, sourcePort: 1, destinationPort: 21)
        var g = Flow(original: ghost, reply: ghost.inverted())
        g.timeout = 1
        assertErrno(ENOENT) { try self.client.createExpectation(self.expectation(master: g, port: 1)) }
        // A master without helper cannot have expectations.
        try client.create(g)
        assertErrno(EOPNOTSUPP) { try self.client.createExpectation(self.expectation(master: g, port: 1)) }
        // Unknown helper on create.
        var h = flow(tcp("10.50.1.1", "10.50.1.2", 1, 2))
        h.helper = "no-such-helper"
        assertErrno(EOPNOTSUPP) { try self.client.create(h) }
    }

    /// An FTP session through DNAT (client -> 127.0.0.2:21, DNAT to 127.0.0.1:21): nf_nat_ftp
    /// registers the data expectation with NAT data and the "follow master" function, so the
    /// kernel sends every CTA_EXPECT_* attribute but ZONE (ctnetlink_exp_dump_expect never
    /// puts CTA_EXPECT_ZONE). Expected values from net/netfilter/nf_nat_ftp.c: `exp->dir =
    /// !dir` of the `227` reply (REPLY) = ORIGINAL (0); `saved_proto` = the announced port,
    /// `saved_addr` untouched (0.0.0.0); `expectfn` = nf_nat_follow_master, registered as
    /// "nat-follow-master" (nf_nat_core.c).
    func testNATHelperExpectationCarriesNATDirectionTupleAndFunction() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/sbin/nft")
                          || FileManager.default.isExecutableFile(atPath: "/usr/bin/nft"), "needs nft")
        let sub = try EventSubscription(groups: [.new, .expNew, .expDestroy], networkNamespace: ns.name)
        try ns.nft("""
            table ip t {
                ct helper ftph { type "ftp" protocol tcp; }
                chain out { type filter hook output priority 0; tcp dport 21 ct helper set "ftph"; }
                chain natout { type nat hook output priority -100; ip daddr 127.0.0.2 tcp dport 21 dnat to 127.0.0.1; }
            }

            """)
        let script = NSTemporaryDirectory() + "ctk-ftp-nat-\(getpid()).py"
        try """
        import socket, time, threading
        srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", 21)); srv.listen(1)
        def serve():
            c, _ = srv.accept(); c.sendall(b"220 hi\\r\\n"); c.recv(100)
            c.sendall(b"227 Entering Passive Mode (127,0,0,1,195,84).\\r\\n"); time.sleep(1)
        threading.Thread(target=serve, daemon=True).start()
        cl = socket.socket(); cl.bind(("127.0.0.1", 40031)); cl.settimeout(5); cl.connect(("127.0.0.2", 21))
        cl.recv(100); cl.sendall(b"PASV\\r\\n"); cl.recv(100); time.sleep(0.1)

        """.write(toFile: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: script) }
        try ns.runChecked(["python3", script])

        var expectations: [ExpectationEvent] = []
        var masters: [Flow] = []
        while try sub.receive(timeoutMilliseconds: 300, { element in
            switch element {
            case .expectation(let x): expectations.append(x)
            case .event(let e) where e.flow.original.destinationPort == 21: masters.append(e.flow)
            default: break
            }
        }) {}
        let new = try XCTUnwrap(expectations.first { $0.type == .new }, "no expectation event: \(expectations)")
        let any = IPAddress(ipv4: 0)
        for e in [new.expectation] + (try client.listExpectations()) {
            // 195 * 256 + 84 = 50004; the client dialled 127.0.0.2, so that is where the data
            // connection is expected.
            XCTAssertEqual(e.tuple, Tuple(source: v4("127.0.0.1"), destination: v4("127.0.0.2"), protocol: IPProtocol.tcp,
                                          sourcePort: 0, destinationPort: 50004))
            XCTAssertEqual(e.master, tcp("127.0.0.1", "127.0.0.2", 40031, 21))
            XCTAssertEqual(e.natDirection, 0)
            XCTAssertEqual(e.natTuple, Tuple(source: any, destination: any, protocol: IPProtocol.tcp,
                                             sourcePort: 50004, destinationPort: 0))
            XCTAssertEqual(e.function, "nat-follow-master")
            XCTAssertEqual(e.flags, ExpectationFlags(rawValue: 0))
            XCTAssertEqual(e.expectClass, 0)
            XCTAssertEqual(e.helper, "ftp")
            XCTAssertNil(e.zone)
            XCTAssertNotNil(e.id)
            XCTAssertLessThanOrEqual(e.timeout ?? 999, 300)
        }
        // The master's CTA_HELP: the name, and no CTA_HELP_INFO (ftp has no to_nlattr).
        let master = try client.get(original: tcp("127.0.0.1", "127.0.0.2", 40031, 21), family: .ipv4)
        XCTAssertEqual(master.helper, "ftp")
        XCTAssertNil(master.helperInfo)
        XCTAssertEqual(masters.first?.helper, "ftp", "NEW event of the master: \(masters)")
        // The real tool prints none of the NAT data (libnetfilter_conntrack's expectation
        // text has no field for it): our text must be the same line.
        var ours: [UInt8] = []
        new.expectation.appendText(to: &ours, event: nil)
        let tool = try conntrack(["-L", "expect"]).stdout
        XCTAssertEqual(dropTimeout(tool), dropTimeout(String(decoding: ours, as: UTF8.self) + "\n"))
    }

    /// Flags, function and NAT data given on create come back from the kernel (which drops
    /// NF_CT_EXPECT_USERSPACE: ctnetlink_alloc_expect clears it), and our text matches the
    /// real tool's `-L expect` line (`PERMANENT,INACTIVE class=0 helper=ftp`).
    func testFlagsFunctionAndNATComeBackFromTheKernel() throws {
        let master = try makeMaster(port: 40002)
        var e = expectation(master: master, port: 5003)
        e.flags = [.permanent, .inactive, .userspace]
        e.function = "nat-follow-master"
        e.natDirection = 1
        e.natTuple = Tuple(source: v4("10.60.0.9"), destination: IPAddress(ipv4: 0), protocol: IPProtocol.tcp,
                           sourcePort: 6003, destinationPort: 0)
        try client.createExpectation(e)
        let got = try XCTUnwrap(try client.listExpectations().first)
        XCTAssertEqual(got.flags, [.permanent, .inactive])
        XCTAssertEqual(got.function, "nat-follow-master")
        XCTAssertEqual(got.natDirection, 1)
        XCTAssertEqual(got.natTuple, e.natTuple)
        var ours: [UInt8] = []
        got.appendText(to: &ours, event: nil)
        let tool = try conntrack(["-L", "expect"]).stdout
        XCTAssertTrue(tool.contains("PERMANENT,INACTIVE class=0 helper=ftp"), tool)
        XCTAssertEqual(dropTimeout(tool), dropTimeout(String(decoding: ours, as: UTF8.self) + "\n"))
    }

    /// An expectation line without its leading timeout, which ticks between two reads.
    func dropTimeout(_ line: String) -> String {
        String(line.drop { $0 != " " })
    }
}
