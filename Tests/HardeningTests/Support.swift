import Foundation
import XCTest

/// Paths shared by the hardening tests.
enum Paths {
    /// The package root (this file is Tests/HardeningTests/Support.swift).
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let inputs = root.appendingPathComponent("Tests/HardeningTests/Inputs")
    static let corpus = root.appendingPathComponent("Fuzz/Corpus")

    /// Our `conntrack`, built next to the test bundle (`swift build --build-tests` builds it).
    static var ourConntrack: String {
        let bundle = Bundle.main.bundleURL.path.hasSuffix(".xctest")
            ? Bundle.main.bundleURL.deletingLastPathComponent()
            : URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [bundle, root.appendingPathComponent(".build/debug")] {
            let p = dir.appendingPathComponent("conntrack").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return root.appendingPathComponent(".build/debug/conntrack").path
    }

    static let referenceConntrack = "/usr/sbin/conntrack"
}

/// Skips unless both `conntrack` binaries exist and we may make namespaces.
func requireBothTools() throws {
    guard getuid() == 0 else { throw XCTSkip("needs root for network namespaces") }
    guard FileManager.default.isExecutableFile(atPath: Paths.referenceConntrack) else {
        throw XCTSkip("conntrack-tools not installed at \(Paths.referenceConntrack)")
    }
    guard FileManager.default.isExecutableFile(atPath: Paths.ourConntrack) else {
        throw XCTSkip("our conntrack not built at \(Paths.ourConntrack) (swift build --product conntrack)")
    }
}

/// Splits a line of the data files into arguments: blanks separate, '...' quotes
/// (no escapes inside), \xHH is a byte.
func splitArguments(_ line: String) -> [String] {
    var args: [String] = []
    var cur: [UInt8] = []
    var inWord = false, quoted = false
    var bytes = Array(line.utf8)[...]
    while let c = bytes.popFirst() {
        if quoted {
            if c == UInt8(ascii: "'") { quoted = false } else { cur.append(c) }
        } else if c == UInt8(ascii: "'") {
            quoted = true; inWord = true
        } else if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") {
            if inWord { args.append(String(decoding: cur, as: UTF8.self)); cur = []; inWord = false }
        } else if c == UInt8(ascii: "\\"), bytes.first == UInt8(ascii: "x"), bytes.count >= 3,
                  let v = UInt8(String(decoding: bytes.dropFirst().prefix(2), as: UTF8.self), radix: 16) {
            bytes = bytes.dropFirst(3)
            cur.append(v); inWord = true
        } else {
            cur.append(c); inWord = true
        }
    }
    if inWord { args.append(String(decoding: cur, as: UTF8.self)) }
    return args
}
