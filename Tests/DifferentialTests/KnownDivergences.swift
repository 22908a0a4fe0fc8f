/// Scenarios where the engine is known to disagree with the kernel, with the reason.
///
/// Linux XCTest has no `XCTExpectFailure`, so the suite asserts that each of these
/// still diverges: when the engine gets fixed the test fails until the entry is
/// removed here, so none can be forgotten.
enum KnownDivergences {
    /// Empty: every scenario agrees with the kernel (entries added while the engine was
    /// written were removed as it caught up). Add `"scenario.name": "why"` here.
    static let reasons: [String: String] = [:]
}
