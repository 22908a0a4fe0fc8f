import XCTest
import Conntrack
@testable import ConntrackTool

/// Formatter output against the example lines of the conntrack-tools reference
/// (`conntrack-cli.md` 7.1, 7.3, 7.5): the expected strings come from the real tool.
final class FormatterTests: XCTestCase {
    func v4(_ s: String) -> IPAddress { IPAddress(s)! }

    func text(_ f: Flow, _ configure: (inout FlowFormatOptions) -> Void = { _ in }) -> String {
        var o = FlowFormatOptions()
        o.now = 1_000_003
        configure(&o)
        var b: [UInt8] = []
        f.appendText(to: &b, options: o)
        return String(decoding: b, as: UTF8.self)
    }

    func testDefaultTCPLine() {
        let t = Tuple(source: v4("10.99.1.2"), destination: v4("10.99.2.2"), protocol: 6, sourcePort: 40001, destinationPort: 80)
        var f = Flow(original: t, reply: t.inverted())
        f.timeout = 431997
        f.protoInfo = .tcp(TCPInfo(state: TCPState.established.rawValue))
        f.countersOriginal = Counters(packets: 4, bytes: 222)
        f.countersReply = Counters(packets: 3, bytes: 170)
        f.status = [.seenReply, .assured, .confirmed]
        f.mark = 0
        f.timestamps = Timestamps(start: 1_000_000 * 1_000_000_000)
        f.use = 1
        XCTAssertEqual(text(f), "tcp      6 431997 ESTABLISHED src=10.99.1.2 dst=10.99.2.2 sport=40001 dport=80 packets=4 bytes=222 src=10.99.2.2 dst=10.99.1.2 sport=80 dport=40001 packets=3 bytes=170 [ASSURED] mark=0 delta-time=3 use=1")
    }

    func testUnrepliedAndZoneOrig() {
        let t = Tuple(source: v4("10.99.1.2"), destination: v4("10.99.2.2"), protocol: 17, sourcePort: 50006, destinationPort: 5000, zone: 6)
        var r = t.inverted(); r.zone = nil
        var f = Flow(original: t, reply: r)
        f.timeout = 3597
        f.countersOriginal = Counters(packets: 1, bytes: 34)
        f.countersReply = Counters(packets: 1, bytes: 34)
        f.status = [.seenReply, .confirmed]
        f.mark = 0
        f.timestamps = Timestamps(start: 1_000_000 * 1_000_000_000)
        f.use = 1
        XCTAssertEqual(text(f), "udp      17 3597 src=10.99.1.2 dst=10.99.2.2 sport=50006 dport=5000 zone-orig=6 packets=1 bytes=34 src=10.99.2.2 dst=10.99.1.2 sport=5000 dport=50006 packets=1 bytes=34 mark=0 delta-time=3 use=1")
    }

    func testExtendedICMPv6() {
        let o = Tuple.icmp(source: IPAddress("fd99:1::2")!, destination: IPAddress("fd99:2::2")!, type: 128, code: 0, id: 17185)
        let r = Tuple.icmp(source: IPAddress("fd99:2::2")!, destination: IPAddress("fd99:1::2")!, type: 129, code: 0, id: 17185)
        var f = Flow(original: o, reply: r)
        f.timeout = 3596
        f.countersOriginal = Counters(packets: 1, bytes: 64)
        f.countersReply = Counters(packets: 1, bytes: 64)
        f.status = [.seenReply]
        f.mark = 0
        f.timestamps = Timestamps(start: 999_999 * 1_000_000_000)
        f.use = 1
        XCTAssertEqual(text(f) { $0.showLayer3 = true }, "ipv6     10 icmpv6   58 3596 src=fd99:1::2 dst=fd99:2::2 type=128 code=0 id=17185 packets=1 bytes=64 src=fd99:2::2 dst=fd99:1::2 type=129 code=0 id=17185 packets=1 bytes=64 mark=0 delta-time=4 use=1")
    }

    func testUnknownProtocolAndNoAccounting() {
        let o = Tuple(source: v4("192.0.2.24"), destination: v4("198.51.100.24"), protocol: 50)
        var f = Flow(original: o, reply: o.inverted())
        f.timeout = 398
        f.countersOriginal = Counters(); f.countersReply = Counters()
        f.status = [.confirmed]
        f.mark = 0
        f.timestamps = Timestamps(start: 1_000_002 * 1_000_000_000)
        f.use = 1
        XCTAssertEqual(text(f), "unknown  50 398 src=192.0.2.24 dst=198.51.100.24 packets=0 bytes=0 [UNREPLIED] src=198.51.100.24 dst=192.0.2.24 packets=0 bytes=0 mark=0 delta-time=1 use=1")
        let t = Tuple(source: v4("10.99.1.2"), destination: v4("10.99.2.2"), protocol: 6, sourcePort: 40003, destinationPort: 81)
        var g = Flow(original: t, reply: t.inverted())
        g.timeout = 295; g.protoInfo = .tcp(TCPInfo(state: 1)); g.status = [.confirmed]; g.mark = 0; g.use = 1
        XCTAssertEqual(text(g), "tcp      6 295 SYN_SENT src=10.99.1.2 dst=10.99.2.2 sport=40003 dport=81 [UNREPLIED] src=10.99.2.2 dst=10.99.1.2 sport=81 dport=40003 mark=0 use=1")
    }

    func testSaveLine() {
        let t = Tuple(source: v4("10.99.1.2"), destination: v4("10.99.2.2"), protocol: 6, sourcePort: 40001, destinationPort: 80)
        var f = Flow(original: t, reply: t.inverted())
        f.timeout = 431997
        f.status = [.seenReply, .assured, .confirmed, .srcNATDone, .dstNATDone]
        f.protoInfo = .tcp(TCPInfo(state: 3))
        f.mark = 5
        var b: [UInt8] = []
        f.appendSave(to: &b, event: .new)
        XCTAssertEqual(String(decoding: b, as: UTF8.self), "-A -t 431997 -u SEEN_REPLY,ASSURED -s 10.99.1.2 -d 10.99.2.2 -r 10.99.2.2 -q 10.99.1.2 -p tcp --sport 40001 --dport 80 --reply-port-src 80 --reply-port-dst 40001 --state ESTABLISHED")
    }

    func testExpectationLine() {
        let tuple = Tuple(source: v4("10.99.1.2"), destination: v4("10.99.2.2"), protocol: 6, sourcePort: 0, destinationPort: 50000)
        let mask = Tuple(source: v4("255.255.255.255"), destination: v4("255.255.255.255"), protocol: 6, sourcePort: 0, destinationPort: 65535)
        let master = Tuple(source: v4("10.99.1.2"), destination: v4("10.99.2.2"), protocol: 6, sourcePort: 40021, destinationPort: 21)
        var e = Expectation(master: master, tuple: tuple, mask: mask)
        e.timeout = 296; e.expectClass = 0; e.helper = "ftp"; e.flags = []
        var b: [UInt8] = []
        e.appendText(to: &b)
        XCTAssertEqual(String(decoding: b, as: UTF8.self), "296 proto=6 src=10.99.1.2 dst=10.99.2.2 sport=0 dport=50000 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=10.99.1.2 master-dst=10.99.2.2 sport=40021 dport=21 class=0 helper=ftp")
    }

    func testDecimalAndHexAppenders() {
        var b: [UInt8] = []
        b.append(decimal: 0); b.append(32); b.append(decimal: 1234567890123); b.append(32); b.append(hex: 0xbeef)
        b.append(32); b.append(signed: -42)
        XCTAssertEqual(String(decoding: b, as: UTF8.self), "0 1234567890123 beef -42")
    }

    func testJSONIsOneObject() {
        let t = Tuple(source: v4("10.0.0.1"), destination: v4("10.0.0.2"), protocol: 17, sourcePort: 1, destinationPort: 2)
        var f = Flow(original: t, reply: t.inverted())
        f.timeout = 5; f.status = [.confirmed]; f.helper = "a\"b"
        var b: [UInt8] = []
        f.appendJSON(to: &b, event: .new, options: FlowFormatOptions())
        XCTAssertEqual(String(decoding: b, as: UTF8.self), #"{"type":"new","family":"ipv4","protocol":"udp","protonum":17,"timeout":5,"original":{"src":"10.0.0.1","dst":"10.0.0.2","sport":1,"dport":2},"reply":{"src":"10.0.0.2","dst":"10.0.0.1","sport":2,"dport":1},"status":["CONFIRMED"],"helper":"a\"b"}"#)
    }

    func testInetAtonForms() {
        XCTAssertEqual(CParse.inetAton("10.1"), 0x0a00_0001)
        XCTAssertEqual(CParse.inetAton("0x0a630102"), 0x0a63_0102)
        XCTAssertEqual(CParse.inetAton("010.0.0.1"), 0x0800_0001)
        XCTAssertNil(CParse.inetAton("300.1.1.1"))
        XCTAssertNil(CParse.inetAton("1.2.3.4.5"))
        XCTAssertEqual(CParse.inetAton("1.2.3.4 junk"), 0x0102_0304)
    }

    func testStrtoulAndAtoi() {
        XCTAssertEqual(CParse.strtoul("0x10").value, 16)
        XCTAssertEqual(CParse.strtoul("010").value, 8)
        XCTAssertEqual(CParse.strtoul("12abc").value, 12)
        XCTAssertEqual(CParse.strtoul("abc").used, 0)
        XCTAssertEqual(UInt16(truncatingIfNeeded: CParse.atoi("65537")), 1)
        XCTAssertEqual(CParse.atoi("http"), 0)
    }
}
