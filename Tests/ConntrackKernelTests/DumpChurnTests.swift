import Foundation
import XCTest
import Conntrack
import ConntrackKernel

/// Dumps of the live kernel's table while another thread creates and deletes entries
/// as fast as it can: the dump must finish (or report `NLM_F_DUMP_INTR` as
/// `dumpInterrupted`), never fail otherwise, and never lose or repeat an entry that
/// nobody touched during the dump.
final class DumpChurnTests: KernelTestCase {
    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        private var count = 0
        var stopped: Bool { lock.withLock { value } }
        func stop() { lock.withLock { value = true } }
        var changes: Int { lock.withLock { count } }
        func add(_ n: Int) { lock.withLock { count += n } }
    }

    func testDumpWhileTheTableChurns() throws {
        // Stable entries: 10.1.x.y -> 192.0.2.1, never touched again.
        let stable = 8_000
        let stableFlows = (0..<stable).map { i in
            flow(udp("10.1.\(i >> 8).\(i & 0xff)", "192.0.2.1", 1000, 53), timeout: 600)
        }
        XCTAssertEqual(try client.createBatch(stableFlows).failures.count, 0)

        // Churn: create and delete 10.2.x.y entries in a loop from another socket.
        let flag = Flag()
        let nsName = ns.name
        let churner = Thread {
            guard let c = try? ConntrackClient(networkNamespace: nsName) else { return }
            var round = 0
            while !flag.stopped {
                let batch = (0..<500).map { i in
                    Flow(original: Tuple(source: IPAddress("10.2.\((round % 200)).\(i & 0xff)")!,
                                         destination: IPAddress("192.0.2.\(1 + i >> 8)")!,
                                         protocol: IPProtocol.udp, sourcePort: 2000, destinationPort: 53),
                         reply: Tuple(source: IPAddress("192.0.2.\(1 + i >> 8)")!,
                                      destination: IPAddress("10.2.\((round % 200)).\(i & 0xff)")!,
                                      protocol: IPProtocol.udp, sourcePort: 53, destinationPort: 2000))
                }.map { f -> Flow in var f = f; f.timeout = 600; return f }
                _ = try? c.createBatch(batch)
                for f in batch { try? c.delete(original: f.original, family: .ipv4) }
                flag.add(2 * batch.count)
                round += 1
            }
        }
        churner.start()
        defer { flag.stop(); while !churner.isFinished { usleep(1000) } }

        var completed = 0
        var interrupted = 0
        let stableSet = Set(stableFlows.map(\.original))
        for _ in 0..<30 {
            var seen = [Tuple: Int]()
            do {
                try client.dump(family: .ipv4) { f in
                    if stableSet.contains(f.original) { seen[f.original, default: 0] += 1 }
                }
                completed += 1
                XCTAssertEqual(seen.count, stable, "stable entries missing from a completed dump")
                XCTAssertEqual(seen.values.filter { $0 != 1 }.count, 0, "stable entries repeated")
            } catch let e as ConntrackError where e.dumpInterrupted {
                interrupted += 1
            }
        }
        flag.stop()
        XCTAssertGreaterThan(flag.changes, 0, "the churner never ran")
        print("DumpChurnTests: \(completed) dumps completed, \(interrupted) interrupted (NLM_F_DUMP_INTR), "
              + "\(flag.changes) creates+deletes meanwhile")
        XCTAssertEqual(completed + interrupted, 30)
    }
}
