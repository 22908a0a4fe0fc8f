// swift-tools-version:6.0
import PackageDescription

// Benchmarks live in their own package so that CI's test build does not compile them.
// Run them with the scripts beside this file (they build in release mode).
let package = Package(
    name: "swift-conntrack-benchmarks",
    dependencies: [.package(name: "swift-conntrack", path: "..")],
    targets: [
        // Fills a network namespace's table through our batched ctnetlink create.
        .executableTarget(name: "ct-fill", dependencies: [
            .product(name: "ConntrackKernel", package: "swift-conntrack"),
            .product(name: "Conntrack", package: "swift-conntrack"),
        ]),
        // Real-packet load for `-E`: UDP datagrams to distinct destinations at a set rate.
        .target(name: "CSendmmsg"),
        .executableTarget(name: "ct-udpgen", dependencies: ["CSendmmsg"]),
        // The library alone under that load: an EventSubscription into a counter.
        .executableTarget(name: "ct-listen", dependencies: [
            .product(name: "ConntrackKernel", package: "swift-conntrack"),
        ]),
        // Allocation counting by interposing malloc (engine benchmark only).
        .target(name: "MallocCounter"),
        .executableTarget(name: "engine-bench", dependencies: [
            "MallocCounter",
            .product(name: "ConntrackEngine", package: "swift-conntrack"),
            .product(name: "Conntrack", package: "swift-conntrack"),
            .product(name: "ConntrackFirewall", package: "swift-conntrack"),
            .product(name: "ConntrackRuleset", package: "swift-conntrack"),
        ]),
        // SYN flood against a full table: memory, early drops, survivors, rate.
        .executableTarget(name: "flood-bench", dependencies: [
            "MallocCounter",
            .product(name: "ConntrackEngine", package: "swift-conntrack"),
            .product(name: "Conntrack", package: "swift-conntrack"),
        ]),
    ]
)
