import PacketBuilder

/// Masquerade's source address when the output interface has several (reference 9.3;
/// `nf_nat_masquerade_ipv4` -> `inet_select_addr`, `nf_nat_masquerade_ipv6` ->
/// `ipv6_dev_get_saddr`). Each scenario gives R's rb more addresses and routes, in the
/// order `ip` adds them, and the engine reads them back from R (`routerModel`). Gateways
/// and directly connected destinations get permanent neighbour entries (a made-up MAC:
/// nothing needs to receive the frames, R's capture sees them leave).
enum SourceAddressScenarios {
    static let out = "oifname \"rb\""
    static let mac = "02:00:00:00:00:99"

    static func addr(_ a: String, _ extra: String...) -> [String] { ["ip", "address", "add", a, "dev", "rb"] + extra }
    static func delAddr(_ a: String) -> [String] { ["ip", "address", "del", a, "dev", "rb"] }
    static func neighbour(_ a: String, dev: String = "rb") -> [String] {
        ["ip", "neigh", "replace", a, "lladdr", mac, "dev", dev, "nud", "permanent"]
    }
    static func delNeighbour(_ a: String, dev: String = "rb") -> [String] { ["ip", "neigh", "del", a, "dev", dev] }

    static let ipv4: [NATScenario] = [
        // Two primary addresses in different subnets and a default route via a gateway in
        // the second: the address in the gateway's subnet, not the interface's first.
        NATScenario("masqaddr.gateway_in_second_subnet", Rules.nat(post: ["\(out) counter masquerade"]),
                    expect: ["udp snat"], path: ">>",
                    setup: [addr("10.88.20.1/24"), neighbour("10.88.20.254"),
                            ["ip", "route", "add", "default", "via", "10.88.20.254", "dev", "rb"]],
                    teardown: [["ip", "route", "del", "default"], delNeighbour("10.88.20.254"), delAddr("10.88.20.1/24")],
                    [.a(P.udp(P.a, 41000, IPAddress("10.88.30.5")!)), .b(Reply.udp(0))]),
        // A destination directly connected in the second subnet: the next hop is the
        // destination itself.
        NATScenario("masqaddr.connected_in_second_subnet", Rules.nat(post: ["\(out) masquerade"]),
                    expect: ["udp snat"], path: ">>",
                    setup: [addr("10.88.20.1/24"), neighbour("10.88.20.7")],
                    teardown: [delNeighbour("10.88.20.7"), delAddr("10.88.20.1/24")],
                    [.a(P.udp(P.a, 41000, IPAddress("10.88.20.7")!)), .b(Reply.udp(0))]),
        // Secondary addresses (one in each subnet, added after its primary) are never
        // taken: the gateway's subnet still gives its primary.
        NATScenario("masqaddr.secondary_addresses", Rules.nat(post: ["\(out) masquerade"]),
                    expect: ["udp snat"], path: ">>",
                    setup: [addr("10.77.2.9/24"), addr("10.88.20.1/24"), addr("10.88.20.2/24"), neighbour("10.88.20.254"),
                            ["ip", "route", "add", "default", "via", "10.88.20.254", "dev", "rb"]],
                    teardown: [["ip", "route", "del", "default"], delNeighbour("10.88.20.254"), delAddr("10.88.20.2/24"),
                               delAddr("10.88.20.1/24"), delAddr("10.77.2.9/24")],
                    [.a(P.udp(P.a, 41000, IPAddress("10.88.30.5")!)), .b(Reply.udp(0))]),
        // The route, not the destination, decides: 10.88.20.200 lies in the second subnet,
        // but a more specific route sends it via 10.77.2.2, in the first.
        NATScenario("masqaddr.next_hop_not_destination", Rules.nat(post: ["\(out) masquerade"]),
                    expect: ["udp snat"], path: ">>",
                    setup: [addr("10.88.20.1/24"), ["ip", "route", "add", "10.88.20.128/25", "via", "10.77.2.2", "dev", "rb"]],
                    teardown: [["ip", "route", "del", "10.88.20.128/25"], delAddr("10.88.20.1/24")],
                    [.a(P.udp(P.a, 41000, IPAddress("10.88.20.200")!)), .b(Reply.udp(0))]),
        // An address of link scope is listed first but never taken (RT_SCOPE_UNIVERSE
        // asked): the interface's first global address instead, though the gateway lies in
        // the link-scope address's subnet.
        NATScenario("masqaddr.link_scope_skipped", Rules.nat(post: ["\(out) masquerade"]),
                    expect: ["udp snat"], path: ">>",
                    setup: [addr("10.88.20.1/24", "scope", "link"), neighbour("10.88.20.254"),
                            ["ip", "route", "add", "default", "via", "10.88.20.254", "dev", "rb"]],
                    teardown: [["ip", "route", "del", "default"], delNeighbour("10.88.20.254"), delAddr("10.88.20.1/24")],
                    [.a(P.udp(P.a, 41000, IPAddress("10.88.30.5")!)), .b(Reply.udp(0))]),
        // An output interface without any IPv4 address: inet_select_addr falls back to the
        // first global primary address of any interface, in device order (ra's). rc is a
        // veth whose peer lives in B; the answer comes back through rb.
        NATScenario("masqaddr.interface_without_address", Rules.nat(post: ["oifname \"rc\" masquerade"]),
                    expect: ["udp snat"], path: ">>",
                    setup: [["ip", "link", "add", "rc", "type", "veth", "peer", "name", "c0", "netns", "{B}"],
                            ["ip", "link", "set", "rc", "up"], ["ip", "-n", "{B}", "link", "set", "c0", "up"],
                            ["ip", "route", "add", "10.88.40.0/24", "dev", "rc"], neighbour("10.88.40.5", dev: "rc")],
                    teardown: [["ip", "link", "del", "rc"]],
                    [.a(P.udp(P.a, 41000, IPAddress("10.88.40.5")!)), .b(Reply.udp(0))]),
    ]

    static let ipv6: [NATScenario] = [
        // Two more global addresses in different /64s and a default route via a gateway in
        // the first of them: IPv6 masquerade ranks by the destination (longest common
        // prefix), not by the gateway, so fd88:40::1 serves fd88:41::5.
        NATScenario("masqaddr.ipv6_longest_prefix_not_gateway", Rules.nat("inet", post: ["\(out) counter masquerade"]),
                    expect: ["udp snat"], path: ">>",
                    setup: [addr("fd88:20::1/64", "nodad"), addr("fd88:40::1/64", "nodad"), neighbour("fd88:20::254"),
                            ["ip", "-6", "route", "add", "default", "via", "fd88:20::254", "dev", "rb"]],
                    teardown: [["ip", "-6", "route", "del", "default"], delNeighbour("fd88:20::254"),
                               delAddr("fd88:40::1/64"), delAddr("fd88:20::1/64")],
                    [.a(P.udp(P.a6, 41000, IPAddress("fd88:41::5")!)), .b(Reply.udp(0))]),
        // A directly connected destination in the first extra /64.
        NATScenario("masqaddr.ipv6_connected_prefix", Rules.nat("ip6", post: ["\(out) masquerade"]),
                    expect: ["udp snat"], path: ">>",
                    setup: [addr("fd88:20::1/64", "nodad"), addr("fd88:40::1/64", "nodad"), neighbour("fd88:20::7")],
                    teardown: [delNeighbour("fd88:20::7"), delAddr("fd88:40::1/64"), delAddr("fd88:20::1/64")],
                    [.a(P.udp(P.a6, 41000, IPAddress("fd88:20::7")!)), .b(Reply.udp(0))]),
        // Only a link-local address on the output interface: the candidates are every
        // interface's addresses (rule 2, scope, beats rule 5, output interface), and of
        // ra's and rb's global addresses, equal on every rule, the first (ra's).
        NATScenario("masqaddr.ipv6_interface_without_global", Rules.nat("ip6", post: ["oifname \"rc\" masquerade"]),
                    expect: ["udp snat"], path: ">>",
                    setup: [["ip", "link", "add", "rc", "type", "veth", "peer", "name", "c0", "netns", "{B}"],
                            ["ip", "link", "set", "rc", "up"], ["ip", "-n", "{B}", "link", "set", "c0", "up"],
                            ["ip", "-6", "route", "add", "fd88:40::/64", "dev", "rc"], neighbour("fd88:40::5", dev: "rc")],
                    teardown: [["ip", "link", "del", "rc"]],
                    [.a(P.udp(P.a6, 41000, IPAddress("fd88:40::5")!)), .b(Reply.udp(0))]),
    ]

    static let all = ipv4 + ipv6
}
