#if canImport(Glibc)
import FuzzCommon
import Glibc
#endif
import ConntrackRuleset

// (f) A ruleset file in the nftables subset. The input is the file's text (invalid UTF-8 is
// repaired the way String(decoding:) does); the parser must return or throw a RulesetError
// for any input, without trapping and in bounded time.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRuleset(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let rs = try Ruleset.parse(text, file: "fuzz.nft")
        for t in rs.tables { for c in t.chains { for r in c.rules { _ = r.text.utf8.count } } }
    } catch {
        _ = error.description
    }
    return 0
}

@_cdecl("fuzz_ruleset_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, { fuzzRuleset($0, $1) })
}
