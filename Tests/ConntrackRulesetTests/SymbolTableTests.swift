import Foundation
import XCTest
import ConntrackTestSupport
@testable import ConntrackRuleset

/// The parser's name tables against their sources: `nft describe` for nft's own symbols,
/// `/etc/services` and `/etc/protocols` for the names nft resolves through libc.
final class SymbolTableTests: XCTestCase {
    /// `nft describe EXPR`'s "pre-defined symbolic constants" as name -> value.
    func describe(_ expr: [String]) throws -> [String: UInt32] {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/nft") else { throw XCTSkip("nft is not installed") }
        let out = try ConntrackTestSupport.runChecked(["nft", "describe"] + expr).stdout
        let hex = out.contains("(in hexadecimal)")
        var table: [String: UInt32] = [:]
        for line in out.split(separator: "\n") where line.hasPrefix("\t") {
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count == 2 else { continue }
            let v = hex ? UInt32(f[1].dropFirst(2), radix: 16) : UInt32(f[1])
            table[String(f[0])] = v
        }
        return table
    }

    func testICMPTypesMatchNftDescribe() throws {
        XCTAssertEqual(Symbols.icmpTypes, try describe(["icmp", "type"]))
        XCTAssertEqual(Symbols.icmpv6Types, try describe(["icmpv6", "type"]))
    }

    func testConntrackBitsMatchNftDescribe() throws {
        XCTAssertEqual(Symbols.ctStates, try describe(["ct", "state"]))
        XCTAssertEqual(Symbols.ctStatus, try describe(["ct", "status"]))
        XCTAssertEqual(try describe(["ct", "direction"]), ["original": 0, "reply": 1])
        XCTAssertEqual(try describe(["meta", "nfproto"]), ["ipv4": 2, "ipv6": 10])
    }

    /// Lines `name number/proto aliases...` of an /etc file as name-or-alias -> numbers.
    func etcTable(_ path: String) throws -> [String: Set<UInt32>] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw XCTSkip("no \(path)") }
        var out: [String: Set<UInt32>] = [:]
        for line in text.split(separator: "\n") {
            let body = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let f = body.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count >= 2, let n = UInt32(f[1].split(separator: "/")[0]) else { continue }
            for name in [f[0]] + f.dropFirst(2) { out[String(name), default: []].insert(n) }
        }
        return out
    }

    func testServiceNamesMatchEtcServices() throws {
        let services = try etcTable("/etc/services")
        for (name, port) in Symbols.services {
            XCTAssertEqual(services[name], [port], name)
        }
    }

    func testProtocolNamesMatchEtcProtocols() throws {
        let protocols = try etcTable("/etc/protocols")
        // nft's own keywords that are not /etc/protocols names.
        let keywords: [String: UInt32] = ["icmpv6": 58, "comp": 108]
        for (name, number) in Symbols.protocols {
            if let k = keywords[name] {
                XCTAssertEqual(number, k, name)
            } else {
                XCTAssertEqual(protocols[name], [number], name)
            }
        }
    }
}
