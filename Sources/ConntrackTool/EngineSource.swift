import Conntrack
import ConntrackEngine
import ConntrackFirewall
import ConntrackRuleset
import PacketCapture
#if canImport(Glibc)
import Glibc
#endif

/// Options of the capture-file source (`--pcap`, `--now`, `--sysctl`, `--explain`),
/// which conntrack-tools does not have.
public struct CaptureOptions: Sendable, Equatable {
    /// Capture files, read in order (`--pcap FILE`, repeatable; `-` is standard input).
    public var files: [String] = []
    /// The moment the table is looked at, nanoseconds since the epoch (`--now EPOCH`);
    /// nil means the last packet's timestamp.
    public var now: UInt64?
    /// Kernel sysctls to apply before replaying (`--sysctl NAME=VALUE`), in order.
    public var sysctls: [(name: String, value: Int)] = []
    /// Print one line per packet (`--explain`).
    public var explain = false
    /// An nftables-syntax ruleset the packets go through, as on a router (`--ruleset FILE`).
    public var ruleset: String?
    /// The router's interfaces (`--iface NAME=ADDR/LEN[,ADDR/LEN...]`, repeatable; the
    /// addresses in `ip address add` order).
    public var interfaces: [RouterModel.Interface] = []
    /// Extra routes (`--route PREFIX/LEN=NAME[@GATEWAY]`, repeatable).
    public var routes: [RouterModel.Route] = []

    public init() {}

    public static func == (a: CaptureOptions, b: CaptureOptions) -> Bool {
        a.files == b.files && a.now == b.now && a.explain == b.explain
            && a.sysctls.map(\.name) == b.sysctls.map(\.name) && a.sysctls.map(\.value) == b.sysctls.map(\.value)
            && a.ruleset == b.ruleset && a.interfaces == b.interfaces && a.routes == b.routes
    }

    /// Whether any option that needs `--pcap` was given.
    var needsCapture: Bool {
        now != nil || !sysctls.isEmpty || explain || ruleset != nil || !interfaces.isEmpty || !routes.isEmpty
    }

    /// `ADDR/LEN` (LEN defaults to the full length).
    static func parsePrefix(_ s: Substring) -> (IPAddress, Int)? {
        let parts = s.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let a = IPAddress(parts[0]) else { return nil }
        let full = a.family == .ipv4 ? 32 : 128
        guard parts.count == 2 else { return (a, full) }
        guard let l = Int(parts[1]), l >= 0, l <= full else { return nil }
        return (a, l)
    }

    /// Removes the capture options from a command line and returns them with the rest,
    /// which is then parsed exactly as conntrack-tools parses it. Returns an error
    /// message (for exit status 2) when an option is malformed.
    public static func extract(from arguments: [String]) -> (options: CaptureOptions, rest: [String], error: String?) {
        var o = CaptureOptions()
        var rest: [String] = []
        var i = 0
        func value(_ name: String) -> String? {
            let a = arguments[i]
            if a.hasPrefix(name + "=") { return String(a.dropFirst(name.count + 1)) }
            guard i + 1 < arguments.count else { return nil }
            i += 1
            return arguments[i]
        }
        while i < arguments.count {
            let a = arguments[i]
            if i == 0 { rest.append(a); i += 1; continue }
            if a == "--" { rest += arguments[i...]; break }
            if a == "--pcap" || a.hasPrefix("--pcap=") {
                guard let v = value("--pcap") else { return (o, rest, "option `--pcap' requires an argument") }
                o.files.append(v)
            } else if a == "--now" || a.hasPrefix("--now=") {
                guard let v = value("--now") else { return (o, rest, "option `--now' requires an argument") }
                guard let ns = parseEpoch(v) else { return (o, rest, "Bad parameter `\(v)' for --now (seconds since the epoch)") }
                o.now = ns
            } else if a == "--sysctl" || a.hasPrefix("--sysctl=") {
                guard let v = value("--sysctl") else { return (o, rest, "option `--sysctl' requires an argument") }
                guard let eq = v.firstIndex(of: "="), let n = Int(v[v.index(after: eq)...].trimmingSpaces()) else {
                    return (o, rest, "Bad parameter `\(v)' for --sysctl (NAME=VALUE)")
                }
                o.sysctls.append((String(v[..<eq]), n))
            } else if a == "--explain" {
                o.explain = true
            } else if a == "--ruleset" || a.hasPrefix("--ruleset=") {
                guard let v = value("--ruleset") else { return (o, rest, "option `--ruleset' requires an argument") }
                o.ruleset = v
            } else if a == "--iface" || a.hasPrefix("--iface=") {
                guard let v = value("--iface") else { return (o, rest, "option `--iface' requires an argument") }
                guard let eq = v.firstIndex(of: "="), eq != v.startIndex else {
                    return (o, rest, "Bad parameter `\(v)' for --iface (NAME=ADDR/LEN[,ADDR/LEN...])")
                }
                var itf = RouterModel.Interface(name: String(v[..<eq]))
                // In `ip address add` order: the kernel's rules make later addresses in an
                // earlier one's subnet secondary, and list IPv6 addresses newest first.
                for part in v[v.index(after: eq)...].split(separator: ",") {
                    guard let (addr, len) = parsePrefix(part) else {
                        return (o, rest, "Bad parameter `\(v)' for --iface (NAME=ADDR/LEN[,ADDR/LEN...])")
                    }
                    guard itf.add(addr, prefixLength: len) else {
                        return (o, rest, "Bad parameter `\(v)' for --iface (\(addr) is given twice)")
                    }
                }
                o.interfaces.append(itf)
            } else if a == "--route" || a.hasPrefix("--route=") {
                guard let v = value("--route") else { return (o, rest, "option `--route' requires an argument") }
                let usage = "Bad parameter `\(v)' for --route (PREFIX/LEN=INTERFACE[@GATEWAY])"
                guard let eq = v.firstIndex(of: "="), let (net, len) = parsePrefix(v[..<eq]),
                      v.index(after: eq) < v.endIndex else {
                    return (o, rest, usage)
                }
                let target = v[v.index(after: eq)...]
                var gateway: IPAddress? = nil
                var name = target
                if let at = target.firstIndex(of: "@") {
                    name = target[..<at]
                    guard let g = IPAddress(target[target.index(after: at)...]), g.family == net.family, !name.isEmpty else {
                        return (o, rest, usage)
                    }
                    gateway = g
                }
                o.routes.append(RouterModel.Route(destination: net, prefixLength: len, interface: String(name), gateway: gateway))
            } else {
                rest.append(a)
            }
            i += 1
        }
        return (o, rest, nil)
    }

    /// Parses `SECONDS[.FRACTION]` into nanoseconds.
    static func parseEpoch(_ s: String) -> UInt64? {
        let parts = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let secs = UInt64(parts[0]), secs < 1 << 33 else { return nil }
        var ns: UInt64 = 0
        if parts.count == 2 {
            let frac = parts[1]
            guard !frac.isEmpty, frac.count <= 9, frac.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            ns = UInt64(frac + String(repeating: "0", count: 9 - frac.count))!
        }
        return secs * 1_000_000_000 + ns
    }
}

extension StringProtocol {
    func trimmingSpaces() -> Substring {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}

/// A failure reading a capture file: one line, with the byte offset where it applies.
public struct CaptureReplayError: Error, CustomStringConvertible {
    public var description: String
}

/// The userspace tracker fed from capture files: a `FlowSource` whose table is the one
/// Linux would keep for the captured packets (accounting on by default).
///
/// The capture is replayed once, on first use; `-E` instead replays it while handing
/// each event over as it happens.
public final class EngineSource: FlowSource {
    let options: CaptureOptions
    private(set) var tracker: Tracker
    /// Where `--explain` lines and progress go.
    let explainOutput: OutputBuffer?
    let progress: ((String) -> Void)?
    private var replayed = false
    /// Where a damaged capture stopped the replay; thrown after the table was shown.
    private var captureError: CaptureReplayError?
    private var eventGroups: UInt32 = 0
    /// `-E expect`: expectation events are delivered instead of flow events.
    private var expectationEvents = false
    /// Time of the packet being processed or of the table view (nanoseconds).
    public private(set) var currentTime: UInt64 = 0
    /// True once `-E` has delivered every event of the capture.
    public private(set) var exhausted = false
    /// Frames that carried no IP packet (ARP, ...), skipped.
    public private(set) var skippedFrames = 0
    /// Packets handed to the tracker.
    public private(set) var packetCount = 0
    /// The router the packets go through (`--ruleset`); nil: straight into the tracker.
    private(set) var firewall: Firewall?
    /// Scratch copy of the packet being processed (NAT rewrites it); reused.
    private var scratch: [UInt8] = []
    /// Packets the ruleset dropped.
    public private(set) var droppedPackets = 0

    /// Creates the source. Throws a one-line message for an unknown sysctl.
    public init(options: CaptureOptions, explainOutput: OutputBuffer?, progress: ((String) -> Void)?) throws {
        self.options = options
        self.explainOutput = options.explain ? explainOutput : nil
        self.progress = progress
        tracker = try EngineSource.makeTracker(options, eventListener: false)
        firewall = try EngineSource.makeFirewall(options, tracker: tracker)
    }

    /// The router model from `--iface`/`--route`, and the ruleset from `--ruleset`,
    /// checked now so a bad file fails before any packet is read.
    static func makeFirewall(_ options: CaptureOptions, tracker: Tracker) throws -> Firewall? {
        guard let path = options.ruleset else {
            if !options.interfaces.isEmpty || !options.routes.isEmpty {
                throw CaptureReplayError(description: "--iface and --route need --ruleset FILE")
            }
            return nil
        }
        errno = 0
        guard let text = SystemIO.readFile(path) else {
            let why = errno == 0 ? "cannot read the file" : String(cString: strerror(errno))
            throw CaptureReplayError(description: "\(path): \(why)")
        }
        let ruleset: Ruleset
        do {
            ruleset = try Ruleset.parse(text, file: path)
        } catch {
            throw CaptureReplayError(description: "\(error)")
        }
        for r in options.routes where !options.interfaces.contains(where: { $0.name == r.interface }) {
            throw CaptureReplayError(description: "--route: unknown interface `\(r.interface)' (give it with --iface)")
        }
        let model = options.interfaces.isEmpty ? RouterModel.passThrough
            : RouterModel(interfaces: options.interfaces, routes: options.routes)
        do {
            return try Firewall(ruleset: ruleset, router: model, tracker: tracker)
        } catch {
            throw CaptureReplayError(description: "\(error)")
        }
    }

    /// A tracker with the kernel's defaults, accounting on, then the `--sysctl` values.
    static func makeTracker(_ options: CaptureOptions, eventListener: Bool) throws -> Tracker {
        var config = TrackerConfiguration()
        config.accounting = true
        // nf_conntrack_events=2: entries get events only while a listener exists (-E).
        config.hasEventListener = eventListener
        let tracker = Tracker(configuration: config)
        for (name, value) in options.sysctls {
            do {
                try tracker.setSysctl(name, value)
            } catch {
                throw CaptureReplayError(description: "\(error)")
            }
        }
        return tracker
    }

    /// The view time: `--now`, else the last packet's timestamp.
    var viewTime: UInt64 { options.now ?? currentTime }

    /// Replays every capture file through the tracker, calling `onEvents` after each packet.
    private func replay(_ onEvent: ((SourceEvent) throws -> Void)?) throws {
        guard !replayed else { return }
        replayed = true
        var lastProgress = monotonicSeconds()
        var number = 0
        files: for file in options.files {
            let reader: CaptureReader
            do {
                reader = file == "-" ? try CaptureReader(fileDescriptor: 0) : try CaptureReader(path: file)
            } catch {
                throw CaptureReplayError(description: "\(file): \(error)")
            }
            while true {
                let next: CapturedPacket?
                do {
                    next = try reader.next()
                } catch {
                    // Everything before the damage was processed and is kept; the error is
                    // reported once the table (or the events) have been shown.
                    captureError = CaptureReplayError(description: "\(file): \(error)")
                    break files
                }
                guard let packet = next else { break }
                number += 1
                let t = UInt64(max(0, packet.timestamp))
                if let stop = options.now, t > stop { break }
                let layer = LinkLayer.networkLayer(linkType: packet.linkType, frame: packet.bytes)
                guard let offset = layer.offset else {
                    skippedFrames += 1
                    if let out = explainOutput { explainSkipped(number, t, layer, out) }
                    continue
                }
                currentTime = max(currentTime, t)
                let ip = UnsafeRawBufferPointer(rebasing: packet.bytes[offset...])
                packetCount += 1
                if let fw = firewall {
                    routeThrough(fw, ip, number: number, time: t)
                } else {
                    let verdict = tracker.process(ip, now: t, metadata: PacketMetadata())
                    if let out = explainOutput { explain(number, t, ip, verdict, out) }
                }
                if let onEvent { try deliverEvents(onEvent) }
                if progress != nil, number & 0xffff == 0 {
                    let now = monotonicSeconds()
                    if now - lastProgress >= 1 {
                        lastProgress = now
                        progress?("\r\(number) packets, \(tracker.count) connections")
                    }
                }
            }
        }
        try finishReplay(onEvent)
    }

    /// One packet through the ruleset: it enters on the interface its source routes to
    /// (the router's own addresses: generated locally), NAT rewrites a scratch copy.
    private func routeThrough(_ fw: Firewall, _ ip: UnsafeRawBufferPointer, number: Int, time t: UInt64) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: ip)
        // Room for the FTP NAT helper to lengthen a command.
        scratch.append(contentsOf: repeatElement(0, count: 64))
        var length = ip.count
        let before = explainOutput == nil ? nil : EngineSource.packetTuple(ip)
        var input: Int? = 0
        if let src = EngineSource.packetTuple(ip)?.source {
            if fw.router.isLocal(src) { input = nil } else { input = fw.router.route(src) ?? 0 }
        }
        let v = scratch.withUnsafeMutableBytes { fw.process($0, length: &length, now: t, input: input) }
        if v.disposition == .dropped { droppedPackets += 1 }
        guard let out = explainOutput else { return }
        let after = scratch.withUnsafeBytes { EngineSource.packetTuple(UnsafeRawBufferPointer(rebasing: $0[..<length])) }
        explain(number, t, ip, v.conntrack, out, routed: (v, before, after))
    }

    /// Throws the capture error that cut the replay short, if any.
    private func reportCaptureError() throws {
        if let e = captureError { throw e }
    }

    private func finishReplay(_ onEvent: ((SourceEvent) throws -> Void)?) throws {
        if progress != nil && packetCount >= 0x10000 { progress?("\r\u{1b}[K") }
        let view = viewTime
        currentTime = view
        tracker.advance(to: view)
        if let onEvent { try deliverEvents(onEvent) }
        explainOutput?.flush()
    }

    private func deliverEvents(_ onEvent: (SourceEvent) throws -> Void) throws {
        var failure: Error?
        if expectationEvents {
            tracker.drainExpectationEvents { e in
                guard failure == nil, eventGroups & UInt32(e.type.rawValue) != 0 else { return }
                if let t = e.time { currentTime = t }
                do { try onEvent(.expectation(e)) } catch { failure = error }
            }
            tracker.drainEvents { _ in }
            if let failure { throw failure }
            return
        }
        tracker.drainExpectationEvents { _ in }
        tracker.drainEvents { e in
            guard failure == nil, eventGroups & UInt32(e.type.rawValue) != 0 else { return }
            if let t = e.time { currentTime = t }
            do { try onEvent(.flow(e)) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    private func monotonicSeconds() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return ts.tv_sec
    }

    // MARK: FlowSource

    public func dump(table: FlowTable, family: AddressFamily?, filter: DumpFilter, zeroCounters: Bool,
                     _ body: (Flow) throws -> Void) throws {
        try replay(nil)
        guard table == .conntrack else { return }
        var failure: Error?
        tracker.forEachFlow(now: viewTime) { f in
            guard failure == nil else { return }
            if let family, f.family != family { return }
            if let m = filter.mark, (f.mark ?? 0) & m.mask != m.value { return }
            if let s = filter.status, (f.status?.rawValue ?? 0) & s.mask != s.value { return }
            do { try body(f) } catch { failure = error }
        }
        if let failure { throw failure }
        try reportCaptureError()
    }

    public func get(original: Tuple?, reply: Tuple?, zone: UInt16?, family: AddressFamily) throws -> Flow {
        try replay(nil)
        guard let t = original ?? reply,
              let f = tracker.flow(matching: t, zone: zone ?? 0, now: viewTime) else {
            try reportCaptureError()
            throw SourceError(errno: ENOENT)
        }
        return f
    }

    public func create(_ flow: Flow) throws { throw SourceError(errno: EOPNOTSUPP) }
    public func update(_ flow: Flow, family: AddressFamily) throws { throw SourceError(errno: EOPNOTSUPP) }
    public func delete(_ flow: Flow) throws { throw SourceError(errno: EOPNOTSUPP) }
    public func flush(family: AddressFamily?) throws { throw SourceError(errno: EOPNOTSUPP) }

    public func count() throws -> UInt32 {
        try replay(nil)
        try reportCaptureError()
        return UInt32(tracker.count)
    }

    public func cpuStatistics() throws -> [CPUStatistics] {
        try replay(nil)
        try reportCaptureError()
        return [tracker.statistics]
    }

    public func dumpExpectations(family: AddressFamily, _ body: (Expectation) throws -> Void) throws {
        try replay(nil)
        var all: [Expectation] = []
        tracker.forEachExpectation(now: viewTime) { e in if e.tuple.family == family { all.append(e) } }
        for e in all { try body(e) }
        try reportCaptureError()
    }
    public func getExpectation(tuple: Tuple, family: AddressFamily) throws -> Expectation {
        try replay(nil)
        var found: Expectation?
        tracker.forEachExpectation(now: viewTime) { e in
            if found == nil && e.tuple.source == tuple.source && e.tuple.destination == tuple.destination
                && e.tuple.proto == tuple.proto && e.tuple.destinationPort == tuple.destinationPort {
                found = e
            }
        }
        guard let found else { throw SourceError(errno: ENOENT) }
        return found
    }
    public func createExpectation(_ e: Expectation) throws { throw SourceError(errno: EOPNOTSUPP) }
    public func deleteExpectation(tuple: Tuple, family: AddressFamily) throws { throw SourceError(errno: ENOENT) }
    public func flushExpectations(family: AddressFamily) throws { throw SourceError(errno: EOPNOTSUPP) }
    public func expectationStatistics() throws -> [ExpectationStatistics] {
        try replay(nil)
        let c = tracker.counters
        return [ExpectationStatistics(cpu: 0, new: UInt32(truncatingIfNeeded: c.expectNew),
                                      create: UInt32(truncatingIfNeeded: c.expectCreate),
                                      delete: UInt32(truncatingIfNeeded: c.expectDelete))]
    }

    public func subscribe(expectations: Bool, groups: UInt32, bufferSize: Int?) throws -> Int? {
        eventGroups = groups
        expectationEvents = expectations
        // Events must exist for entries created from now on (nf_conntrack_events=2 with a listener).
        if !replayed {
            tracker = try EngineSource.makeTracker(options, eventListener: true)
            firewall = try EngineSource.makeFirewall(options, tracker: tracker)
        }
        return bufferSize
    }

    public func receiveEvents(timeoutMilliseconds: Int32, _ body: (SourceEvent) throws -> Void) throws {
        if exhausted { return }
        defer { exhausted = true }
        try withoutActuallyEscaping(body) { deliver in
            try replay { e in try deliver(e) }
        }
        try reportCaptureError()
    }
}
