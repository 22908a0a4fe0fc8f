import XCTest
import ConntrackTestSupport

/// The differential suite: every scenario runs through a router namespace whose kernel
/// tracks it; the kernel's table and events are then compared with the userspace
/// engine fed the very packets the router received.
final class DifferentialTests: XCTestCase {
    nonisolated(unsafe) static var topology: Topology?
    nonisolated(unsafe) static var setupError: String?

    override class func setUp() {
        super.setUp()
        guard kernelTestSkipReason() == nil else { return }
        do { topology = try Topology() } catch { setupError = "\(error)" }
    }

    override class func tearDown() {
        topology?.destroy()
        topology = nil
        super.tearDown()
    }

    func topologyOrSkip() throws -> Topology {
        if let reason = kernelTestSkipReason() { throw XCTSkip(reason) }
        guard let t = DifferentialTests.topology else {
            XCTFail("topology setup failed: \(DifferentialTests.setupError ?? "?")")
            throw XCTSkip("no topology")
        }
        return t
    }

    func testKernelSmoke() throws {
        let topo = try topologyOrSkip()
        for s in TCPScenarios.all {
            let obs = try topo.observe(s)
            print(s.name, obs.packets.count, obs.table.map(\.line), obs.events.map(\.line))
            if let expect = s.expect {
                XCTAssertEqual(obs.table.map(\.summary).sorted(), expect.sorted(), s.name)
            }
        }
    }
}
