import ConntrackTestSupport
import XCTest

/// A router topology shared by the tests of one class: built once before them, destroyed
/// after them, with the tally of scenarios that agreed with the kernel.
final class SharedTopology: @unchecked Sendable {
    /// Printed before the tally, e.g. "NAT differential summary".
    let label: String
    private var topology: Topology?
    private var setupError: String?
    /// (scenario name, agreed with the kernel) for every scenario compared.
    var results: [(String, Bool)] = []

    init(label: String) { self.label = label }

    /// Builds the topology unless kernel tests are skipped here.
    func build(_ make: () throws -> Topology) {
        guard kernelTestSkipReason() == nil else { return }
        do { topology = try make() } catch { setupError = "\(error)" }
    }

    /// Prints the tally and removes the namespaces.
    func finish() {
        if !results.isEmpty {
            let agree = results.filter(\.1).count
            let known = results.filter { !$0.1 && KnownDivergences.reasons[$0.0] != nil }.map(\.0)
            print("\(label): \(results.count) scenarios compared, \(agree) agree with the kernel, "
                  + "\(results.count - agree) differ (known: \(known.sorted().joined(separator: ", ")))")
        }
        topology?.destroy()
        topology = nil
    }

    /// The topology, or a skip (not root, tools missing) / failure (setup failed).
    func topologyOrSkip() throws -> Topology {
        if let reason = kernelTestSkipReason() { throw XCTSkip(reason) }
        guard let t = topology else {
            XCTFail("topology setup failed: \(setupError ?? "?")")
            throw XCTSkip("no topology")
        }
        return t
    }
}
