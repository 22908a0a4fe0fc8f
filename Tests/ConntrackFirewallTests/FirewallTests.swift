import XCTest
import PacketBuilder
@testable import ConntrackEngine
@testable import ConntrackFirewall
import ConntrackRuleset

/// The router pipeline with hand-built rulesets (the parser has its own tests). Expected
/// packets are built independently by PacketBuilder (full checksums), and expected tuples
/// and status bits come from the reference (kernel-conntrack.md §9, live observations).
final class FirewallTests: XCTestCase {
    let a = IPAddress("10.77.1.2")!       // client, behind lan0
    let b = IPAddress("10.77.2.2")!       // server, behind wan0
    let rLan = IPAddress("10.77.1.1")!
    let rWan = IPAddress("10.77.2.1")!
    let loc = SourceLocation(file: "t.nft", line: 1, column: 1)

    var router: RouterModel {
        RouterModel(interfaces: [
            .init(name: "lan0", addresses: [rLan], prefixLengths: [24]),
            .init(name: "wan0", addresses: [rWan], prefixLengths: [24]),
        ])
    }

    func natTable(_ rules: [Rule], hook: ChainHook = .postrouting, family: TableFamily = .ip) -> Table {
        Table(family: family, name: "nat", chains: [
            Chain(name: "c", base: BaseChain(type: .nat, hook: hook, priority: hook == .postrouting ? 100 : -100),
                  rules: rules, location: loc),
        ])
    }

    func rule(_ m: [Match], _ s: [Statement]) -> Rule { Rule(matches: m, statements: s, location: loc, text: "") }

    func firewall(_ tables: [Table]) throws -> Firewall {
        try Firewall(ruleset: Ruleset(tables: tables), router: router, tracker: Tracker(seed: 1))
    }

    /// Runs `packet` in from interface `input`; returns the verdict and the bytes that leave.
    func run(_ fw: Firewall, _ packet: [UInt8], input: Int, at t: UInt64 = 1_000_000_000) -> (FirewallVerdict, [UInt8]) {
        var p = packet
        let v = p.withUnsafeMutableBytes { fw.process($0, now: t, input: input) }
        return (v, p)
    }

    /// The packet as the next hop sees it: TTL one lower (PacketBuilder's default is 64).
    var forwarded: IPOptions { var o = IPOptions(); o.ttl = 63; return o }

    func testMasqueradeRewritesBothDirections() throws {
        let fw = try firewall([natTable([rule([.interfaceName(input: false, negated: false, names: ["wan0"])],
                                              [.masquerade(NATSpec())])])])
        let syn = PacketBuilder.tcp(from: a, 44001, to: b, 6201, seq: 1, flags: .syn)
        let (v1, out1) = run(fw, syn, input: 0)
        XCTAssertEqual(v1.disposition, .forwarded)
        XCTAssertEqual(v1.outputInterface, 1)
        XCTAssertTrue(v1.translated)
        XCTAssertEqual(out1, PacketBuilder.tcp(from: rWan, 44001, to: b, 6201, seq: 1, flags: .syn, ip: forwarded))
        // Reference §9.1 [live]: reply src=B dst=10.77.2.1 sport=6201 dport=44001
        let f = try XCTUnwrap(fw.tracker.flow(matching: Tuple(source: a, destination: b, protocol: 6, sourcePort: 44001,
                                                              destinationPort: 6201), now: 1_000_000_000))
        XCTAssertEqual(f.reply, Tuple(source: b, destination: rWan, protocol: 6, sourcePort: 6201, destinationPort: 44001))
        // CONFIRMED | SRC_NAT | SRC_NAT_DONE | DST_NAT_DONE (the DNAT hook made a null binding)
        XCTAssertEqual(f.status?.rawValue, 0x8 | 0x10 | 0x80 | 0x100)
        let synack = PacketBuilder.tcp(from: b, 6201, to: rWan, 44001, seq: 100, ack: 2, flags: [.syn, .ack])
        let (v2, out2) = run(fw, synack, input: 1, at: 1_100_000_000)
        XCTAssertEqual(v2.disposition, .forwarded)
        XCTAssertEqual(v2.outputInterface, 0)
        XCTAssertEqual(v2.conntrack.direction, .reply)
        XCTAssertEqual(out2, PacketBuilder.tcp(from: b, 6201, to: a, 44001, seq: 100, ack: 2, flags: [.syn, .ack], ip: forwarded))
    }

    func testDNATWithPortAndNullBindings() throws {
        let fw = try firewall([natTable([rule([.port(proto: 6, field: .destination, negated: false, values: [ValueRange(8082)])],
                                              [.dnat(NATSpec(addresses: AddressRange(b), ports: ValueRange(5080)))])],
                                        hook: .prerouting)])
        let syn = PacketBuilder.tcp(from: a, 44004, to: rLan, 8082, seq: 7, flags: .syn)
        let (v, out) = run(fw, syn, input: 0)
        XCTAssertEqual(v.disposition, .forwarded)
        XCTAssertEqual(out, PacketBuilder.tcp(from: a, 44004, to: b, 5080, seq: 7, flags: .syn, ip: forwarded))
        let f = try XCTUnwrap(fw.tracker.flow(matching: Tuple(source: a, destination: rLan, protocol: 6, sourcePort: 44004,
                                                              destinationPort: 8082), now: 1_000_000_000))
        XCTAssertEqual(f.reply, Tuple(source: b, destination: a, protocol: 6, sourcePort: 5080, destinationPort: 44004))
        XCTAssertEqual(f.status?.rawValue, 0x8 | 0x20 | 0x80 | 0x100)
        let reply = PacketBuilder.tcp(from: b, 5080, to: a, 44004, seq: 9, ack: 8, flags: [.syn, .ack])
        let (_, back) = run(fw, reply, input: 1, at: 1_000_100_000)
        XCTAssertEqual(back, PacketBuilder.tcp(from: rLan, 8082, to: a, 44004, seq: 9, ack: 8, flags: [.syn, .ack], ip: forwarded))
    }

    /// Reference §9.3 [live]: a clashing source port keeps its class: 80 -> 1...511,
    /// 700 -> 600...1023, 44002 -> 1024...65535.
    func testSNATPortClashKeepsPortClass() throws {
        let c2 = IPAddress("10.77.1.3")!
        let fw = try firewall([natTable([rule([], [.snat(NATSpec(addresses: AddressRange(rWan)))])])])
        for (port, range) in [(UInt16(80), UInt16(1)...511), (700, 600...1023), (44002, 1024...65535)] {
            _ = run(fw, PacketBuilder.udp(from: a, port, to: b, 53, payload: [1]), input: 0)
            let (v, out) = run(fw, PacketBuilder.udp(from: c2, port, to: b, 53, payload: [1]), input: 0)
            XCTAssertEqual(v.disposition, .forwarded)
            let newPort = UInt16(out[20]) << 8 | UInt16(out[21])
            XCTAssertNotEqual(newPort, port)
            XCTAssertTrue(range.contains(newPort), "\(port) -> \(newPort)")
            XCTAssertEqual(out, PacketBuilder.udp(from: rWan, newPort, to: b, 53, payload: [1], ip: forwarded))
        }
    }

    /// Reference §9.4 [live]: B's port unreachable for a masqueraded flow reaches A with the
    /// outer destination and the quoted source translated back.
    func testICMPErrorThroughMasquerade() throws {
        let fw = try firewall([natTable([rule([], [.masquerade(NATSpec())])])])
        let udp = PacketBuilder.udp(from: a, 44010, to: b, 6210, payload: [1, 2, 3])
        let (_, sent) = run(fw, udp, input: 0)
        let err = PacketBuilder.icmpError(from: b, to: rWan, type: 3, code: 3, quoting: sent)
        let (v, out) = run(fw, err, input: 1, at: 1_000_200_000)
        XCTAssertEqual(v.conntrack.state, .related)
        XCTAssertEqual(v.disposition, .forwarded)
        var quotedAsSentByA = IPOptions(); quotedAsSentByA.ttl = 63
        let expectedQuote = PacketBuilder.udp(from: a, 44010, to: b, 6210, payload: [1, 2, 3], ip: quotedAsSentByA)
        XCTAssertEqual(out, PacketBuilder.icmpError(from: b, to: a, type: 3, code: 3, quoting: expectedQuote, ip: forwarded))
    }

    func testFilterPolicyDropAndCtStateAndCounters() throws {
        let filter = Table(family: .inet, name: "f", chains: [
            Chain(name: "fwd", base: BaseChain(type: .filter, hook: .forward, priority: 0, policy: .drop), rules: [
                rule([.ctState(negated: false, states: [.established, .related])], [.counter(packets: 0, bytes: 0), .accept]),
                rule([.interfaceName(input: true, negated: false, names: ["lan*"])], [.counter(packets: 0, bytes: 0), .accept]),
            ], location: loc),
        ])
        let fw = try firewall([filter])
        // From wan: new, dropped by policy; no entry confirmed.
        let (v0, _) = run(fw, PacketBuilder.udp(from: b, 1000, to: a, 2000), input: 1)
        XCTAssertEqual(v0.disposition, .dropped)
        XCTAssertEqual(v0.decidedBy, RuleReference(table: 0, chain: 0, rule: -1))
        XCTAssertEqual(fw.tracker.count, 0)
        // From lan: accepted by rule 1, then the reply by rule 0.
        let (v1, _) = run(fw, PacketBuilder.udp(from: a, 2000, to: b, 1000), input: 0)
        XCTAssertEqual(v1.disposition, .forwarded)
        XCTAssertEqual(v1.decidedBy, RuleReference(table: 0, chain: 0, rule: 1))
        let (v2, _) = run(fw, PacketBuilder.udp(from: b, 1000, to: a, 2000), input: 1)
        XCTAssertEqual(v2.disposition, .forwarded)
        XCTAssertEqual(v2.conntrack.state, .established)
        XCTAssertEqual(fw.counter(RuleReference(table: 0, chain: 0, rule: 0))?.packets, 1)
        XCTAssertEqual(fw.counter(RuleReference(table: 0, chain: 0, rule: 0))?.bytes, 28)
        XCTAssertEqual(fw.counter(RuleReference(table: 0, chain: 0, rule: 1))?.packets, 1)
        XCTAssertEqual(fw.tracker.count, 1)
    }

    func testNoNATChainsMeansNoNATDoneBits() throws {
        let fw = try firewall([])
        _ = run(fw, PacketBuilder.udp(from: a, 1, to: b, 2), input: 0)
        let f = try XCTUnwrap(fw.tracker.flow(matching: Tuple(source: a, destination: b, protocol: 17, sourcePort: 1,
                                                              destinationPort: 2), now: 1_000_000_000))
        XCTAssertEqual(f.status?.rawValue, 0x8)
    }

    func testHopLimitExceededIsDropped() throws {
        let fw = try firewall([])
        var o = IPOptions(); o.ttl = 1
        let (v, _) = run(fw, PacketBuilder.udp(from: a, 1, to: b, 2, ip: o), input: 0)
        XCTAssertEqual(v.disposition, .dropped)
        XCTAssertEqual(fw.tracker.count, 0)
    }

    /// The kernel's address choice for a range (`find_best_ips_proto`) is jhash2 of the
    /// source seeded with the destination's last word; persistent drops the destination.
    func testJhash2MatchesLookup3() {
        // lookup3 hashword reference values (Bob Jenkins' driver: hashword of an empty key).
        XCTAssertEqual(TrackerCore.jhash2([], initval: 0), 0xdeadbeef)
        XCTAssertEqual(TrackerCore.jhash2([], initval: 0xdeadbeef), 0xbd5b7dde)
    }
}

/// FTP and TFTP helpers: expectations and RELATED data connections (reference §8.3, §8.4).
final class HelperTests: XCTestCase {
    let a = IPAddress("10.77.1.2")!
    let b = IPAddress("10.77.2.2")!
    let loc = SourceLocation(file: "t.nft", line: 1, column: 1)

    func firewall(helper: String, proto: UInt8, port: UInt16) throws -> Firewall {
        let t = Table(family: .inet, name: "h", chains: [
            Chain(name: "fwd", base: BaseChain(type: .filter, hook: .forward, priority: 0), rules: [
                Rule(matches: [.port(proto: proto, field: .destination, negated: false, values: [ValueRange(UInt32(port))])],
                     statements: [.setCTHelper("h1")], location: loc, text: ""),
            ], location: loc),
        ], helpers: [HelperObject(name: "h1", type: helper, l4proto: proto)])
        let router = RouterModel(interfaces: [
            .init(name: "lan0", addresses: [IPAddress("10.77.1.1")!], prefixLengths: [24]),
            .init(name: "wan0", addresses: [IPAddress("10.77.2.1")!], prefixLengths: [24]),
        ])
        return try Firewall(ruleset: Ruleset(tables: [t]), router: router, tracker: Tracker(seed: 3))
    }

    func send(_ fw: Firewall, _ p: [UInt8], from side: Int, at t: UInt64) -> FirewallVerdict {
        var p = p
        return p.withUnsafeMutableBytes { fw.process($0, now: t, input: side) }
    }

    func testFTPPassiveCreatesExpectationAndRelatedConnection() throws {
        let fw = try firewall(helper: "ftp", proto: 6, port: 21)
        var t: UInt64 = 1_000_000_000
        func step(_ p: [UInt8], _ side: Int) -> FirewallVerdict { t += 1_000_000; return send(fw, p, from: side, at: t) }
        _ = step(PacketBuilder.tcp(from: a, 40000, to: b, 21, seq: 100, flags: .syn), 0)
        _ = step(PacketBuilder.tcp(from: b, 21, to: a, 40000, seq: 500, ack: 101, flags: .synAck), 1)
        _ = step(PacketBuilder.tcp(from: a, 40000, to: b, 21, seq: 101, ack: 501, flags: .ack), 0)
        let hi = Array("220 hi\r\n".utf8)
        _ = step(PacketBuilder.tcp(from: b, 21, to: a, 40000, seq: 501, ack: 101, flags: [.psh, .ack], payload: hi), 1)
        let pasv = Array("PASV\r\n".utf8)
        _ = step(PacketBuilder.tcp(from: a, 40000, to: b, 21, seq: 101, ack: 509, flags: [.psh, .ack], payload: pasv), 0)
        XCTAssertEqual(fw.tracker.expectationCount, 0)
        let reply = Array("227 Entering Passive Mode (10,77,2,2,195,80).\r\n".utf8)
        let v = step(PacketBuilder.tcp(from: b, 21, to: a, 40000, seq: 509, ack: 107, flags: [.psh, .ack], payload: reply), 1)
        XCTAssertEqual(v.disposition, .forwarded)
        var exps: [Expectation] = []
        fw.tracker.forEachExpectation(now: t) { exps.append($0) }
        XCTAssertEqual(exps.count, 1)
        let e = try XCTUnwrap(exps.first)
        // Reference §8.3 [live] line shape: src=client dst=server sport=0 dport=port, masks, master, helper=ftp
        XCTAssertEqual(e.tuple, Tuple(source: a, destination: b, protocol: 6, sourcePort: 0, destinationPort: 50000))
        XCTAssertEqual(e.mask.sourcePort, 0)
        XCTAssertEqual(e.mask.destinationPort, 0xffff)
        XCTAssertEqual(e.master, Tuple(source: a, destination: b, protocol: 6, sourcePort: 40000, destinationPort: 21))
        XCTAssertEqual(e.helper, "ftp")
        XCTAssertEqual(e.timeout, 300)
        // The data connection is RELATED, EXPECTED, with the master tuple; the expectation is used up.
        let d = step(PacketBuilder.tcp(from: a, 40001, to: b, 50000, seq: 7, flags: .syn), 0)
        XCTAssertEqual(d.conntrack.state, .related)
        XCTAssertEqual(d.disposition, .forwarded)
        XCTAssertEqual(fw.tracker.expectationCount, 0)
        let f = try XCTUnwrap(fw.tracker.flow(matching: Tuple(source: a, destination: b, protocol: 6, sourcePort: 40001,
                                                              destinationPort: 50000), now: t))
        XCTAssertTrue(f.status?.contains(.expected) ?? false)
        XCTAssertEqual(f.master, e.master)
        let m = try XCTUnwrap(fw.tracker.flow(matching: e.master, now: t))
        XCTAssertEqual(m.helper, "ftp")
        var events: [EventType] = []
        fw.tracker.drainExpectationEvents { events.append($0.type) }
        XCTAssertEqual(events, [.new, .destroy])
    }

    /// The first line of a direction is not parsed (no newline seen before it) [live].
    func testFirstCommandLineIsNotParsed() throws {
        let fw = try firewall(helper: "ftp", proto: 6, port: 21)
        var t: UInt64 = 1_000_000_000
        func step(_ p: [UInt8], _ side: Int) -> FirewallVerdict { t += 1_000_000; return send(fw, p, from: side, at: t) }
        _ = step(PacketBuilder.tcp(from: a, 40000, to: b, 21, seq: 100, flags: .syn), 0)
        _ = step(PacketBuilder.tcp(from: b, 21, to: a, 40000, seq: 500, ack: 101, flags: .synAck), 1)
        _ = step(PacketBuilder.tcp(from: a, 40000, to: b, 21, seq: 101, ack: 501, flags: .ack), 0)
        let port = Array("PORT 10,77,1,2,156,64\r\n".utf8)
        _ = step(PacketBuilder.tcp(from: a, 40000, to: b, 21, seq: 101, ack: 501, flags: [.psh, .ack], payload: port), 0)
        XCTAssertEqual(fw.tracker.expectationCount, 0)
        _ = step(PacketBuilder.tcp(from: a, 40000, to: b, 21, seq: 101 + UInt32(port.count), ack: 501, flags: [.psh, .ack],
                                   payload: port), 0)
        var exps: [Expectation] = []
        fw.tracker.forEachExpectation(now: t) { exps.append($0) }
        // Active mode: the server connects from anywhere to the client's port 40000.
        XCTAssertEqual(exps.map(\.tuple), [Tuple(source: b, destination: a, protocol: 6, sourcePort: 0, destinationPort: 40000)])
    }

    func testTFTPReadRequestExpectsTheServerReply() throws {
        let fw = try firewall(helper: "tftp", proto: 17, port: 69)
        let rrq: [UInt8] = [0, 1] + Array("file\0octet\0".utf8)
        let v = send(fw, PacketBuilder.udp(from: a, 3000, to: b, 69, payload: rrq), from: 0, at: 1_000_000_000)
        XCTAssertEqual(v.disposition, .forwarded)
        var exps: [Expectation] = []
        fw.tracker.forEachExpectation(now: 1_000_000_000) { exps.append($0) }
        XCTAssertEqual(exps.map(\.tuple), [Tuple(source: b, destination: a, protocol: 17, sourcePort: 0, destinationPort: 3000)])
        let data = send(fw, PacketBuilder.udp(from: b, 4000, to: a, 3000, payload: [0, 3, 0, 1]), from: 1, at: 1_001_000_000)
        XCTAssertEqual(data.conntrack.state, .related)
    }
}

/// nf_nat_ftp: commands rewritten through NAT, sequence numbers adjusted afterwards.
final class FTPNATTests: XCTestCase {
    let a = IPAddress("10.77.1.2")!
    let b = IPAddress("10.77.2.2")!
    let wan = IPAddress("10.77.2.100")!   // longer than A's address: the PORT command grows by 2
    let loc = SourceLocation(file: "t.nft", line: 1, column: 1)

    func testActiveFTPThroughMasqueradeRewritesPORTAndAdjustsSequences() throws {
        let helper = Table(family: .ip, name: "h", chains: [
            Chain(name: "fwd", base: BaseChain(type: .filter, hook: .forward, priority: 0), rules: [
                Rule(matches: [.port(proto: 6, field: .destination, negated: false, values: [ValueRange(21)])],
                     statements: [.setCTHelper("ftp")], location: loc, text: ""),
            ], location: loc),
            Chain(name: "post", base: BaseChain(type: .nat, hook: .postrouting, priority: 100), rules: [
                Rule(matches: [.interfaceName(input: false, negated: false, names: ["wan0"])],
                     statements: [.masquerade(NATSpec())], location: loc, text: ""),
            ], location: loc),
        ], helpers: [HelperObject(name: "ftp", type: "ftp", l4proto: 6)])
        let router = RouterModel(interfaces: [
            .init(name: "lan0", addresses: [IPAddress("10.77.1.1")!], prefixLengths: [24]),
            .init(name: "wan0", addresses: [wan], prefixLengths: [24]),
        ])
        let fw = try Firewall(ruleset: Ruleset(tables: [helper]), router: router, tracker: Tracker(seed: 5))
        var fwd = IPOptions(); fwd.ttl = 63
        var t: UInt64 = 1_000_000_000
        func step(_ p: [UInt8], _ side: Int) -> (FirewallVerdict, [UInt8]) {
            t += 1_000_000
            var buf = p + [UInt8](repeating: 0, count: 64)
            var len = p.count
            let v = buf.withUnsafeMutableBytes { fw.process($0, length: &len, now: t, input: side) }
            return (v, Array(buf[..<len]))
        }
        _ = step(PacketBuilder.tcp(from: a, 40000, to: b, 21, seq: 100, flags: .syn), 0)
        _ = step(PacketBuilder.tcp(from: b, 21, to: wan, 40000, seq: 500, ack: 101, flags: .synAck), 1)
        _ = step(PacketBuilder.tcp(from: a, 40000, to: b, 21, seq: 101, ack: 501, flags: .ack), 0)
        let user = Array("USER x\r\n".utf8)
        _ = step(PacketBuilder.tcp(from: a, 40000, to: b, 21, seq: 101, ack: 501, flags: [.psh, .ack], payload: user), 0)
        let port = Array("PORT 10,77,1,2,156,64\r\n".utf8)
        let (v, out) = step(PacketBuilder.tcp(from: a, 40000, to: b, 21, seq: 109, ack: 501, flags: [.psh, .ack],
                                              payload: port), 0)
        XCTAssertEqual(v.disposition, .forwarded)
        // The command now names the router's address (nf_nat_ftp_fmt_cmd: "%u,%u,%u,%u,%u,%u").
        let rewritten = Array("PORT 10,77,2,100,156,64\r\n".utf8)
        XCTAssertEqual(out, PacketBuilder.tcp(from: wan, 40000, to: b, 21, seq: 109, ack: 501, flags: [.psh, .ack],
                                              payload: rewritten, ip: fwd))
        var exps: [Expectation] = []
        fw.tracker.forEachExpectation(now: t) { exps.append($0) }
        XCTAssertEqual(exps.map(\.tuple), [Tuple(source: b, destination: wan, protocol: 6, sourcePort: 0, destinationPort: 40000)])
        XCTAssertEqual(exps.first?.function, "nat-follow-master")
        let master = try XCTUnwrap(fw.tracker.flow(matching: Tuple(source: a, destination: b, protocol: 6, sourcePort: 40000,
                                                                   destinationPort: 21), now: t))
        XCTAssertTrue(master.status?.contains(.seqAdjust) ?? false)
        // The server acks the longer command: A sees the ack moved back by 2.
        let ackLen = UInt32(109 + rewritten.count)
        let (_, back) = step(PacketBuilder.tcp(from: b, 21, to: wan, 40000, seq: 501, ack: ackLen, flags: .ack), 1)
        XCTAssertEqual(back, PacketBuilder.tcp(from: b, 21, to: a, 40000, seq: 501, ack: ackLen - 2, flags: .ack, ip: fwd))
        // A's next segment moves forward by 2.
        let list = Array("LIST\r\n".utf8)
        let (_, next) = step(PacketBuilder.tcp(from: a, 40000, to: b, 21, seq: 109 + UInt32(port.count), ack: 501,
                                               flags: [.psh, .ack], payload: list), 0)
        XCTAssertEqual(next, PacketBuilder.tcp(from: wan, 40000, to: b, 21, seq: ackLen, ack: 501, flags: [.psh, .ack],
                                               payload: list, ip: fwd))
        // The server's data connection to the router is sent on to A's port.
        let (d, data) = step(PacketBuilder.tcp(from: b, 20, to: wan, 40000, seq: 9000, flags: .syn), 1)
        XCTAssertEqual(d.conntrack.state, .related)
        XCTAssertEqual(data, PacketBuilder.tcp(from: b, 20, to: a, 40000, seq: 9000, flags: .syn, ip: fwd))
    }
}

final class MasqueradeInterfaceTests: XCTestCase {
    func testInterfaceDownFlushesItsMasqueradedEntriesOnly() throws {
        let loc = SourceLocation(file: "t.nft", line: 1, column: 1)
        let nat = Table(family: .ip, name: "nat", chains: [
            Chain(name: "post", base: BaseChain(type: .nat, hook: .postrouting, priority: 100), rules: [
                Rule(matches: [.interfaceName(input: false, negated: false, names: ["wan0"])],
                     statements: [.masquerade(NATSpec())], location: loc, text: ""),
            ], location: loc),
        ])
        let router = RouterModel(interfaces: [
            .init(name: "lan0", addresses: [IPAddress("10.77.1.1")!], prefixLengths: [24]),
            .init(name: "wan0", addresses: [IPAddress("10.77.2.1")!], prefixLengths: [24]),
            .init(name: "dmz0", addresses: [IPAddress("10.77.3.1")!], prefixLengths: [24]),
        ])
        let fw = try Firewall(ruleset: Ruleset(tables: [nat]), router: router, tracker: Tracker(seed: 9))
        var p1 = PacketBuilder.udp(from: IPAddress("10.77.1.2")!, 1000, to: IPAddress("10.77.2.2")!, 53)
        var p2 = PacketBuilder.udp(from: IPAddress("10.77.1.2")!, 1001, to: IPAddress("10.77.3.2")!, 53)
        _ = p1.withUnsafeMutableBytes { fw.process($0, now: 1_000_000_000, input: 0) }
        _ = p2.withUnsafeMutableBytes { fw.process($0, now: 1_000_000_000, input: 0) }
        XCTAssertEqual(fw.tracker.count, 2)
        XCTAssertEqual(fw.interfaceDown(1, now: 2_000_000_000), 1)
        XCTAssertEqual(fw.tracker.count, 1)
        var destroyed = 0
        fw.tracker.drainEvents { if $0.type == .destroy { destroyed += 1 } }
        XCTAssertEqual(destroyed, 1)
    }

    func testMasqueradeWithoutAnAddressDrops() throws {
        let loc = SourceLocation(file: "t.nft", line: 1, column: 1)
        let nat = Table(family: .ip, name: "nat", chains: [
            Chain(name: "post", base: BaseChain(type: .nat, hook: .postrouting, priority: 100), rules: [
                Rule(matches: [], statements: [.masquerade(NATSpec())], location: loc, text: ""),
            ], location: loc),
        ])
        let fw = try Firewall(ruleset: Ruleset(tables: [nat]), router: .passThrough, tracker: Tracker(seed: 9))
        var p = PacketBuilder.udp(from: IPAddress("10.77.1.2")!, 1000, to: IPAddress("10.77.2.2")!, 53)
        let v = p.withUnsafeMutableBytes { fw.process($0, now: 1_000_000_000, input: 0) }
        XCTAssertEqual(v.disposition, .dropped)
        XCTAssertEqual(fw.tracker.count, 0)
    }
}
