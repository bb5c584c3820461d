// swift-tools-version:6.1
import PackageDescription

// Micro-benchmarks of Portico's hot path (ordo-one/benchmark), kept in their own package so
// that the main build, its tests and CI never resolve or compile the benchmark tooling.
//
//   swift package --package-path Benchmarks benchmark     # run them all (release build)
//   scripts/bench-check.sh                                 # malloc counts vs the committed thresholds
//
// See docs/benchmarks.md. The benchmark plugin only runs executable targets whose directory
// sits in a folder named `Benchmarks`: this package's own folder is that folder.
let package = Package(
    name: "PorticoBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named, so that references do not depend on the checkout's folder name (a path
        // dependency's identity is its folder's name).
        .package(name: "Portico", path: ".."),
        // `MallocInterposer` gives the malloc metrics; naming the traits also leaves out the
        // default `RuntimeInterposer` trait (and the package it needs).
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        // Already in the graph through Portico: NIO for buffers, deadlines and an event loop,
        // Crypto to sign the benchmark's JWT.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        .executableTarget(
            name: "PorticoBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Portico", package: "Portico"),
                .product(name: "PorticoHTTP1", package: "Portico"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "PorticoBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
