// swift-tools-version:6.0
import PackageDescription

// Layers (imports point down):
//   conntrack (executable) -> ConntrackTool -> ConntrackKernel -> Netlink
//                                          -> ConntrackFirewall -> ConntrackEngine, ConntrackRuleset
//                                          -> ConntrackEngine
//                                          -> PacketCapture
//   everything -> Conntrack (the shared vocabulary: no I/O, standard library only)
let package = Package(
    name: "swift-conntrack",
    products: [
        .library(name: "Conntrack", targets: ["Conntrack"]),
        .library(name: "ConntrackKernel", targets: ["ConntrackKernel"]),
        .library(name: "ConntrackEngine", targets: ["ConntrackEngine"]),
        .library(name: "PacketCapture", targets: ["PacketCapture"]),
        .library(name: "ConntrackRuleset", targets: ["ConntrackRuleset"]),
        .library(name: "ConntrackFirewall", targets: ["ConntrackFirewall"]),
        .library(name: "PacketBuilder", targets: ["PacketBuilder"]),
        // For Fuzz/ (the CLI fuzz target runs the command layer in-process).
        .library(name: "ConntrackTool", targets: ["ConntrackTool"]),
        .executable(name: "conntrack", targets: ["conntrack"]),
    ],
    targets: [
        .target(name: "Conntrack"),
        // libc calls the Glibc module does not expose (setns, gettid).
        .target(name: "CConntrackShims"),
        .target(name: "Netlink", dependencies: ["CConntrackShims"]),
        .target(name: "ConntrackKernel", dependencies: ["Conntrack", "Netlink"]),
        .target(name: "ConntrackEngine", dependencies: ["Conntrack"]),
        .target(name: "PacketCapture"),
        // The nftables subset: parser and model (no evaluation).
        .target(name: "ConntrackRuleset", dependencies: ["Conntrack"]),
        // The router around the engine: hooks, ruleset evaluation, NAT setup and rewriting.
        .target(name: "ConntrackFirewall", dependencies: ["Conntrack", "ConntrackEngine", "ConntrackRuleset"]),
        // Test and benchmark support: packet construction and network-namespace helpers.
        .target(name: "PacketBuilder", dependencies: ["Conntrack"]),
        .target(name: "ConntrackTestSupport", dependencies: ["CConntrackShims"]),
        .target(
            name: "ConntrackTool",
            dependencies: ["Conntrack", "ConntrackKernel", "ConntrackEngine", "PacketCapture", "ConntrackRuleset",
                           "ConntrackFirewall"]
        ),
        // Release builds are linked fully statically: loading and relocating the dynamic
        // Swift runtime costs a few milliseconds per run, which made -C and -S slower than
        // conntrack-tools. (Debug and sanitizer builds stay dynamic.)
        .executableTarget(name: "conntrack", dependencies: ["ConntrackTool"],
                          linkerSettings: [.unsafeFlags(["-static-executable"], .when(configuration: .release))]),

        .testTarget(name: "ConntrackTests", dependencies: ["Conntrack", "PacketBuilder"]),
        .testTarget(name: "NetlinkTests", dependencies: ["Netlink"]),
        .testTarget(name: "ConntrackKernelTests", dependencies: ["ConntrackKernel", "Netlink", "Conntrack", "ConntrackTestSupport"]),
        .testTarget(name: "ConntrackEngineTests", dependencies: ["ConntrackEngine", "Conntrack", "PacketCapture", "PacketBuilder"]),
        .testTarget(name: "PacketCaptureTests", dependencies: ["PacketCapture"]),
        .testTarget(name: "ConntrackRulesetTests", dependencies: ["ConntrackRuleset", "Conntrack", "ConntrackTestSupport"]),
        .testTarget(name: "ConntrackFirewallTests", dependencies: [
            "ConntrackFirewall", "ConntrackRuleset", "ConntrackEngine", "Conntrack", "PacketBuilder",
        ]),
        .testTarget(name: "PacketBuilderTests", dependencies: ["PacketBuilder", "ConntrackTestSupport"]),
        .testTarget(name: "ConntrackToolTests", dependencies: ["ConntrackTool", "Conntrack", "PacketBuilder", "PacketCapture"]),
        .testTarget(
            name: "DifferentialTests",
            dependencies: ["ConntrackEngine", "Conntrack", "PacketBuilder", "ConntrackTestSupport", "PacketCapture",
                           "ConntrackFirewall", "ConntrackRuleset", "ConntrackKernel"]
        ),
        // Hostile input, floods, privileges, fuzz-finding regressions (see RELIABILITY.md).
        .testTarget(name: "HardeningTests", dependencies: [
            "Conntrack", "ConntrackEngine", "ConntrackKernel", "Netlink", "ConntrackTool", "PacketCapture",
            "PacketBuilder", "ConntrackTestSupport", "ConntrackFirewall", "ConntrackRuleset",
        ], exclude: ["Inputs"]),
    ]
)
