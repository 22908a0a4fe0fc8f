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
}
