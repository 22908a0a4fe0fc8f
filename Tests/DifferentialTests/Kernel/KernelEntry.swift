import Conntrack

/// One line of `conntrack -L -o extended` (or one `conntrack -E -o timestamp,extended`
/// event), parsed into the vocabulary's types so it can be compared field by field.
///
/// Example: `ipv4     2 tcp      6 431999 ESTABLISHED src=10.88.1.5 dst=10.88.2.5
/// sport=40000 dport=80 packets=3 bytes=164 src=... packets=1 bytes=60 [ASSURED]
/// mark=0 use=1`.
struct KernelEntry: Equatable, CustomStringConvertible {
    /// The event kind for event lines (`[NEW]` / `[UPDATE]` / `[DESTROY]`), nil for listings.
    var eventType: EventType?
    /// Event timestamp (`-o timestamp`), ns since the epoch.
    var eventTime: UInt64?
    var family: AddressFamily
    var proto: UInt8
    /// Remaining seconds (absent in DESTROY events and for offloaded entries).
    var timeout: UInt32?
    /// Protocol state name (`ESTABLISHED`, `COOKIE_WAIT`...), when printed.
    var state: String?
    var original: Tuple
    var reply: Tuple
    var countersOriginal: Counters?
    var countersReply: Counters?
    /// `[UNREPLIED]`: SEEN_REPLY not set.
    var unreplied: Bool
    /// `[ASSURED]`
    var assured: Bool
    var mark: UInt32?
    /// `zone=N` (bidirectional zone), absent for the default zone.
    var zone: UInt16?
    /// The line as the tool printed it.
    var line: String

    var description: String { line }
}

enum KernelParseError: Error, CustomStringConvertible {
    case bad(String, String)
    var description: String {
        switch self { case .bad(let why, let line): "cannot parse conntrack line (\(why)): \(line)" }
    }
}

extension KernelEntry {
    /// Parses every non-empty line of `conntrack -L -o extended` output (summary lines
    /// on stderr are not part of it).
    static func parseListing(_ text: String) throws -> [KernelEntry] {
        try text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("#") }
            .map { try KernelEntry(line: String($0)) }
    }

    init(line: String) throws {
        var tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        var eventType: EventType?
        var eventTime: UInt64?
        if let first = tokens.first, first.hasPrefix("["), first.first(where: \.isNumber) != nil, first.contains(".") {
            // `[1795553005.999650]`: seconds.microseconds
            let body = first.dropFirst().dropLast()
            let parts = body.split(separator: ".")
            if parts.count == 2, let s = UInt64(parts[0]), let us = UInt64(parts[1]) {
                eventTime = s * 1_000_000_000 + us * 1000
            }
            tokens.removeFirst()
        }
        if let first = tokens.first {
            switch first {
            case "[NEW]": eventType = .new; tokens.removeFirst()
            case "[UPDATE]": eventType = .update; tokens.removeFirst()
            case "[DESTROY]": eventType = .destroy; tokens.removeFirst()
            default: break
            }
        }
        guard tokens.count >= 4, let l3 = Int(tokens[1]), let proto = UInt8(tokens[3]) else {
            throw KernelParseError.bad("header", line)
        }
        let family: AddressFamily = l3 == 2 ? .ipv4 : .ipv6
        var timeout: UInt32?
        var state: String?
        var idx = 4
        while idx < tokens.count, !tokens[idx].contains("="), !tokens[idx].hasPrefix("[") {
            if let t = UInt32(tokens[idx]) { timeout = t } else { state = tokens[idx] }
            idx += 1
        }
        // Tuples: each starts at `src=`; the first is ORIGINAL, the second REPLY.
        var tuples: [[String: String]] = []
        var counters: [Counters?] = []
        var unreplied = false, assured = false
        var mark: UInt32?
        var zone: UInt16?
        for tok in tokens[idx...] {
            if tok.hasPrefix("[") {
                if tok == "[UNREPLIED]" { unreplied = true }
                if tok == "[ASSURED]" { assured = true }
                continue
            }
            guard let eq = tok.firstIndex(of: "=") else { continue }
            let key = String(tok[..<eq]), value = String(tok[tok.index(after: eq)...])
            switch key {
            case "src":
                tuples.append(["src": value]); counters.append(nil)
            case "packets", "bytes":
                guard !counters.isEmpty, let v = UInt64(value) else { continue }
                var c = counters[counters.count - 1] ?? Counters()
                if key == "packets" { c.packets = v } else { c.bytes = v }
                counters[counters.count - 1] = c
            case "mark": mark = UInt32(value)
            case "zone": zone = UInt16(value)
            // (`id=` is the ICMP identifier inside a tuple; entry ids need `-o id`, not used.)
            case "use", "delta-time", "secctx", "helper", "labels": continue
            default:
                // Tuple fields (dst, sport, dport, type, code, id, srckey, dstkey, zone-orig...)
                if !tuples.isEmpty { tuples[tuples.count - 1][key] = value }
            }
        }
        guard tuples.count == 2 else { throw KernelParseError.bad("need two tuples", line) }
        func tuple(_ d: [String: String]) throws -> Tuple {
            guard let s = d["src"].flatMap({ IPAddress($0) }), let dst = d["dst"].flatMap({ IPAddress($0) }) else {
                throw KernelParseError.bad("addresses", line)
            }
            var sp: UInt16 = 0, dp: UInt16 = 0
            if let v = d["sport"], let p = UInt16(v) { sp = p }
            if let v = d["dport"], let p = UInt16(v) { dp = p }
            if let t = d["type"].flatMap({ UInt16($0) }) {
                let c = d["code"].flatMap { UInt16($0) } ?? 0
                dp = t << 8 | c
                sp = d["id"].flatMap { UInt16($0) } ?? 0
            }
            if let v = d["srckey"], let k = UInt16(v.dropFirst(2), radix: 16) { sp = k }
            if let v = d["dstkey"], let k = UInt16(v.dropFirst(2), radix: 16) { dp = k }
            // `zone-orig=N` / `zone-reply=N`: a directional zone printed after its tuple.
            let z = (d["zone-orig"] ?? d["zone-reply"]).flatMap { UInt16($0) }
            return Tuple(source: s, destination: dst, protocol: proto, sourcePort: sp, destinationPort: dp, zone: z)
        }
        self.init(eventType: eventType, eventTime: eventTime, family: family, proto: proto,
                  timeout: timeout, state: state, original: try tuple(tuples[0]), reply: try tuple(tuples[1]),
                  countersOriginal: counters[0], countersReply: counters[1],
                  unreplied: unreplied, assured: assured, mark: mark, zone: zone, line: line)
    }
}
