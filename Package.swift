// swift-tools-version:6.2
import PackageDescription

// Module graph (see docs/architecture.md): pure logic at the bottom, I/O at the edges, so
// editing a filter or the admin API does not rebuild the data plane.
let package = Package(
    name: "Portico",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Portico", targets: ["Portico"]),
        // The HTTP/1 codec on its own, for the micro-benchmarks (Benchmarks/).
        .library(name: "PorticoHTTP1", targets: ["PorticoHTTP1"]),
        .executable(name: "portico", targets: ["PorticoCLI"]),
        .executable(name: "portico-example", targets: ["PorticoExample"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // Filters: JWT (jwt-kit on swift-crypto), JWKS fetching on the control plane
        // (async-http-client), password hashes (HummingbirdBcrypt, SHA from swift-crypto).
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        // Health probes: https and gRPC (HTTP/2) checks.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
    ],
    targets: [
        .target(
            name: "PorticoHTTP",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        // Portico's own HTTP/1.1 codec: heads parsed in place, bodies framed without copies.
        .target(
            name: "PorticoHTTP1",
            dependencies: ["PorticoHTTP", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(
            name: "PorticoCore",
            dependencies: [
                "PorticoHTTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Atomics", package: "swift-atomics"),
            ]
        ),
        .target(
            name: "PorticoConfig",
            dependencies: [
                "PorticoCore",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "PorticoFilters",
            dependencies: [
                "PorticoCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ]
        ),
        // DNS discovery (A/AAAA/SRV): its own resolver, control plane only.
        .target(
            name: "PorticoDNS",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // Active health probes (tcp, http, https, grpc): control plane I/O.
        .target(
            name: "PorticoHealth",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            ]
        ),
        // JWT gets its own module: its dependencies are the heaviest of all filters.
        .target(
            name: "PorticoJWT",
            dependencies: [
                "PorticoCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PorticoObservability",
            dependencies: [
                "PorticoCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PorticoServer",
            dependencies: [
                "PorticoCore",
                "PorticoHTTP1",
                "PorticoObservability",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PorticoAdmin",
            dependencies: [
                "PorticoServer",
                "PorticoConfig",
                "PorticoObservability",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "Portico",
            dependencies: [
                "PorticoHTTP", "PorticoCore", "PorticoConfig", "PorticoFilters", "PorticoJWT",
                "PorticoObservability", "PorticoServer", "PorticoAdmin", "PorticoHealth", "PorticoDNS",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Atomics", package: "swift-atomics"),
            ]
        ),
        .target(
            name: "PorticoTesting",
            dependencies: [
                "PorticoHTTP", "PorticoDNS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "PorticoCLI",
            dependencies: [
                "Portico",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "PorticoExample",
            dependencies: ["Portico", .product(name: "Logging", package: "swift-log")],
            path: "Examples/CustomFilter"
        ),
        .testTarget(
            name: "PorticoJWTTests",
            dependencies: [
                "PorticoJWT", "PorticoConfig", "PorticoCore", "PorticoHTTP", "PorticoServer", "PorticoObservability",
                "PorticoTesting",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PorticoDNSTests",
            dependencies: [
                "PorticoDNS", "PorticoTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PorticoHealthTests",
            dependencies: [
                "PorticoHealth",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            ]
        ),
        .testTarget(
            name: "PorticoHTTP1Tests",
            dependencies: [
                "PorticoHTTP1", "PorticoHTTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PorticoCoreTests",
            dependencies: ["PorticoCore", "PorticoHTTP", .product(name: "NIOEmbedded", package: "swift-nio")]
        ),
        .testTarget(name: "PorticoConfigTests", dependencies: ["PorticoConfig", "PorticoCore"]),
        .testTarget(
            name: "PorticoFiltersTests",
            dependencies: [
                "PorticoFilters", "PorticoConfig", "PorticoCore", "PorticoHTTP", "PorticoServer", "PorticoTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PorticoServerTests",
            dependencies: [
                "Portico", "PorticoServer", "PorticoFilters", "PorticoObservability", "PorticoTesting", "PorticoDNS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PorticoIntegrationTests",
            dependencies: [
                "PorticoTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ]
)
