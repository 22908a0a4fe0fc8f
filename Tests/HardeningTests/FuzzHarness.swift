import Conntrack
import ConntrackEngine
@testable import ConntrackKernel
@testable import ConntrackTool
import Foundation
import Netlink
import PacketCapture

/// The fuzz targets' code paths (Fuzz/Sources/fuzz-*/main.swift), callable from tests so
/// that every corpus file and every finding can be replayed in an ordinary test run.
enum FuzzHarness {
    /// fuzz-track: records [u8 step][u16 LE length][packet].
    static func track(_ input: [UInt8]) {
        let tracker = Tracker(seed: 0x5eed)
        if input.first == 0xff {
            try? tracker.setSysctl("nf_conntrack_max", 8)
            try? tracker.setSysctl("nf_conntrack_tcp_be_liberal", 1)
            try? tracker.setSysctl("nf_conntrack_checksum", 0)
        }
        var now: UInt64 = 1_000_000_000
        for (step, packet) in records(input) {
            now += UInt64(step) * 100_000_000
            _ = packet.withUnsafeBytes { tracker.process($0, now: now) }
        }
        tracker.forEachFlow(now: now) { _ in }
        tracker.drainEvents { _ in }
        tracker.advance(to: now + 10 * 86_400 * 1_000_000_000)
        tracker.drainEvents { _ in }
    }

    /// fuzz-defrag: records [u8 control][u16 LE offset/8][u8 length/8][u8 id][payload].
    static func defrag(_ input: [UInt8]) {
        let tracker = Tracker(seed: 7)
        try? tracker.setSysctl("net.ipv4.ipfrag_high_thresh", 16 * 1024)
        try? tracker.setSysctl("net.ipv4.ipfrag_low_thresh", 8 * 1024)
        try? tracker.setSysctl("nf_conntrack_frag6_high_thresh", 16 * 1024)
        try? tracker.setSysctl("nf_conntrack_frag6_low_thresh", 8 * 1024)
        var now: UInt64 = 1_000_000_000
        var r = input[...]
        func u8() -> UInt8 { r.popFirst() ?? 0 }
        while !r.isEmpty {
            let control = u8()
            let offset = (UInt16(u8()) | UInt16(u8()) << 8) & 0x1fff
            let length = Int(u8()) * 8
            let id = u8()
            let payload = Array(r.prefix(length))
            r = r.dropFirst(payload.count)
            now += UInt64(control >> 4) * 1_000_000_000
            let p = fragment(ipv6: control & 2 != 0, udp: control & 4 != 0, id: id, offsetUnits: offset,
                             more: control & 1 != 0, payloadLength: length, payload: payload)
            _ = p.withUnsafeBytes { tracker.process($0, now: now) }
        }
        tracker.advance(to: now + 120_000_000_000)
        tracker.drainEvents { _ in }
    }

    /// The fragment fuzz target's packet layout (192.0.2.1 -> 198.51.100.2, 2001:db8::1 -> ::2).
    static func fragment(ipv6: Bool, udp: Bool, id: UInt8, offsetUnits: UInt16, more: Bool,
                         payloadLength: Int, payload: [UInt8]) -> [UInt8] {
        var p: [UInt8] = []
        let proto: UInt8 = udp ? 17 : 6
        if ipv6 {
            let plen = 8 + payloadLength
            p += [0x60, 0, 0, 0, UInt8(plen >> 8), UInt8(plen & 0xff), 44, 64]
            p += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
            p += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [2]
            let fo = offsetUnits << 3 | (more ? 1 : 0)
            p += [proto, 0, UInt8(fo >> 8), UInt8(fo & 0xff), 0, 0, 0, id]
        } else {
            let total = 20 + payloadLength
            let fo = offsetUnits | (more ? 0x2000 : 0)
            p += [0x45, 0, UInt8(total >> 8 & 0xff), UInt8(total & 0xff), 0, id, UInt8(fo >> 8), UInt8(fo & 0xff),
                  64, proto, 0, 0, 192, 0, 2, 1, 198, 51, 100, 2]
            var sum: UInt32 = 0
            for i in stride(from: 0, to: 20, by: 2) { sum += UInt32(p[i]) << 8 | UInt32(p[i + 1]) }
            while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
            let c = ~UInt16(sum)
            p[10] = UInt8(c >> 8)
            p[11] = UInt8(c & 0xff)
        }
        p += payload
        while p.count < (ipv6 ? 48 : 20) + payloadLength { p.append(UInt8(truncatingIfNeeded: p.count)) }
        return p
    }

    /// fuzz-netlink: a datagram of netlink messages, each decoded into a Flow and formatted.
    /// `checkErrorNumber` reads NLMSG_ERROR/DONE error numbers even for INT32_MIN (finding F1).
    static func netlink(_ input: [UInt8], checkErrorNumber: Bool = false) -> Int {
        var decoded = 0
        input.withUnsafeBytes { datagram in
            var messages = MessageIterator(datagram)
            while let m = messages.next() {
                if m.type == 2 || m.type == 3,
                   checkErrorNumber || m.payload.count < 4 || m.payload.loadUnaligned(as: Int32.self) != Int32.min {
                    _ = m.errorNumber
                }
                guard m.payload.count >= 4 else { continue }
                if let flow = Flow.decode(attributes: UnsafeRawBufferPointer(rebasing: m.payload[4...])) {
                    decoded += 1
                    var options = FlowFormatOptions()
                    options.showLayer3 = true
                    options.showID = true
                    var text: [UInt8] = []
                    flow.appendText(to: &text, options: options)
                    flow.appendJSON(to: &text, options: options)
                }
            }
        }
        return decoded
    }

    /// fuzz-capture: a whole capture file. Returns (packets read, error if any).
    static func capture(_ input: [UInt8]) -> (packets: Int, error: CaptureError?) {
        let path = NSTemporaryDirectory() + "harden-capture-\(getpid()).bin"
        _ = FileManager.default.createFile(atPath: path, contents: Data(input))
        defer { unlink(path) }
        let fd = open(path, O_RDONLY)
        precondition(fd >= 0)
        defer { close(fd) }
        let reader: CaptureReader
        do { reader = try CaptureReader(fileDescriptor: fd, maximumLength: 1 << 20) } catch { return (0, error) }
        var n = 0
        while true {
            do {
                guard let p = try reader.next() else { return (n, nil) }
                _ = LinkLayer.networkLayer(linkType: p.linkType, frame: p.bytes)
                n += 1
            } catch { return (n, error) }
        }
    }

    /// fuzz-cli: NUL-separated arguments after "conntrack", against a source that refuses
    /// everything. Returns the exit status and standard error.
    @discardableResult
    static func cli(_ input: [UInt8]) -> (status: Int32, stderr: String) {
        let argv = cliArguments(input)
        _ = CaptureOptions.extract(from: argv)
        var err = ""
        let status = runConntrack(arguments: argv, source: DeniedSource(), stdout: OutputBuffer(sink: { _ in }),
                                  stderr: { err += $0 }, environment: DeniedSource.environment)
        return (status, err)
    }

    /// Exactly as the fuzz target: every NUL ends an argument; a non-empty tail is one more.
    static func cliArguments(_ input: [UInt8]) -> [String] {
        var argv = ["conntrack"]
        var current: [UInt8] = []
        for b in input {
            if b == 0 { argv.append(String(decoding: current, as: UTF8.self)); current = [] } else { current.append(b) }
        }
        if !current.isEmpty { argv.append(String(decoding: current, as: UTF8.self)) }
        return argv
    }

    static func records(_ input: [UInt8]) -> [(UInt8, [UInt8])] {
        var out: [(UInt8, [UInt8])] = []
        var r = input[...]
        while !r.isEmpty {
            let step = r.popFirst() ?? 0
            let lo = r.popFirst() ?? 0, hi = r.popFirst() ?? 0
            let n = Int(lo) | Int(hi) << 8
            out.append((step, Array(r.prefix(n))))
            r = r.dropFirst(n)
        }
        return out
    }

    static func frame(_ packets: [(UInt8, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for (step, p) in packets {
            out += [step, UInt8(p.count & 0xff), UInt8(p.count >> 8)] + p
        }
        return out
    }
}

/// A flow source without privileges: dumps list one flow, every change fails with EPERM
/// (the same stub as Fuzz/Sources/fuzz-cli).
struct DeniedSource: FlowSource {
    nonisolated(unsafe) static let environment = ToolEnvironment(
        readFile: { _ in nil }, now: { (1_700_000_000, 0) }, ctime: { _ in "Tue Nov 14 22:13:20 2023" },
        localNow: { (22, 13, 20, 2, 14, 11, 2023) }, shouldStop: { true }, programName: { _ in nil })

    static let flow: Flow = {
        let a = IPAddress(ipv4: 0xc000_0201), b = IPAddress(ipv4: 0xc633_6402)
        var f = Flow(original: Tuple(source: a, destination: b, protocol: 6, sourcePort: 40000, destinationPort: 80),
                     reply: Tuple(source: b, destination: a, protocol: 6, sourcePort: 80, destinationPort: 40000))
        f.status = Status(rawValue: 0x18e)
        f.timeout = 431_999
        f.mark = 7
        f.protoInfo = .tcp(TCPInfo(state: 3))
        return f
    }()

    func dump(table: FlowTable, family: AddressFamily?, filter: DumpFilter, zeroCounters: Bool,
              _ body: (Flow) throws -> Void) throws { try body(Self.flow) }
    func get(original: Tuple?, reply: Tuple?, zone: UInt16?, family: AddressFamily) throws -> Flow { Self.flow }
    func create(_ flow: Flow) throws { throw SourceError(errno: EPERM) }
    func update(_ flow: Flow, family: AddressFamily) throws { throw SourceError(errno: EPERM) }
    func delete(_ flow: Flow) throws { throw SourceError(errno: EPERM) }
    func flush(family: AddressFamily?) throws { throw SourceError(errno: EPERM) }
    func count() throws -> UInt32 { 1 }
    func cpuStatistics() throws -> [CPUStatistics] { throw SourceError(errno: EPERM) }
    func dumpExpectations(family: AddressFamily, _ body: (Expectation) throws -> Void) throws {}
    func getExpectation(tuple: Tuple, family: AddressFamily) throws -> Expectation { throw SourceError(errno: ENOENT) }
    func createExpectation(_ e: Expectation) throws { throw SourceError(errno: EPERM) }
    func deleteExpectation(tuple: Tuple, family: AddressFamily) throws { throw SourceError(errno: EPERM) }
    func flushExpectations(family: AddressFamily) throws { throw SourceError(errno: EPERM) }
    func expectationStatistics() throws -> [ExpectationStatistics] { throw SourceError(errno: EPERM) }
    func subscribe(expectations: Bool, groups: UInt32, bufferSize: Int?) throws -> Int? { throw SourceError(errno: EPERM) }
    func receiveEvents(timeoutMilliseconds: Int32, _ body: (SourceEvent) throws -> Void) throws {}
}
