import XCTest
import Conntrack
import PacketBuilder
@testable import ConntrackEngine

/// Every cell of both TCP state tables (reference §4.4), first as data, then through the
/// engine with real packets (window checks disabled with be_liberal so that only the
/// state machine and the §4.5 special cases decide).
final class TCPStateTableTests: XCTestCase {
    /// The reference tables transcribed from §4.4 (rows syn, synack, fin, ack, rst, none;
    /// columns NO SS SR ES FW CW LA TW CL S2).
    static let reference: [[String]] = [
        // ORIGINAL
        ["SS SS IG IG IG IG IG SS SS S2",
         "IV IV SR IV IV IV IV IV IV SR",
         "IV IV FW FW LA LA LA TW CL IV",
         "ES IV ES ES CW CW TW TW CL IV",
         "IV CL CL CL CL CL CL CL CL CL",
         "IV IV IV IV IV IV IV IV IV IV"],
        // REPLY
        ["IV S2 IV IV IV IV IV SS IV S2",
         "IV SR IG IG IG IG IG IG IG SR",
         "IV IV FW FW LA LA LA TW CL IV",
         "IV IG SR ES CW CW TW TW CL IG",
         "IV CL CL CL CL CL CL CL CL CL",
         "IV IV IV IV IV IV IV IV IV IV"],
    ]
    static let names = ["NO", "SS", "SR", "ES", "FW", "CW", "LA", "TW", "CL", "S2", "IV", "IG"]

    static func cell(_ dir: Int, _ cls: Int, _ old: Int) -> String {
        String(reference[dir][cls].split(separator: " ")[old])
    }

    func testEveryCellMatchesReference() {
        var checked = 0
        for dir in 0..<2 {
            for cls in TCPStateTable.PacketClass.allCases {
                for old in TCPState.allCases {
                    let got = TCPStateTable.next(direction: UInt8(dir), class: cls, old: old)
                    XCTAssertEqual(Self.names[Int(got)], Self.cell(dir, Int(cls.rawValue), Int(old.rawValue)),
                                   "dir \(dir) class \(cls) old \(old)")
                    checked += 1
                }
            }
        }
        XCTAssertEqual(checked, 120)
    }

    func testPacketClassAndValidFlags() {
        XCTAssertEqual(TCPStateTable.packetClass(flags: 0x14), .rst)
        XCTAssertEqual(TCPStateTable.packetClass(flags: 0x12), .synAck)
        XCTAssertEqual(TCPStateTable.packetClass(flags: 0x02), .syn)
        XCTAssertEqual(TCPStateTable.packetClass(flags: 0x11), .fin)
        XCTAssertEqual(TCPStateTable.packetClass(flags: 0x18), .ack)
        XCTAssertEqual(TCPStateTable.packetClass(flags: 0x00), .none)
        let valid: Set<UInt8> = [0x02, 0x22, 0x12, 0x04, 0x14, 0x11, 0x31, 0x10, 0x30]
        for f in 0..<64 {
            XCTAssertEqual(TCPStateTable.validFlags(UInt8(f)), valid.contains(UInt8(f) & 0x37), "flags \(f)")
            // PSH/ECE/CWR never matter
            XCTAssertEqual(TCPStateTable.validFlags(UInt8(f) | 0xc8), valid.contains(UInt8(f & 0x37)))
        }
    }

    enum Outcome: Equatable, CustomStringConvertible {
        case state(TCPState)
        case invalid
        case ignored
        case deleted
        case reopened(fromA: Bool)
        var description: String {
            switch self {
            case .state(let s): s.name
            case .invalid: "invalid"
            case .ignored: "ignored"
            case .deleted: "deleted"
            case .reopened(let a): "reopened by \(a ? "A" : "B")"
            }
        }
    }

    /// Expected outcome of a class-`cls` packet in direction `dir` on an entry in `old`
    /// reached by `TCPDriver.reach`: the table cell, adjusted by the §4.5 special cases.
    static func expected(dir: Int, cls: TCPStateTable.PacketClass, old: TCPState) -> Outcome {
        let c = cell(dir, Int(cls.rawValue), Int(old.rawValue))
        if c == "IV" { return .invalid }
        if c == "IG" { return .ignored }
        let new = TCPState(rawValue: UInt8(names.firstIndex(of: c)!))!
        // SYN in TIME_WAIT / CLOSE: reopen when someone sent the first FIN (TIME_WAIT here)
        // or the last packet was an RST from the same direction (CLOSE, reached by A's RST).
        if new == .synSent && (old == .timeWait || old == .close) {
            if old == .timeWait || dir == 0 { return .reopened(fromA: dir == 0) }
            return .ignored
        }
        // An RST before any reply deletes the entry.
        if cls == .rst && old == .synSent { return .deleted }
        return .state(new)
    }

    func testEveryCellThroughTheEngine() throws {
        var checked = 0
        for dir in 0..<2 {
            for cls in TCPStateTable.PacketClass.allCases {
                for old in TCPState.allCases {
                    // A new connection's first packet is always in the original direction.
                    if old == .none && dir == 1 { continue }
                    let h = Harness { $0.tcpBeLiberal = true }
                    let d = TCPDriver(h)
                    d.reach(old)
                    _ = h.events
                    let flags: TCPFlags
                    switch cls {
                    case .syn: flags = .syn
                    case .synAck: flags = .synAck
                    case .fin: flags = .finAck
                    case .ack: flags = .ack
                    case .rst: flags = .rstAck
                    case .none: flags = []
                    }
                    let v = dir == 0 ? d.a(flags) : d.b(flags)
                    let want = Self.expected(dir: dir, cls: cls, old: old)
                    let got: Outcome
                    let f = h.flows
                    if v.state == .invalid {
                        got = .invalid
                        if old != .none {
                            XCTAssertEqual(h.tcpState, old, "invalid packet must not change the state")
                        }
                    } else if f.isEmpty {
                        got = .deleted
                    } else if h.events.contains(where: { $0.type == .destroy }) {
                        got = .reopened(fromA: f.first?.original.source == d.a)
                    } else if v.reason.isAcceptedIgnore {
                        got = .ignored
                        XCTAssertEqual(h.tcpState, old, "ignored packet must not change the state")
                    } else {
                        got = .state(h.tcpState ?? .none)
                    }
                    if got != .invalid && got != .deleted && old != .none {
                        XCTAssertNotNil(v.connection)
                    }
                    XCTAssertEqual(got, want, "dir \(dir == 0 ? "ORIGINAL" : "REPLY") class \(cls) old \(old.name)")
                    checked += 1
                }
            }
        }
        XCTAssertEqual(checked, 114)
    }
}
