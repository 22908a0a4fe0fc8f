import XCTest
import Conntrack
import PacketBuilder
@testable import ConntrackEngine

/// NAT setup and rewriting details found by the NAT differential suite (reference 9);
/// each test names the live observation it pins down.
final class NATTests: XCTestCase {
    let a = IPAddress("10.88.1.5")!, b = IPAddress("10.88.2.5")!, vip = IPAddress("10.88.2.100")!

    /// Tracks `packet` as a first packet, binds `manip` to `range` (the other manip gets
    /// its null binding) and confirms, like the router pipeline does.
    @discardableResult
    func bind(_ t: Tracker, _ packet: [UInt8], range: NATMapping?, manip: NATManip, now: UInt64 = 1_000_000_000) -> Flow? {
        var md = PacketMetadata()
        md.deferConfirmation = true
        let v = packet.withUnsafeBytes { t.process($0, now: now, metadata: md) }
        guard let h = v.connection else { return nil }
        t.setupNAT(h, range: manip == .destination ? range : nil, manip: .destination)
        t.setupNAT(h, range: manip == .source ? range : nil, manip: .source)
        guard t.confirm(v, now: now) else { return nil }
        return t.flow(h, now: now)
    }

    /// [live 6.18] Three DNAT flows to a port range all got its first port: a DST manip
    /// without a random flag starts the search at offset 0 (no load balancing).
    func testDNATPortRangeStartsAtItsFirstPort() {
        let t = Tracker(seed: 7)
        let range = NATMapping(address: b, ports: 6300...6301)
        for sport: UInt16 in [41000, 41001, 41002] {
            let f = bind(t, PacketBuilder.udp(from: a, sport, to: vip, 6200), range: range, manip: .destination)
            XCTAssertEqual(f?.reply.sourcePort, 6300, "flow from port \(sport)")
            XCTAssertEqual(f?.reply.source, b)
        }
    }

    /// A SRC manip still starts at a random offset: two clashing flows from port 700 end
    /// up in 600-1023, not on the class minimum.
    func testSNATClashSearchStaysInThePortClass() {
        let t = Tracker(seed: 7)
        let s = IPAddress("10.88.2.200")!
        let range = NATMapping(address: s)
        let f1 = bind(t, PacketBuilder.udp(from: a, 700, to: b, 53), range: range, manip: .source)
        let f2 = bind(t, PacketBuilder.udp(from: IPAddress("10.88.1.6")!, 700, to: b, 53), range: range, manip: .source)
        XCTAssertEqual(f1?.reply.destinationPort, 700)
        let p = f2?.reply.destinationPort ?? 0
        XCTAssertTrue((600...1023).contains(p) && p != 700, "got \(p)")
    }

    /// [live 6.18] nf_nat_ftp writes an EPRT address with `%pI6` (uncompressed).
    func testEPRTRewriteUsesTheUncompressedIPv6Form() {
        let a = IPAddress("fd88:2::200")!
        let text = String(decoding: FTPParser.format(.eprt, family: 10, hi: a.high, lo: a.low, port: 40001), as: UTF8.self)
        XCTAssertEqual(text, "|2|fd88:0002:0000:0000:0000:0000:0000:0200|40001|")
    }

    /// `ct helper set` sets IPS_HELPER (`nft_ct_helper_obj_eval`) [live: status 0x200e on
    /// an FTP control connection without NAT].
    func testAssigningAHelperSetsIPSHelper() {
        let t = Tracker(seed: 7)
        var md = PacketMetadata()
        md.deferConfirmation = true
        let syn = PacketBuilder.tcp(from: a, 40000, to: b, 21, seq: 1, flags: .syn)
        let v = syn.withUnsafeBytes { t.process($0, now: 1_000_000_000, metadata: md) }
        t.assignHelper(v.connection!, .ftp)
        XCTAssertTrue(t.confirm(v, now: 1_000_000_000))
        XCTAssertEqual(t.status(v.connection!).contains(.helper), true)
        XCTAssertEqual(t.flow(v.connection!, now: 1_000_000_000)?.helper, "ftp")
    }
}
