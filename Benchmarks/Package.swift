// swift-tools-version: 6.1
// Strata's storage-engine benchmarks: a package of its own, so that the root package does not
// depend on ordo-one/benchmark. Run them with `./run.sh` (raw limits + engine figures + ratios) or
// `swift package --disable-sandbox benchmark` (the ordo-one harness alone). See README.md.
import PackageDescription

let package = Package(
    name: "StrataBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Strata", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.29.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .target(
            name: "StorageWorkloads",
            dependencies: [.product(name: "Engine", package: "Strata")],
            path: "Sources/StorageWorkloads"
        ),
        .executableTarget(
            name: "strata-bench",
            dependencies: ["StorageWorkloads"],
            path: "Sources/strata-bench"
        ),
    ]
)

// The ordo-one benchmark targets: Benchmarks/<Name>/, as the benchmark plugin expects.
for name in ["EngineAppend", "EngineSequentialRead", "EngineOffsetLookup", "EngineCRC32C"] {
    package.targets.append(
        .executableTarget(
            name: name,
            dependencies: [
                "StorageWorkloads",
                .product(name: "Engine", package: "Strata"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/\(name)",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    )
}
