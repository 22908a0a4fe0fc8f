import Foundation
import Glibc
import ConntrackTestSupport
import ConntrackKernel
import ConntrackFirewall
import Conntrack

/// One scenario packet at the router: when and where it arrived, its bytes, and what
/// left the router because of it.
struct RouterPacket {
    var time: UInt64
    var side: Side
    var input: [UInt8]
    /// Frames the router sent right after receiving it (interface name, IP packet).
    var outputs: [(interface: String, bytes: [UInt8])] = []
    /// R sent it itself (`NATStep.fromRouter`): `input` is what its socket handed to the
    /// output hook, `time` when it did.
    var fromRouter = false
}

/// A rule of R's listing: table family and name, chain name, position in the chain.
struct RuleKey: Hashable, CustomStringConvertible {
    var family: String
    var table: String
    var chain: String
    var index: Int
    var description: String { "\(family) \(table) \(chain) rule #\(index + 1)" }
}

/// What the kernel did with one NAT scenario.
struct NATKernelObservation {
    var packets: [RouterPacket]
    /// The packets the steps built for the kernel (must equal what R received).
    var built: [[UInt8]]
    /// R's table as ctnetlink dumps it (status bits included) at `listedAt`.
    var flows: [Flow]
    var listedAt: UInt64
    var events: [KernelEntry]
    /// `counter` values of R's rules after the run.
    var counters: [RuleKey: (packets: UInt64, bytes: UInt64)]
    /// Increase of R's conntrack statistics.
    var statistics: [String: Int]
    /// R's interfaces, addresses and routes.
    var router: RouterModel
}

/// Collects captured frames into packets: an incoming scenario frame starts a packet,
/// outgoing frames that follow belong to it (R handles one packet at a time: steps
/// are paced).
struct FrameCollector {
    var names: [Int32: String]
    var packets: [RouterPacket] = []
    var view = RouterView()
    /// Outgoing scenario frames seen before any packet (never expected).
    var stray: [String] = []

    mutating func absorb(_ frames: [CapturedFrame]) {
        for f in frames where Topology.isScenarioTraffic(f.frame) {
            var ip = Array(f.frame[14...])
            // What the device puts on the wire for a CHECKSUM_PARTIAL frame (veth never
            // completes it; a NIC would).
            if f.checksumNotReady { PacketEdit.completeChecksum(&ip) }
            let name = names[f.ifindex] ?? "if\(f.ifindex)"
            if f.outgoing {
                guard !packets.isEmpty else { stray.append(name); continue }
                if packets[packets.count - 1].outputs.isEmpty { view.forwarded[packets.count - 1] = ip }
                packets[packets.count - 1].outputs.append((name, ip))
            } else {
                packets.append(RouterPacket(time: f.time, side: name == "rb" ? .b : .a, input: ip))
            }
        }
    }

    /// R is about to send `ip` itself: it starts a packet, and the frames R sends next
    /// are what it became. (Absorb everything captured before first.)
    mutating func sentByRouter(_ ip: [UInt8], at time: UInt64) {
        packets.append(RouterPacket(time: time, side: .a, input: ip, fromRouter: true))
    }
}

extension Topology {
    /// Replaces R's whole ruleset with the file at `path` (`nft flush ruleset; nft -f`).
    func loadRuleset(path: String) throws {
        try r.runChecked(["nft", "flush", "ruleset"])
        try r.runChecked(["nft", "-f", path])
    }

    /// R's interfaces (with their addresses) and routes, as `ip -j` reports them.
    func routerModel() throws -> (RouterModel, [Int32: String]) {
        func json(_ argv: [String]) throws -> [[String: Any]] {
            let out = try r.runChecked(argv).stdout
            return (try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]]) ?? []
        }
        var interfaces: [RouterModel.Interface] = []
        var names: [Int32: String] = [:]
        for link in try json(["ip", "-j", "address", "show"]) {
            guard let name = link["ifname"] as? String, let idx = link["ifindex"] as? Int else { continue }
            names[Int32(idx)] = name
            var addrs: [IPAddress] = [], lens: [Int] = [], scopes: [AddressScope] = [], secondary: [Bool] = []
            // In the kernel's list order, with scope and IFA_F_SECONDARY; tentative IPv6
            // addresses (DAD not done) are not assigned yet, no source address selection
            // considers them.
            for a in (link["addr_info"] as? [[String: Any]]) ?? [] {
                guard let s = a["local"] as? String, let ip = IPAddress(s), let l = a["prefixlen"] as? Int else { continue }
                if a["tentative"] as? Bool == true { continue }
                addrs.append(ip); lens.append(l)
                scopes.append((a["scope"] as? String).flatMap(AddressScope.init(name:)) ?? .default(for: ip))
                secondary.append(a["secondary"] as? Bool == true)
            }
            interfaces.append(RouterModel.Interface(name: name, addresses: addrs, prefixLengths: lens, scopes: scopes,
                                                    secondary: secondary))
        }
        var routes: [RouterModel.Route] = []
        for argv in [["ip", "-j", "-4", "route", "show"], ["ip", "-j", "-6", "route", "show"]] {
            for r in try json(argv) {
                guard let dst = r["dst"] as? String, let dev = r["dev"] as? String else { continue }
                let v6 = argv[2] == "-6"
                let (net, len): (String, Int)
                if dst == "default" {
                    (net, len) = (v6 ? "::" : "0.0.0.0", 0)
                } else if let slash = dst.firstIndex(of: "/") {
                    (net, len) = (String(dst[..<slash]), Int(dst[dst.index(after: slash)...]) ?? 0)
                } else {
                    (net, len) = (dst, v6 ? 128 : 32)
                }
                guard let a = IPAddress(net) else { continue }
                let gateway = (r["gateway"] as? String).flatMap { IPAddress($0) }
                routes.append(RouterModel.Route(destination: a, prefixLength: len, interface: dev, gateway: gateway))
            }
        }
        return (RouterModel(interfaces: interfaces, routes: routes), names)
    }

    /// Every rule of R with its counter, from `nft -j list ruleset`.
    func ruleCounters() throws -> [RuleKey: (packets: UInt64, bytes: UInt64)] {
        let out = try r.runChecked(["nft", "-j", "list", "ruleset"]).stdout
        guard let top = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any],
              let items = top["nftables"] as? [[String: Any]] else { throw TestSupportError("nft -j: unexpected output") }
        var next: [String: Int] = [:]
        var result: [RuleKey: (packets: UInt64, bytes: UInt64)] = [:]
        for item in items {
            guard let rule = item["rule"] as? [String: Any], let fam = rule["family"] as? String,
                  let table = rule["table"] as? String, let chain = rule["chain"] as? String else { continue }
            let k = "\(fam) \(table) \(chain)"
            let index = next[k, default: 0]
            next[k] = index + 1
            for e in (rule["expr"] as? [[String: Any]]) ?? [] {
                if let c = e["counter"] as? [String: Any] {
                    let p = (c["packets"] as? NSNumber)?.uint64Value ?? 0
                    let b = (c["bytes"] as? NSNumber)?.uint64Value ?? 0
                    result[RuleKey(family: fam, table: table, chain: chain, index: index)] = (p, b)
                }
            }
        }
        return result
    }

    /// A UDP socket in R bound to `[::]:port` (both families), so that redirected
    /// datagrams are delivered without an ICMP port unreachable.
    func udpListener(port: UInt16) throws -> Int32 {
        try r.perform {
            let fd = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
            guard fd >= 0 else { throw SocketError("socket(AF_INET6, SOCK_DGRAM)") }
            var off: Int32 = 0
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &off, 4)
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = port.bigEndian
            let rc = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
            guard rc == 0 else { close(fd); throw SocketError("bind [::]:\(port)") }
            return fd
        }
    }

    /// Sends `packet` (a whole IPv4 or IPv6 packet) from R itself through a raw socket
    /// (`IPPROTO_RAW`: the header is ours), so it enters R's output hook as a local
    /// sender's packet. IPv4: the kernel fills in only a zero identification and the header
    /// checksum, so a packet built with both is seen unchanged. A packet R's ruleset drops
    /// makes `sendto` fail with EPERM: not an error here.
    func sendFromRouter(_ packet: [UInt8]) throws {
        guard let view = PacketView(packet) else { throw TestSupportError("sendFromRouter: not an IP packet") }
        try r.perform {
            let v6 = view.family == .ipv6
            let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_RAW))
            guard fd >= 0 else { throw SocketError("socket(SOCK_RAW, IPPROTO_RAW)") }
            defer { close(fd) }
            var storage = sockaddr_storage()
            let length: Int
            if v6 {
                length = MemoryLayout<sockaddr_in6>.size
                withUnsafeMutableBytes(of: &storage) { p in
                    p.storeBytes(of: sa_family_t(AF_INET6), toByteOffset: 0, as: sa_family_t.self)
                    for (i, b) in packet[24..<40].enumerated() { p[8 + i] = b }   // sin6_addr
                }
            } else {
                length = MemoryLayout<sockaddr_in>.size
                withUnsafeMutableBytes(of: &storage) { p in
                    p.storeBytes(of: sa_family_t(AF_INET), toByteOffset: 0, as: sa_family_t.self)
                    for (i, b) in packet[16..<20].enumerated() { p[4 + i] = b }   // sin_addr
                }
            }
            let n = packet.withUnsafeBytes { buf in
                withUnsafePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, buf.baseAddress, buf.count, 0, $0, socklen_t(length))
                    }
                }
            }
            if n < 0 && errno == EPERM { return }
            guard n == packet.count else { throw SocketError("sendto(SOCK_RAW) from R") }
        }
    }

    /// Runs a NAT scenario against R: R's ruleset replaced by the scenario's file, table
    /// flushed, knobs set; each step is built from what R forwarded so far, injected,
    /// and waited for; then R's table (ctnetlink, with status bits), events, rule
    /// counters and statistics are read, and the ruleset removed again.
    func observeNAT(_ s: NATScenario, rulesetPath: String) throws -> NATKernelObservation {
        try resetSysctls()
        try loadRuleset(path: rulesetPath)
        defer {
            _ = try? r.run(["nft", "flush", "ruleset"])
            _ = try? flush()
        }
        for k in s.knobs { try setSysctl(k.name, k.value) }
        func names(_ c: [String]) -> [String] {
            c.map { $0.replacingOccurrences(of: "{A}", with: a.name).replacingOccurrences(of: "{R}", with: r.name)
                .replacingOccurrences(of: "{B}", with: b.name) }
        }
        defer { for c in s.teardown { _ = try? r.run(names(c)) } }
        for c in s.setup { try r.runChecked(names(c)) }
        try flush()
        let (model, names) = try routerModel()
        let sockets = try s.listenUDP.map { try udpListener(port: $0) }
        defer { for fd in sockets { close(fd) } }
        capture.captureOutgoing = true
        _ = try capture.drain()
        let statsBefore = try statistics()
        let listener = try startEventListener()
        var stopped = false
        defer { if !stopped { _ = listener.stop() } }
        var collector = FrameCollector(names: names)
        var built: [[UInt8]] = []
        for (i, step) in s.steps.enumerated() {
            if step.delayMs > 0 { usleep(UInt32(step.delayMs) * 1000) }
            collector.absorb(try capture.drain())
            let p = try step.build(collector.view)
            built.append(p)
            if step.fromRouter {
                // Everything captured before belongs to earlier packets.
                collector.absorb(try capture.drain())
                collector.sentByRouter(p, at: wallClockNow())
                try sendFromRouter(p)
            } else {
                try inject(p, from: step.side)
            }
            let deadline = Date().addingTimeInterval(1)
            while collector.packets.count <= i {
                guard Date() < deadline else { throw TestSupportError("R did not receive packet #\(i + 1)") }
                usleep(200)
                collector.absorb(try capture.drain())
            }
        }
        usleep(30_000)
        collector.absorb(try capture.drain())
        if !collector.stray.isEmpty { throw TestSupportError("R sent frames before the first packet: \(collector.stray)") }
        let listedAt = wallClockNow()
        let flows = try ConntrackClient(networkNamespace: r.name).list()
        let counters = try ruleCounters()
        let statsAfter = try statistics()
        usleep(10_000)
        let result = listener.stop()
        stopped = true
        let events = try result.stdout.split(separator: "\n").filter { $0.contains("[") }
            .map { try KernelEntry(line: String($0)) }
        return NATKernelObservation(packets: collector.packets, built: built, flows: flows, listedAt: listedAt,
                                    events: events, counters: counters,
                                    statistics: statsAfter.merging(statsBefore) { $0 - $1 }, router: model)
    }
}
