import XCTest
import PacketBuilder
@testable import ConntrackEngine
@testable import ConntrackFirewall
import ConntrackRuleset

/// Fragments through the router: defragmentation comes first (priority -400), so rules,
/// conntrack and NAT see the whole datagram, which leaves split along the original
/// fragments (found by the NAT differential suite: rules on ports missed fragmented
/// datagrams, NAT rewrote only the last fragment).
extension FirewallTests {
    func testFragmentedDatagramIsMatchedNATedAndRefragmented() throws {
        let filter = Table(family: .inet, name: "f", chains: [
            Chain(name: "fwd", base: BaseChain(type: .filter, hook: .forward, priority: 0, policy: .drop), rules: [
                rule([.port(proto: 17, field: .destination, negated: false, values: [ValueRange(53)])],
                     [.counter(packets: 0, bytes: 0), .accept]),
            ], location: loc),
        ])
        let fw = try firewall([filter, natTable([rule([], [.snat(NATSpec(addresses: AddressRange(rWan)))])])])
        var ip = IPOptions(); ip.identification = 0x5151
        let payload = (0..<2000).map { UInt8(truncatingIfNeeded: $0) }
        let whole = PacketBuilder.udp(from: a, 41000, to: b, 53, payload: payload, ip: ip)
        let frags = PacketBuilder.fragment(whole, payloadSize: 800)
        XCTAssertEqual(frags.count, 3)
        for f in frags.dropLast() {
            let (v, out) = run(fw, f, input: 0)
            XCTAssertEqual(v.disposition, .queued)
            XCTAssertEqual(out, f, "a queued fragment is left alone")
        }
        let (v, last) = run(fw, frags[2], input: 0)
        XCTAssertEqual(v.disposition, .forwarded)
        XCTAssertEqual(v.conntrack.state, .new)
        XCTAssertEqual(last, frags[2], "the completing fragment's own buffer is left alone")
        XCTAssertEqual(fw.counter(RuleReference(table: 0, chain: 0, rule: 0))?.packets, 1)
        XCTAssertEqual(fw.counter(RuleReference(table: 0, chain: 0, rule: 0))?.bytes, UInt64(whole.count))
        // The datagram as the next hop gets it: SNATed, TTL 63, same id, same boundaries.
        var fwd = forwarded; fwd.identification = 0x5151
        let expected = PacketBuilder.fragment(PacketBuilder.udp(from: rWan, 41000, to: b, 53, payload: payload, ip: fwd),
                                              payloadSize: 800)
        XCTAssertEqual(v.fragments, expected)
        XCTAssertEqual(fw.tracker.count, 1)
    }

    func testFragmentedIPv6DatagramIsRefragmentedWithItsIdentification() throws {
        let a6 = IPAddress("fd77:1::2")!, b6 = IPAddress("fd77:2::2")!
        let fw = try Firewall(ruleset: Ruleset(tables: []), router: RouterModel(interfaces: [
            .init(name: "lan0", addresses: [IPAddress("fd77:1::1")!], prefixLengths: [64]),
            .init(name: "wan0", addresses: [IPAddress("fd77:2::1")!], prefixLengths: [64]),
        ]), tracker: Tracker(seed: 1))
        let payload = [UInt8](repeating: 9, count: 1500)
        let frags = PacketBuilder.fragment(PacketBuilder.udp(from: a6, 41000, to: b6, 53, payload: payload), payloadSize: 600,
                                           ipv6Identification: 0xabcd)
        var v = FirewallVerdict(disposition: .dropped, conntrack: Verdict(state: .invalid), outputInterface: nil, decidedBy: nil,
                                translated: false, natDrop: .none, dropNote: nil)
        for f in frags { v = run(fw, f, input: 0).0 }
        XCTAssertEqual(v.disposition, .forwarded)
        XCTAssertEqual(v.outputInterface, 1)
        var fwd = IPOptions(); fwd.ttl = 63
        XCTAssertEqual(v.fragments, PacketBuilder.fragment(PacketBuilder.udp(from: a6, 41000, to: b6, 53, payload: payload, ip: fwd),
                                                           payloadSize: 600, ipv6Identification: 0xabcd))
    }
}

/// Masquerade's IPv6 source address (found by the NAT differential suite: the engine took
/// the interface's first address; the kernel picked fd77:2::1 over a newer fc00::1 for
/// fd88:2::5, the longer common prefix).
extension FirewallTests {
    func testIPv6MasqueradeSourceSelection() {
        let m = RouterModel(interfaces: [
            .init(name: "wan0", addresses: [IPAddress("fc00::1")!, IPAddress("fd77:2::1")!, IPAddress("2003::1")!,
                                            IPAddress("fe80::1")!], prefixLengths: [64, 64, 64, 64]),
        ])
        XCTAssertEqual(m.sourceAddress(0, for: IPAddress("fd88:2::5")!), IPAddress("fd77:2::1")!, "rule 8: longest prefix")
        XCTAssertEqual(m.sourceAddress(0, for: IPAddress("2001:db8::1")!), IPAddress("2003::1")!, "rule 6: same label")
        XCTAssertEqual(m.sourceAddress(0, for: IPAddress("fe80::99")!), IPAddress("fe80::1")!, "rule 2: link scope")
        XCTAssertEqual(m.sourceAddress(0, for: IPAddress("10.0.0.1")!), nil)
    }
}
