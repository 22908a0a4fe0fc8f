import XCTest
@testable import Conntrack

/// Expected strings are what glibc's inet_ntop prints for the same bytes.
final class IPAddressTests: XCTestCase {
    func testIPv4RoundTrip() {
        XCTAssertEqual(IPAddress("10.99.1.2")?.description, "10.99.1.2")
        XCTAssertNil(IPAddress("10.1"))            // inet_pton is strict
        XCTAssertNil(IPAddress("256.1.1.1"))
        XCTAssertEqual(IPAddress("192.0.2.1")?.bytes, [192, 0, 2, 1])
    }

    func testIPv6Formatting() {
        let cases: [(String, String)] = [
            ("fd99:1::2", "fd99:1::2"),
            ("::", "::"),
            ("::1", "::1"),
            ("fe80::", "fe80::"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("::ffff:10.0.0.1", "::ffff:10.0.0.1"),
            ("::10.0.0.1", "::10.0.0.1"),
            ("1:0:0:0:0:0:0:0", "1::"),
            ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6"),
            ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(IPAddress(input)?.description, expected, input)
        }
        XCTAssertNil(IPAddress("1:::2"))
        XCTAssertNil(IPAddress("1:2:3:4:5:6:7:8:9"))
    }

    func testMask() {
        XCTAssertEqual(IPAddress.mask(prefix: 24, family: .ipv4).description, "255.255.255.0")
        XCTAssertEqual(IPAddress.mask(prefix: 0, family: .ipv4).description, "0.0.0.0")
        XCTAssertEqual(IPAddress.mask(prefix: 64, family: .ipv6).description, "ffff:ffff:ffff:ffff::")
        XCTAssertEqual(IPAddress.mask(prefix: 72, family: .ipv6).description, "ffff:ffff:ffff:ffff:ff00::")
    }
}
