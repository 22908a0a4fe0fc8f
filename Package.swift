// swift-tools-version:6.0
import PackageDescription

// Layers (imports point down):
//   conntrack (executable) -> ConntrackTool -> ConntrackKernel -> Netlink
//                                          -> ConntrackFirewall -> ConntrackEngine, ConntrackRuleset
//                                          -> ConntrackEngine
//                                          -> PacketCapture
//   everything -> Conntrack (the shared vocabulary: no I/O, standard library only)
//   ConntrackEngine also -> CEnginePrefetch (one header: the CPU's prefetch instruction)
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
        // Header-only software prefetch for the engine's batch pipeline (an intrinsic, no I/O).
        .target(name: "CEnginePrefetch"),
        .target(name: "ConntrackEngine", dependencies: ["Conntrack", "CEnginePrefetch"]),
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
        // Gives the Swift runtime argv without its /proc/self/maps scan at start-up (see its header).
        .target(name: "CConntrackArguments"),
        // Release builds are linked fully statically: loading and relocating the dynamic
        // Swift runtime costs a few milliseconds per run, which made -C and -S slower than
        // conntrack-tools. (Debug and sanitizer builds stay dynamic.) They are linked with
        // lld in the symbol order of startup.order (Scripts/startup-order.sh): the code and
        // data short commands touch then sit together, so start-up faults in fewer pages.
        .executableTarget(name: "conntrack", dependencies: ["ConntrackTool", "CConntrackArguments"],
                          exclude: ["startup.order"],
                          linkerSettings: [.unsafeFlags([
                              "-static-executable", "-use-ld=lld",
                              "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/Sources/conntrack/startup.order",
                              "-Xlinker", "--no-warn-symbol-ordering",
                          ], .when(configuration: .release))]),

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
