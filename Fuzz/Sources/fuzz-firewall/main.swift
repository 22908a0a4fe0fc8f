import FuzzCommon

// (g) The firewall pipeline: a ruleset (or the fallback one) and a packet sequence through
// `Firewall.process` on a three-interface router, with NAT, helpers and invariant checks.
// Input format and checks: FirewallFuzz.swift. A broken invariant is a crash (a finding).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFirewall(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let report = FirewallFuzz.run(UnsafeRawBufferPointer(start: data, count: size))
    if let v = report.violations.first { fatalError("fuzz-firewall invariant: \(v)") }
    return 0
}

@_cdecl("fuzz_firewall_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, { fuzzFirewall($0, $1) })
}
