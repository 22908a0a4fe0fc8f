// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets. Build and run them with ../Scripts/fuzz.sh, which passes
//   -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
// (each executable defines LLVMFuzzerTestOneInput and no main: libFuzzer brings main).
// Debug builds: SwiftPM compiles the root package with -enable-testing, so the netlink and
// CLI targets can reach internal decoders through `@testable import`.
let package = Package(
    name: "swift-conntrack-fuzz",
    dependencies: [.package(name: "swift-conntrack", path: "..")],
    targets: [
        // Input splitting shared by the targets (no dependencies).
        .target(name: "FuzzCommon"),
        // (a) packet parsing and tracking of a sequence of packets.
        .executableTarget(name: "fuzz-track", dependencies: [
            "FuzzCommon",
            .product(name: "ConntrackEngine", package: "swift-conntrack"),
            .product(name: "Conntrack", package: "swift-conntrack"),
        ]),
        // (b) IPv4/IPv6 fragment trains through the tracker's defragmenter.
        .executableTarget(name: "fuzz-defrag", dependencies: [
            "FuzzCommon",
            .product(name: "ConntrackEngine", package: "swift-conntrack"),
        ]),
        // (c) netlink framing and ctnetlink attribute decoding into a Flow.
        .executableTarget(name: "fuzz-netlink", dependencies: [
            "FuzzCommon",
            .product(name: "ConntrackKernel", package: "swift-conntrack"),
            .product(name: "Conntrack", package: "swift-conntrack"),
        ]),
        // (d) pcap / pcapng reading and link-layer decoding.
        .executableTarget(name: "fuzz-capture", dependencies: [
            "FuzzCommon",
            .product(name: "PacketCapture", package: "swift-conntrack"),
        ]),
        // (e) conntrack command-line parsing against a source that never touches the kernel.
        .executableTarget(name: "fuzz-cli", dependencies: [
            "FuzzCommon",
            .product(name: "ConntrackTool", package: "swift-conntrack"),
            .product(name: "Conntrack", package: "swift-conntrack"),
        ]),
        // (f) nftables ruleset parsing (the subset the userspace firewall evaluates).
        .executableTarget(name: "fuzz-ruleset", dependencies: [
            "FuzzCommon",
            .product(name: "ConntrackRuleset", package: "swift-conntrack"),
        ]),
        // (g) the firewall pipeline: a ruleset (or a fixed NAT ruleset) and a packet sequence
        //     through Firewall.process on a three-interface router, invariants checked.
        .executableTarget(name: "fuzz-firewall", dependencies: [
            "FuzzCommon",
            .product(name: "Conntrack", package: "swift-conntrack"),
            .product(name: "ConntrackEngine", package: "swift-conntrack"),
            .product(name: "ConntrackFirewall", package: "swift-conntrack"),
            .product(name: "ConntrackRuleset", package: "swift-conntrack"),
        ]),
    ]
)
