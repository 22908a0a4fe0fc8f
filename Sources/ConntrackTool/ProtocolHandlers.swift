import Conntrack

/// A layer-4 protocol extension of conntrack-tools (`struct ctproto_handler`): its
/// options (only known after `-p`), its legality table and its final check.
struct ProtocolHandler {
    enum Kind { case tcp, udp, udplite, sctp, dccp, icmp, icmpv6, gre, unknown }
    var kind: Kind
    var name: String
    var protonum: UInt8
    /// Long options and their codes (the code is what `parse` switches on).
    var options: [(String, Int)]
    /// Option names for legality messages, indexed by flag bit.
    var optflags: [String]
    /// Legality per command (rows as in `Command`), 0 illegal, 1 required, 2 optional, 3 direction.
    var table: [[UInt8]]
    /// Messages when neither direction is complete (original, reply), nil for no check.
    var directionMessages: (String, String)?
    var help: [String]
    /// tcp/udp/udplite/icmp/icmpv6/gre number their options '1'...'9'; sctp/dccp 1...11.
    var usesCharCodes: Bool { kind != .sctp && kind != .dccp }
}

private let portOptions: [(String, Int)] = [
    ("orig-port-src", 1), ("sport", 1), ("orig-port-dst", 2), ("dport", 2), ("reply-port-src", 3),
    ("reply-port-dst", 4), ("mask-port-src", 5), ("mask-port-dst", 6),
]
private let portHelp = [
    "  --orig-port-src\t\toriginal source port", "  --orig-port-dst\t\toriginal destination port",
    "  --reply-port-src\t\treply source port", "  --reply-port-dst\t\treply destination port",
    "  --mask-port-src\t\tmask source port", "  --mask-port-dst\t\tmask destination port",
    "  --tuple-port-src\t\texpectation tuple src port", "  --tuple-port-src\t\texpectation tuple dst port",
]

private func rows(_ list: [UInt8], _ create: [UInt8], _ update: [UInt8], _ delete: [UInt8], _ get: [UInt8],
                  _ event: [UInt8], _ expCreate: [UInt8], _ expDelete: [UInt8], _ add: [UInt8]) -> [[UInt8]] {
    let z = [UInt8](repeating: 0, count: list.count)
    return [list, create, update, delete, get, z, event, z, z, z, expCreate, expDelete, expDelete, z, z, z, z, z, z, add]
}

let tcpHandler = ProtocolHandler(
    kind: .tcp, name: "tcp", protonum: 6,
    options: portOptions + [("state", 7), ("tuple-port-src", 8), ("tuple-port-dst", 9)],
    optflags: ["sport", "dport", "reply-port-src", "reply-port-dst", "mask-port-src", "mask-port-dst", "state",
               "tuple-port-src", "tuple-port-dst"],
    table: rows([2,2,2,2,0,0,2,0,0], [3,3,3,3,0,0,1,0,0], [2,2,2,2,0,0,2,0,0], [2,2,2,2,0,0,2,0,0],
                [3,3,3,3,0,0,2,0,0], [2,2,2,2,0,0,2,0,0], [1,1,0,0,1,1,0,1,1], [1,1,1,1,0,0,0,0,0],
                [3,3,3,3,0,0,1,0,0]),
    directionMessages: ("you have to specify `--sport' and `--dport'",
                        "you have to specify `--reply-src-port' and `--reply-dst-port'"),
    help: portHelp + ["  --state\t\t\tTCP state, fe. ESTABLISHED"])

private let udpTable = rows([2,2,2,2,0,0,0,0], [3,3,3,3,0,0,0,0], [2,2,2,2,0,0,0,0], [2,2,2,2,0,0,0,0],
                            [3,3,3,3,0,0,0,0], [2,2,2,2,0,0,0,0], [1,1,0,0,1,1,1,1], [1,1,1,1,0,0,0,0],
                            [3,3,3,3,0,0,0,0])
private let udpFlags = ["sport", "dport", "reply-port-src", "reply-port-dst", "mask-port-src", "mask-port-dst",
                        "tuple-port-src", "tuple-port-dst"]

let udpHandler = ProtocolHandler(
    kind: .udp, name: "udp", protonum: 17,
    options: portOptions + [("tuple-port-src", 7), ("tuple-port-dst", 8)],
    optflags: udpFlags, table: udpTable,
    directionMessages: ("you have to specify `--sport' and `--dport'",
                        "you have to specify `--reply-src-port' and `--reply-dst-port'"),
    help: portHelp)

let udpliteHandler = ProtocolHandler(
    kind: .udplite, name: "udplite", protonum: 136,
    options: portOptions + [("tuple-port-src", 7), ("tuple-port-dst", 8)],
    optflags: udpFlags, table: udpTable,
    directionMessages: ("you have to specify `--sport' and `--dport'",
                        "you have to specify `--reply-src-port' and `--reply-dst-port'"),
    help: portHelp)

let sctpHandler = ProtocolHandler(
    kind: .sctp, name: "sctp", protonum: 132,
    options: [("orig-port-src", 1), ("orig-port-dst", 2), ("reply-port-src", 3), ("reply-port-dst", 4),
              ("mask-port-src", 5), ("mask-port-dst", 6), ("state", 7), ("tuple-port-src", 8),
              ("tuple-port-dst", 9), ("orig-vtag", 10), ("reply-vtag", 11), ("sport", 1), ("dport", 2)],
    optflags: ["sport", "dport", "reply-port-src", "reply-port-dst", "mask-port-src", "mask-port-dst", "state",
               "tuple-port-src", "tuple-port-dst", "orig-vtag", "reply-vtag"],
    table: rows([2,2,2,2,0,0,2,0,0,0,0], [3,3,3,3,0,0,1,0,0,1,1], [2,2,2,2,0,0,2,0,0,2,2],
                [2,2,2,2,0,0,2,0,0,0,0], [3,3,3,3,0,0,2,0,0,2,2], [2,2,2,2,0,0,2,0,0,0,0],
                [1,1,0,0,1,1,0,1,1,1,1], [1,1,1,1,0,0,0,0,0,0,0], [3,3,3,3,0,0,1,0,0,1,1]),
    directionMessages: ("you have to specify `--sport' and `--dport'",
                        "you have to specify `--reply-src-port' and `--reply-dst-port'"),
    help: portHelp + ["  --state\t\t\tSCTP state, fe. ESTABLISHED", "  --orig-vtag\t\toriginal verification tag",
                      "  --reply-vtag\t\treply verification tag"])

let dccpHandler = ProtocolHandler(
    kind: .dccp, name: "dccp", protonum: 33,
    options: [("orig-port-src", 1), ("orig-port-dst", 2), ("reply-port-src", 3), ("reply-port-dst", 4),
              ("mask-port-src", 5), ("mask-port-dst", 6), ("state", 7), ("tuple-port-src", 8),
              ("tuple-port-dst", 9), ("sport", 1), ("dport", 2), ("role", 10)],
    optflags: ["sport", "dport", "reply-port-src", "reply-port-dst", "mask-port-src", "mask-port-dst", "state",
               "tuple-port-src", "tuple-port-dst", "role"],
    table: rows([2,2,2,2,0,0,2,0,0,0], [3,3,3,3,0,0,1,0,0,1], [2,2,2,2,0,0,2,0,0,0], [2,2,2,2,0,0,2,0,0,0],
                [3,3,3,3,0,0,2,0,0,0], [2,2,2,2,0,0,2,0,0,0], [1,1,0,0,1,1,0,1,1,1], [1,1,1,1,0,0,0,0,0,0],
                [3,3,3,3,0,0,1,0,0,1]),
    directionMessages: ("you have to specify `--sport' and `--dport'",
                        "you have to specify `--reply-port-src' and `--report-port-dst'"),
    help: portHelp + ["  --state\t\t\tDCCP state, fe. RESPOND"])

private let icmpTable = rows([2,2,2], [1,1,2], [2,2,2], [2,2,2], [1,1,2], [2,2,2], [0,0,0], [0,0,0], [1,1,2])

let icmpHandler = ProtocolHandler(
    kind: .icmp, name: "icmp", protonum: 1,
    options: [("icmp-type", 1), ("icmp-code", 2), ("icmp-id", 3)],
    optflags: ["icmp-type", "icmp-code", "icmp-id"], table: icmpTable, directionMessages: nil,
    help: ["  --icmp-type\t\t\ticmp type", "  --icmp-code\t\t\ticmp code", "  --icmp-id\t\t\ticmp id"])

let icmpv6Handler = ProtocolHandler(
    kind: .icmpv6, name: "icmpv6", protonum: 58,
    options: [("icmpv6-type", 1), ("icmpv6-code", 2), ("icmpv6-id", 3)],
    optflags: ["icmpv6-type", "icmpv6-code", "icmpv6-id"], table: icmpTable, directionMessages: nil,
    help: ["  --icmpv6-type\t\t\ticmpv6 type", "  --icmpv6-code\t\t\ticmpv6 code", "  --icmpv6-id\t\t\ticmpv6 id"])

let greHandler = ProtocolHandler(
    kind: .gre, name: "gre", protonum: 47,
    options: [("orig-key-src", 1), ("srckey", 1), ("orig-key-dst", 2), ("dstkey", 2), ("reply-key-src", 3),
              ("reply-key-dst", 4), ("mask-key-src", 5), ("mask-key-dst", 6), ("tuple-key-src", 7),
              ("tuple-key-dst", 8)],
    optflags: ["srckey", "dstkey", "reply-key-src", "reply-key-dst", "mask-key-src", "mask-key-dst",
               "tuple-key-src", "tuple-key-dst"],
    table: rows([2,2,2,2,0,0,0,0], [3,3,3,3,0,0,0,0], [2,2,2,2,0,0,0,0], [2,2,2,2,0,0,0,0],
                [3,3,3,3,0,0,0,0], [2,2,2,2,0,0,0,0], [1,1,1,1,1,1,1,1], [1,1,1,1,0,0,0,0],
                [3,3,3,3,0,0,0,0]),
    directionMessages: ("you have to specify `--srckey' and `--dstkey'",
                        "you have to specify `--reply-src-key' and `--reply-dst-key'"),
    help: ["  --orig-key-src\t\toriginal source key", "  --orig-key-dst\t\toriginal destination key",
           "  --reply-key-src\t\treply source key", "  --reply-key-dst\t\treply destination key",
           "  --mask-key-src\t\tmask source key", "  --mask-key-dst\t\tmask destination key",
           "  --tuple-key-src\t\texpectation tuple src key", "  --tuple-key-src\t\texpectation tuple dst key"])

let unknownHandler = ProtocolHandler(
    kind: .unknown, name: "unknown", protonum: 0, options: [], optflags: [], table: [], directionMessages: nil,
    help: ["  no options (unsupported)"])

/// Registered handlers in the order `findproto` walks them (reverse registration order).
let protocolHandlers = [greHandler, icmpv6Handler, icmpHandler, dccpHandler, sctpHandler, udpliteHandler,
                        udpHandler, tcpHandler]

/// TCP states accepted by `--state` (exact, case-sensitive), plus `LISTEN`.
let tcpStateNames = TCPState.names
/// SCTP states conntrack-tools accepts (its table stops at SHUTDOWN_ACK_SENT).
let sctpStateNames = Array(SCTPState.names.prefix(8))
let dccpStateNames = DCCPState.names
