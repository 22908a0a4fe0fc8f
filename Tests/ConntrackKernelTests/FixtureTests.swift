import XCTest
import Conntrack
import Netlink
@testable import ConntrackKernel

/// The codec against bytes recorded from the real kernel and the real tool (see
/// Fixtures.swift): decode(bytes) == value and encode(value) == bytes. Expected values
/// are written from the tool's printed output of the same run.
final class FixtureTests: XCTestCase {
    let a = IPAddress("10.0.0.1")!, b = IPAddress("10.0.0.2")!

    /// Zeroes `nlmsg_seq`, `nlmsg_pid` and every attribute's padding, so requests made
    /// at different times (and conntrack-tools' stale padding bytes) compare equal.
    func canonical(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        for i in 8..<16 { out[i] = 0 }
        func walk(_ start: Int, _ end: Int) {
            var o = start
            while o + 4 <= end {
                let len = Int(out[o]) | Int(out[o + 1]) << 8
                let type = UInt16(out[o + 2]) | UInt16(out[o + 3]) << 8
                guard len >= 4, o + len <= end else { return }
                if type & 0x8000 != 0 { walk(o + 4, o + len) }
                let padded = min((len + 3) & ~3, end - o)
                for i in (o + len)..<(o + padded) { out[i] = 0 }
                o += padded
            }
        }
        walk(20, out.count)
        return out
    }

    func encode(type: UInt16, flags: MessageFlags, family: AddressFamily, _ body: (inout MessageBuilder) -> Void) -> [UInt8] {
        var m = MessageBuilder()
        m.beginMessage(type: type, flags: flags, sequence: 0)
        m.append(bytes: [family.rawValue, 0, 0, 0])
        body(&m)
        m.endMessage()
        return m.bytes
    }

    /// Decodes every CT message of a datagram.
    func flows(_ bytes: [UInt8]) -> [(NetlinkMessage, Flow?)] {
        bytes.withUnsafeBytes { raw in
            var out: [(NetlinkMessage, Flow?)] = []
            var it = MessageIterator(raw)
            while let m = it.next() {
                out.append((m, Flow.decode(attributes: UnsafeRawBufferPointer(rebasing: m.payload[4...]))))
            }
            XCTAssertFalse(it.malformed)
            return out
        }
    }

    // MARK: requests: our encoder == the tool's bytes

    func testCreateTCPRequestMatchesConntrackTools() {
        // conntrack -I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 40000 --dport 80
        //   --state ESTABLISHED -t 120 -u ASSURED -m 42 -w 7
        let t = Tuple(source: a, destination: b, protocol: IPProtocol.tcp, sourcePort: 40000, destinationPort: 80)
        var f = Flow(original: t, reply: t.inverted())
        f.status = .assured
        f.timeout = 120
        f.mark = 42
        // conntrack-tools adds SACK_PERM|BE_LIBERAL (0x0a) with that mask for both directions.
        f.protoInfo = .tcp(TCPInfo(state: TCPState.established.rawValue,
                                   flagsOriginal: TCPFlagsMask(flags: 0x0a, mask: 0x0a),
                                   flagsReply: TCPFlagsMask(flags: 0x0a, mask: 0x0a)))
        f.zone = 7
        let ours = encode(type: 0x0100, flags: [.request, .ack, .excl, .create], family: .ipv4) {
            $0.putFlow(f.preparedForCreate())
        }
        XCTAssertEqual(ours, canonical(Fixtures.createTCPRequest))
        // and the tool's request decodes to the same flow
        var expected = f.preparedForCreate()
        expected.status = [.assured, .confirmed]
        XCTAssertEqual(flows(Fixtures.createTCPRequest).first?.1, expected)
    }

    func testCreateICMPv6RequestMatchesConntrackTools() {
        // conntrack -I -p icmpv6 -s fd00::1 -d fd00::2 --icmpv6-type 128 --icmpv6-code 0 --icmpv6-id 9 -t 30
        let x = IPAddress("fd00::1")!, y = IPAddress("fd00::2")!
        var f = Flow(original: .icmp(source: x, destination: y, type: 128, code: 0, id: 9),
                     reply: .icmp(source: y, destination: x, type: 129, code: 0, id: 9))
        f.timeout = 30
        let ours = encode(type: 0x0100, flags: [.request, .ack, .excl, .create], family: .ipv6) {
            $0.putFlow(f.preparedForCreate())
        }
        XCTAssertEqual(ours, canonical(Fixtures.createICMPv6Request))
        XCTAssertEqual(flows(Fixtures.createICMPv6Request).first?.1, f)
    }

    func testCreateUDPRequestMatchesConntrackTools() {
        // conntrack -I -p udp -s 192.168.7.1 -d 192.168.7.2 --sport 53 --dport 1053 -t 60 -m 0xffffffff
        let t = Tuple(source: IPAddress("192.168.7.1")!, destination: IPAddress("192.168.7.2")!,
                      protocol: IPProtocol.udp, sourcePort: 53, destinationPort: 1053)
        var f = Flow(original: t, reply: t.inverted())
        f.timeout = 60
        f.mark = 0xffff_ffff
        let ours = encode(type: 0x0100, flags: [.request, .ack, .excl, .create], family: .ipv4) { $0.putFlow(f) }
        XCTAssertEqual(ours, canonical(Fixtures.createUDPRequest))
    }

    func testUpdateMarkRequestMatchesConntrackTools() {
        // conntrack -U ... -m 0x10/0xf0 on mark 0xffffffff: the tool sends orig + mark 0xffffff1f
        let t = Tuple(source: IPAddress("192.168.7.1")!, destination: IPAddress("192.168.7.2")!,
                      protocol: IPProtocol.udp, sourcePort: 53, destinationPort: 1053)
        var f = Flow(original: t, reply: t.inverted())
        f.mark = 0xffff_ff1f
        let ours = encode(type: 0x0100, flags: [.request, .ack], family: .ipv4) { $0.putFlow(f, includeReply: false) }
        XCTAssertEqual(ours, canonical(Fixtures.updateMarkRequest))
    }

    // MARK: replies: decode(kernel bytes) == the tool's printed values

    func testListDumpDecodesLikeConntrackTools() {
        let decoded = flows(Fixtures.listDumpReply)
        XCTAssertEqual(decoded.count, 3)
        XCTAssertTrue(decoded.allSatisfy { $0.0.flags.contains(.multi) && $0.0.type == 0x0100 })
        // udp 17 59 src=192.168.7.1 dst=192.168.7.2 sport=53 dport=1053 [UNREPLIED]
        //   src=192.168.7.2 dst=192.168.7.1 sport=1053 dport=53 mark=4294967295 use=1 id=2308077272
        let u = decoded[0].1!
        let ut = Tuple(source: IPAddress("192.168.7.1")!, destination: IPAddress("192.168.7.2")!,
                       protocol: IPProtocol.udp, sourcePort: 53, destinationPort: 1053)
        XCTAssertEqual(u.original, ut)
        XCTAssertEqual(u.reply, ut.inverted())
        XCTAssertEqual(u.timeout, 59)
        XCTAssertEqual(u.status, [.confirmed])   // no SEEN_REPLY: [UNREPLIED]
        XCTAssertEqual(u.mark, 4_294_967_295)
        XCTAssertEqual(u.use, 1)
        XCTAssertEqual(u.id, 2_308_077_272)
        XCTAssertNil(u.zone)
        XCTAssertNil(u.protoInfo)
        // icmpv6 58 29 src=fd00::1 dst=fd00::2 type=128 code=0 id=9 [UNREPLIED]
        //   src=fd00::2 dst=fd00::1 type=129 code=0 id=9 mark=0 use=1 id=3072763839
        let i = decoded[1].1!
        XCTAssertEqual(i.original, .icmp(source: IPAddress("fd00::1")!, destination: IPAddress("fd00::2")!, type: 128, code: 0, id: 9))
        XCTAssertEqual(i.reply, .icmp(source: IPAddress("fd00::2")!, destination: IPAddress("fd00::1")!, type: 129, code: 0, id: 9))
        XCTAssertEqual(i.timeout, 29)
        XCTAssertEqual(i.mark, 0)
        XCTAssertEqual(i.id, 3_072_763_839)
        // tcp 6 119 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=40000 dport=80 [UNREPLIED]
        //   src=10.0.0.2 dst=10.0.0.1 sport=80 dport=40000 [ASSURED] mark=42 zone=7 use=1 id=490959988
        let t = decoded[2].1!
        XCTAssertEqual(t.original, Tuple(source: a, destination: b, protocol: IPProtocol.tcp, sourcePort: 40000, destinationPort: 80))
        XCTAssertEqual(t.timeout, 119)
        XCTAssertEqual(t.status, [.assured, .confirmed])
        XCTAssertEqual(t.protoInfo?.state, TCPState.established.rawValue)
        XCTAssertEqual(t.mark, 42)
        XCTAssertEqual(t.zone, 7)
        XCTAssertEqual(t.id, 490_959_988)
        XCTAssertEqual(t.use, 1)
        // The kernel sends an all-zero CTA_SYNPROXY with every entry.
        XCTAssertEqual(t.synproxy, Synproxy(isn: 0, its: 0, tsoff: 0))
        Fixtures.listDumpDone.withUnsafeBytes { raw in
            var it = MessageIterator(raw)
            let done = it.next()
            XCTAssertEqual(done?.type, NetlinkConstants.done)
            XCTAssertEqual(done?.errorNumber, 0)
        }
    }

    func testErrorAndAckReplies() {
        // conntrack -G on a missing entry prints "such conntrack doesn't exist" (ENOENT)
        Fixtures.getNotFoundReply.withUnsafeBytes { raw in
            var it = MessageIterator(raw)
            let m = it.next()
            XCTAssertEqual(m?.type, NetlinkConstants.error)
            XCTAssertEqual(m?.errorNumber, ENOENT)
        }
        Fixtures.createAck.withUnsafeBytes { raw in
            var it = MessageIterator(raw)
            XCTAssertEqual(it.next()?.errorNumber, 0)
        }
    }

    func testStatisticsDecodeLikeConntrackTools() {
        // cpu=0 found=0 invalid=0 insert=3 insert_failed=0 drop=0 early_drop=0 error=0
        //   search_restart=0 clash_resolve=0 chaintoolong=0   (and the same for cpu=1)
        var cpus: [CPUStatistics] = []
        Fixtures.statsCPUReply.withUnsafeBytes { raw in
            var it = MessageIterator(raw)
            while let m = it.next() {
                let h = NetfilterHeader(m.payload)
                cpus.append(CPUStatistics.decode(attributes: UnsafeRawBufferPointer(rebasing: m.payload[4...]), cpu: h.resourceID))
            }
        }
        XCTAssertEqual(cpus.map(\.cpu), [0, 1])
        for s in cpus {
            XCTAssertEqual(s["insert"], 3)
            for name in ["found", "invalid", "insert_failed", "drop", "early_drop", "error", "search_restart",
                         "clash_resolve", "chaintoolong"] {
                XCTAssertEqual(s[name], 0, name)
            }
        }
        // conntrack -C printed 2
        Fixtures.countReply.withUnsafeBytes { raw in
            var it = MessageIterator(raw)
            let m = it.next()!
            let g = GlobalStatistics.decode(attributes: UnsafeRawBufferPointer(rebasing: m.payload[4...]))
            XCTAssertEqual(g.entries, 2)
            XCTAssertEqual(g.maxEntries, 262_144)
        }
    }

    func testEventsDecodeLikeConntrackTools() {
        //     [NEW] udp 17 50 src=10.9.9.1 dst=10.9.9.2 sport=1 dport=2 [UNREPLIED] src=10.9.9.2
        //           dst=10.9.9.1 sport=2 dport=1 mark=3 id=3377998357 [USERSPACE] portid=25527
        // [DESTROY] udp 17 49 ... mark=3 id=3377998357 [USERSPACE] portid=2568242474
        let t = Tuple(source: IPAddress("10.9.9.1")!, destination: IPAddress("10.9.9.2")!,
                      protocol: IPProtocol.udp, sourcePort: 1, destinationPort: 2)
        func event(_ bytes: [UInt8]) -> Event? {
            bytes.withUnsafeBytes { raw in
                var it = MessageIterator(raw)
                guard let m = it.next(), case .event(let e)? = EventSubscription.decode(m, time: 0) else { return nil }
                return e
            }
        }
        let new = event(Fixtures.eventNew)
        XCTAssertEqual(new?.type, .new)
        XCTAssertEqual(new?.portID, 25527)
        XCTAssertEqual(new?.flow.original, t)
        XCTAssertEqual(new?.flow.reply, t.inverted())
        XCTAssertEqual(new?.flow.timeout, 50)
        XCTAssertEqual(new?.flow.mark, 3)
        XCTAssertEqual(new?.flow.id, 3_377_998_357)
        let destroy = event(Fixtures.eventDestroy)
        XCTAssertEqual(destroy?.type, .destroy)
        XCTAssertEqual(destroy?.portID, 2_568_242_474)
        XCTAssertEqual(destroy?.flow.timeout, 49)
        XCTAssertEqual(destroy?.flow.mark, 3)
        XCTAssertEqual(destroy?.flow.id, 3_377_998_357)
    }

    func testExpectationDumpDecodesLikeConntrackTools() {
        // 296 proto=6 src=10.50.0.2 dst=10.50.0.1 sport=0 dport=5001 mask-src=255.255.255.255
        //   mask-dst=255.255.255.255 sport=0 dport=65535 master-src=10.50.0.1 master-dst=10.50.0.2
        //   sport=40000 dport=21 class=0 helper=ftp
        let c = IPAddress("10.50.0.1")!, s = IPAddress("10.50.0.2")!
        let decoded: [Expectation] = Fixtures.expectationDumpReply.withUnsafeBytes { raw in
            var out: [Expectation] = []
            var it = MessageIterator(raw)
            while let m = it.next() {
                XCTAssertEqual(m.type, 0x0200)   // IPCTNL_MSG_EXP_NEW in subsystem CTNETLINK_EXP
                if let e = Expectation.decode(attributes: UnsafeRawBufferPointer(rebasing: m.payload[4...])) { out.append(e) }
            }
            return out
        }
        XCTAssertEqual(decoded.count, 1)
        let e = decoded[0]
        XCTAssertEqual(e.timeout, 296)
        XCTAssertEqual(e.tuple, Tuple(source: s, destination: c, protocol: IPProtocol.tcp, sourcePort: 0, destinationPort: 5001))
        XCTAssertEqual(e.mask.source, IPAddress(ipv4: 0xffff_ffff))
        XCTAssertEqual(e.mask.destination, IPAddress(ipv4: 0xffff_ffff))
        XCTAssertEqual(e.mask.sourcePort, 0)
        XCTAssertEqual(e.mask.destinationPort, 65535)
        XCTAssertEqual(e.master, Tuple(source: c, destination: s, protocol: IPProtocol.tcp, sourcePort: 40000, destinationPort: 21))
        XCTAssertEqual(e.expectClass, 0)
        XCTAssertEqual(e.helper, "ftp")
    }

    /// Random byte flips in real kernel output: decoding must never crash or hang.
    func testMutatedKernelBytesNeverCrashTheDecoder() {
        var rng = SystemRandomNumberGenerator()
        let sources = [Fixtures.listDumpReply, Fixtures.eventNew, Fixtures.eventDestroy, Fixtures.statsCPUReply,
                       Fixtures.expectationDumpReply]
        var decoded = 0
        for _ in 0..<3000 {
            var bytes = sources[Int.random(in: 0..<sources.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            bytes.withUnsafeBytes { raw in
                var it = MessageIterator(raw)
                while let m = it.next() {
                    guard m.payload.count >= 4 else { continue }
                    let attrs = UnsafeRawBufferPointer(rebasing: m.payload[4...])
                    if Flow.decode(attributes: attrs) != nil { decoded += 1 }
                    _ = Expectation.decode(attributes: attrs)
                    _ = EventSubscription.decode(m, time: 0)
                    _ = CPUStatistics.decode(attributes: attrs, cpu: 0)
                }
            }
        }
        XCTAssertGreaterThan(decoded, 0)
    }

    func testTruncatedAndGarbledMessagesAreRejectedNotFatal() {
        let full = Fixtures.listDumpReply
        // Every truncation of the first message's attributes decodes or is refused; none crash.
        for cut in stride(from: 20, to: 192, by: 3) {
            var bytes = Array(full[0..<cut])
            bytes[0] = UInt8(cut); bytes[1] = 0
            _ = flows(bytes)
        }
        // A flipped length inside CTA_TUPLE_ORIG makes that entry undecodable.
        var bad = Array(full[0..<192])
        bad[20] = 0xff
        XCTAssertNil(flows(bad).first?.1)
    }
}
