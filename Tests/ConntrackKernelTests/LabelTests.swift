import Foundation
import XCTest
import Conntrack
import ConntrackKernel
import ConntrackTestSupport

/// Connection labels exist only when the namespace's ruleset uses them
/// (`nf_connlabels_get`): an nft rule with `ct label set` turns them on.
final class LabelTests: KernelTestCase {
    func testLabelsRoundTripThroughTheKernelAndUpdateWithMask() throws {
        try ns.nft("table inet t { chain c { type filter hook output priority 0; ct label set 3; }; }")
        var f = flow(udp("10.60.0.1", "10.60.0.2", 1, 2))
        var labels = Labels()
        labels.insert(5)
        labels.insert(100)
        f.labels = labels
        try client.create(f)
        let got = try client.get(original: f.original, family: .ipv4)
        let l = try XCTUnwrap(got.labels)
        XCTAssertTrue(l.contains(5))
        XCTAssertTrue(l.contains(100))
        XCTAssertFalse(l.contains(3))
        XCTAssertEqual(l.byteCount, 16)
        // Set bit 7, clear bit 5, keep 100: new = (old & ~mask) | (value & mask).
        var u = Flow(original: f.original, reply: f.reply)
        var value = Labels(); value.insert(7)
        var mask = Labels(); mask.insert(7); mask.insert(5)
        u.labels = value
        u.labelsMask = mask
        try client.update(u)
        let after = try XCTUnwrap(client.get(original: f.original, family: .ipv4).labels)
        XCTAssertEqual((0..<128).filter { after.contains($0) }, [7, 100])
    }
}
