// swift-tools-version:6.1
// Strata: a Kafka-protocol event streaming platform, storage engine first.
// Layout (fixed): Engine/, Broker/, Tiering/, tools/, Tests/, Benchmarks/ (its own package).
import PackageDescription

/// System C libraries, each behind a small `C`-prefixed shim target (see ARCHITECTURE.md).
func systemLibrary(_ name: String, pkgConfig: String?, apt: [String]) -> Target {
    .systemLibrary(name: name, path: "Engine/\(name)", pkgConfig: pkgConfig, providers: [.apt(apt)])
}

let package = Package(
    name: "Strata",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Engine", targets: ["Engine"]),
        .executable(name: "strata", targets: ["strata"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        systemLibrary("CZstd", pkgConfig: "libzstd", apt: ["libzstd-dev"]),
        systemLibrary("CLZ4", pkgConfig: "liblz4", apt: ["liblz4-dev"]),
        systemLibrary("CSnappy", pkgConfig: nil, apt: ["libsnappy-dev"]),
        systemLibrary("CZlib", pkgConfig: "zlib", apt: ["zlib1g-dev"]),
        .target(
            name: "CCRC32C",
            path: "Engine/CCRC32C",
            cSettings: [.unsafeFlags(["-O3"])]
        ),
        .target(
            name: "Engine",
            dependencies: ["CCRC32C", "CZstd", "CLZ4", "CSnappy", "CZlib"],
            path: "Engine/Sources"
        ),
        .executableTarget(
            name: "strata",
            dependencies: [
                "Engine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "tools/strata"
        ),
        // A separate process the crash tests start and SIGKILL (Tests/EngineTests/CrashRecoveryTests.swift).
        .executableTarget(
            name: "strata-crash-writer",
            dependencies: ["Engine"],
            path: "Tests/CrashWriter"
        ),
        .testTarget(
            name: "EngineTests",
            dependencies: ["Engine", "strata-crash-writer"],
            path: "Tests/EngineTests",
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "StrataToolTests", dependencies: ["Engine", "strata"], path: "Tests/StrataToolTests"),
    ]
)
