import XCTest
import Conntrack
@testable import ConntrackFirewall

/// The router model's address lists and masquerade's source address. Expected orders are
/// what `ip -j address show` printed for the same `ip address add` sequence on Linux 6.1;
/// the expected choices are those the NAT differential suite saw the kernel make
/// (`Catalogue+SourceAddress.swift`, same addresses and routes).
final class RouterModelTests: XCTestCase {
    func ip(_ s: String) -> IPAddress { IPAddress(s)! }

    /// `ip address add` 10.1.0.1/24, 10.1.0.2/24, 10.2.0.1/24 scope link, 10.3.0.1/24,
    /// fd01::1/64, fd02::1/64: the kernel lists 10.2.0.1 (link) first, the secondary
    /// 10.1.0.2 last, and the IPv6 addresses newest first.
    func testAddKeepsTheKernelsListOrder() {
        var itf = RouterModel.Interface(name: "rc")
        XCTAssertTrue(itf.add(ip("10.1.0.1"), prefixLength: 24))
        XCTAssertTrue(itf.add(ip("10.1.0.2"), prefixLength: 24))
        XCTAssertTrue(itf.add(ip("10.2.0.1"), prefixLength: 24, scope: .link))
        XCTAssertTrue(itf.add(ip("10.3.0.1"), prefixLength: 24))
        XCTAssertTrue(itf.add(ip("fd01::1"), prefixLength: 64))
        XCTAssertTrue(itf.add(ip("fd02::1"), prefixLength: 64))
        XCTAssertEqual(itf.addresses.map(\.description), ["10.2.0.1", "10.1.0.1", "10.3.0.1", "10.1.0.2", "fd02::1", "fd01::1"])
        XCTAssertEqual(itf.secondary, [false, false, false, true, false, false])
        XCTAssertEqual(itf.scopes.map(\.description), ["link", "global", "global", "global", "global", "global"])
        // EEXIST, and EINVAL for a subnet whose addresses have another scope.
        XCTAssertFalse(itf.add(ip("10.1.0.1"), prefixLength: 24))
        XCTAssertFalse(itf.add(ip("10.2.0.9"), prefixLength: 24))
        XCTAssertFalse(itf.add(ip("fd01::1"), prefixLength: 64))
        XCTAssertEqual(itf.addresses.count, 6)
        // Another prefix length is another subnet: primary.
        XCTAssertTrue(itf.add(ip("10.1.0.3"), prefixLength: 25))
        XCTAssertEqual(itf.isSecondary(at: itf.addresses.firstIndex(of: ip("10.1.0.3"))!), false)
    }

    /// Without explicit flags, secondaries follow from the order (`__inet_insert_ifa`).
    func testSecondaryDerivedFromOrder() {
        let itf = RouterModel.Interface(name: "rb", addresses: [ip("10.77.2.1"), ip("10.77.2.9"), ip("10.88.20.1"), ip("10.88.20.2")],
                                        prefixLengths: [24, 24, 24, 24])
        XCTAssertEqual(itf.secondary, [false, true, false, true])
        XCTAssertEqual(itf.scopes, [.universe, .universe, .universe, .universe])
        XCTAssertEqual(AddressScope.default(for: ip("127.0.0.1")), .host)
        XCTAssertEqual(AddressScope.default(for: ip("fe80::1")), .link)
        XCTAssertEqual(AddressScope(name: "link"), .link)
        XCTAssertNil(AddressScope(name: "galaxy"))
    }

    /// R of the differential topology: lo, ra, rb with more addresses on rb.
    func router(rb extra: [(String, Int, AddressScope)], routes: [RouterModel.Route],
                rc: RouterModel.Interface? = nil) -> RouterModel {
        let lo = RouterModel.Interface(name: "lo", addresses: [ip("127.0.0.1"), ip("::1")], prefixLengths: [8, 128])
        var ra = RouterModel.Interface(name: "ra")
        ra.add(ip("10.77.1.1"), prefixLength: 24)
        ra.add(ip("fd77:1::1"), prefixLength: 64)
        ra.add(ip("fe80::a"), prefixLength: 64)
        var rb = RouterModel.Interface(name: "rb")
        rb.add(ip("10.77.2.1"), prefixLength: 24)
        rb.add(ip("fd77:2::1"), prefixLength: 64)
        rb.add(ip("fe80::b"), prefixLength: 64)
        for (a, l, s) in extra { XCTAssertTrue(rb.add(ip(a), prefixLength: l, scope: s)) }
        return RouterModel(interfaces: [lo, ra, rb] + (rc.map { [$0] } ?? []), routes: [
            .init(destination: ip("10.88.1.0"), prefixLength: 24, interface: "ra", gateway: ip("10.77.1.2")),
            .init(destination: ip("10.88.2.0"), prefixLength: 24, interface: "rb", gateway: ip("10.77.2.2")),
        ] + routes)
    }

    func testIPv4MasqueradeFollowsTheNextHop() {
        let defaultVia = RouterModel.Route(destination: ip("0.0.0.0"), prefixLength: 0, interface: "rb", gateway: ip("10.88.20.254"))
        let r = router(rb: [("10.88.20.1", 24, .universe)], routes: [defaultVia])
        XCTAssertEqual(r.nextHop(ip("10.88.30.5"))?.address, ip("10.88.20.254"))
        XCTAssertEqual(r.nextHop(ip("10.88.20.7"))?.address, ip("10.88.20.7"))
        XCTAssertEqual(r.sourceAddress(2, for: ip("10.88.30.5")), ip("10.88.20.1"))     // gateway's subnet
        XCTAssertEqual(r.sourceAddress(2, for: ip("10.88.20.7")), ip("10.88.20.1"))     // connected
        XCTAssertEqual(r.sourceAddress(2, for: ip("10.88.2.5")), ip("10.77.2.1"))       // via 10.77.2.2
        // A more specific route via the first subnet's gateway decides, not the destination.
        let r2 = router(rb: [("10.88.20.1", 24, .universe)],
                        routes: [.init(destination: ip("10.88.20.128"), prefixLength: 25, interface: "rb", gateway: ip("10.77.2.2"))])
        XCTAssertEqual(r2.sourceAddress(2, for: ip("10.88.20.200")), ip("10.77.2.1"))
        // Secondaries are never taken.
        let r3 = router(rb: [("10.77.2.9", 24, .universe), ("10.88.20.1", 24, .universe), ("10.88.20.2", 24, .universe)],
                        routes: [defaultVia])
        XCTAssertEqual(r3.sourceAddress(2, for: ip("10.88.30.5")), ip("10.88.20.1"))
        XCTAssertEqual(r3.sourceAddress(2, for: ip("10.88.30.5"), nextHop: ip("192.0.2.1")), ip("10.77.2.1"))
        // Link scope: listed first, skipped.
        let r4 = router(rb: [("10.88.20.1", 24, .link)], routes: [defaultVia])
        XCTAssertEqual(r4.interfaces[2].addresses.first, ip("10.88.20.1"))
        XCTAssertEqual(r4.sourceAddress(2, for: ip("10.88.30.5")), ip("10.77.2.1"))
        // No IPv4 address on the output interface: the first global primary of any interface.
        let rc = RouterModel.Interface(name: "rc", addresses: [ip("fe80::c")], prefixLengths: [64])
        let r5 = router(rb: [], routes: [.init(destination: ip("10.88.40.0"), prefixLength: 24, interface: "rc")], rc: rc)
        XCTAssertEqual(r5.route(ip("10.88.40.5")), 3)
        XCTAssertEqual(r5.sourceAddress(3, for: ip("10.88.40.5")), ip("10.77.1.1"))
        XCTAssertNil(RouterModel(interfaces: [rc]).sourceAddress(0, for: ip("10.88.40.5")))
    }

    func testIPv6MasqueradeRanksByDestination() {
        let r = router(rb: [("fd88:20::1", 64, .universe), ("fd88:40::1", 64, .universe)],
                       routes: [.init(destination: ip("::"), prefixLength: 0, interface: "rb", gateway: ip("fd88:20::254"))])
        XCTAssertEqual(r.sourceAddress(2, for: ip("fd88:41::5")), ip("fd88:40::1"))    // not the gateway's prefix
        XCTAssertEqual(r.sourceAddress(2, for: ip("fd88:20::7")), ip("fd88:20::1"))
        // Only a link-local address on the output interface: another interface's global one
        // (scope before interface), the first of equals.
        let rc = RouterModel.Interface(name: "rc", addresses: [ip("fe80::c")], prefixLengths: [64])
        let r2 = router(rb: [], routes: [.init(destination: ip("fd88:40::"), prefixLength: 64, interface: "rc")], rc: rc)
        XCTAssertEqual(r2.sourceAddress(3, for: ip("fd88:40::5")), ip("fd77:1::1"))
        // A link-local destination: the output interface's addresses only (use_oif_addr).
        XCTAssertEqual(r2.sourceAddress(3, for: ip("fe80::99")), ip("fe80::c"))
        // The output interface wins among equals (as for R's own packet in local.ipv6_udp_masquerade).
        XCTAssertEqual(r2.sourceAddress(2, for: ip("fd88:40::5")), ip("fd77:2::1"))
    }
}
