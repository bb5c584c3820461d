// swift-tools-version:6.1
import PackageDescription

// libFuzzer harnesses for Portico's HTTP/1 codec (PorticoHTTP1). Its own package so the main
// build never sees `-sanitize=fuzzer`; built and run by scripts/fuzz.sh (see docs/fuzzing.md).
let package = Package(
    name: "PorticoFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named, so the products below resolve whatever the checkout's directory is called.
        .package(name: "Portico", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
    ],
    targets: [
        // The invariants and input splitting the three fuzzers share.
        .target(
            name: "FuzzSupport",
            dependencies: [
                .product(name: "PorticoHTTP1", package: "Portico"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // One executable per input kind; each defines LLVMFuzzerTestOneInput (libFuzzer's
        // main is linked in by `--sanitize=fuzzer`).
        .executableTarget(
            name: "FuzzRequest",
            dependencies: [
                "FuzzSupport",
                .product(name: "PorticoHTTP1", package: "Portico"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "FuzzResponse",
            dependencies: [
                "FuzzSupport",
                .product(name: "PorticoHTTP1", package: "Portico"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "FuzzChunked",
            dependencies: [
                "FuzzSupport",
                .product(name: "PorticoHTTP1", package: "Portico"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ]
)
