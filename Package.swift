// swift-tools-version:6.0
import PackageDescription

// Module names are global in a package graph, so ours carry the `Replacer` prefix while the folders keep the
// short names the design fixes (Sources/Core, Sources/Matchers, Sources/Server).
let package = Package(
    name: "k8s-image-replacer",
    platforms: [.macOS(.v15)],  // WasmKit needs macOS 15
    products: [
        .executable(name: "k8s-image-replacer", targets: ["k8s-image-replacer"]),
        .library(name: "ReplacerCore", targets: ["ReplacerCore"]),
        .library(name: "ReplacerMatchers", targets: ["ReplacerMatchers"]),
        .library(name: "ReplacerDigest", targets: ["ReplacerDigest"]),
        .library(name: "ReplacerRegistry", targets: ["ReplacerRegistry"]),
        .library(name: "ReplacerJSON", targets: ["ReplacerJSON"]),
        .library(name: "ReplacerAdmission", targets: ["ReplacerAdmission"]),
        .library(name: "ReplacerServer", targets: ["ReplacerServer"]),
        .library(name: "ReplacerCLI", targets: ["ReplacerCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.10.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
        .package(url: "https://github.com/swiftwasm/WasmKit", from: "0.4.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CPCRE2",
            path: "Sources/CPCRE2",
            pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"])]
        ),
        // Sets Swift concurrency's global-enqueue hook by linking against it (see EventLoopGlobalExecutor).
        .target(name: "CConcurrencyHook", path: "Sources/CConcurrencyHook"),
        .target(
            name: "ReplacerCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            path: "Sources/Core"
        ),
        .target(
            name: "ReplacerRegistry",
            dependencies: [
                "ReplacerCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Sources/Registry"
        ),
        .target(
            name: "ReplacerMatchers",
            dependencies: ["ReplacerCore", "CPCRE2"],
            path: "Sources/Matchers",
            exclude: ["Digest"]
        ),
        // The `digest` matcher: the one built-in that asks registries, so the others need no registry client.
        .target(
            name: "ReplacerDigest",
            dependencies: [
                "ReplacerCore", "ReplacerRegistry",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Sources/Matchers/Digest"
        ),
        // The one strict JSON reader and compact writer, for AdmissionReviews, answers, log lines and the plugin
        // ABI alike; no dependencies, so anything may use it.
        .target(name: "ReplacerJSON", path: "Sources/JSON"),
        // AdmissionReview in, AdmissionReview with a JSON Patch out: no HTTP, no I/O, so it can be fuzzed and
        // benchmarked without the server.
        .target(name: "ReplacerAdmission", dependencies: ["ReplacerCore", "ReplacerJSON"], path: "Sources/Admission"),
        .target(
            name: "ReplacerServer",
            dependencies: [
                "CConcurrencyHook",
                "ReplacerCore",
                "ReplacerJSON",
                "ReplacerAdmission",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Server"
        ),
        .target(
            name: "ReplacerCLI",
            dependencies: [
                "ReplacerCore",
                "ReplacerAdmission",
                "ReplacerMatchers",
                "ReplacerServer",
                "ReplacerRegistry",
                "ReplacerWasm",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/CLI"
        ),
        .executableTarget(
            name: "k8s-image-replacer",
            dependencies: [
                "ReplacerCLI", "ReplacerCore", "ReplacerMatchers", "ReplacerDigest",
                "ReplacerPluginPullThroughCache", "ReplacerPluginTagPolicy", "ReplacerServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Sources/k8s-image-replacer",
            // Release links use the toolchain's lld to pack the executable's ~145,000 relative relocations
            // (DT_RELR, glibc >= 2.36, Debian 12) and not to export every Swift symbol, which
            // --static-swift-stdlib asks for: the loader reads the 3.4 MB relocation table and the 4 MB dynamic
            // symbol table at every start, and both stayed resident (BENCHMARKS.md §6).
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                        "-Xlinker", "--no-export-dynamic",
                    ],
                    .when(platforms: [.linux], configuration: .release))
            ]
        ),
        // Runtime-loaded matchers: WebAssembly plugins (ABI v1) run in WasmKit's sandbox. See Plugins/README.md.
        .target(
            name: "ReplacerWasm",
            dependencies: ["ReplacerCore", "ReplacerJSON", .product(name: "WasmKit", package: "WasmKit")],
            path: "Sources/Wasm"
        ),
        // Compiled-in plugins: a folder under Plugins/, one target here, one line in main.swift's enabledMatchers.
        .target(
            name: "ReplacerPluginPullThroughCache", dependencies: ["ReplacerCore"], path: "Plugins/PullThroughCache",
            exclude: ["README.md"]),
        .target(
            name: "ReplacerPluginTagPolicy", dependencies: ["ReplacerCore"], path: "Plugins/TagPolicy",
            exclude: ["README.md"]),
        .testTarget(
            name: "PluginTests",
            dependencies: [
                "ReplacerPluginPullThroughCache", "ReplacerPluginTagPolicy", "ReplacerWasm", "ReplacerCLI",
                "ReplacerMatchers", "k8s-image-replacer",
            ],
            path: "Tests/PluginTests",
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "CoreTests",
            dependencies: ["ReplacerCore", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Tests/CoreTests"
        ),
        .testTarget(name: "JSONTests", dependencies: ["ReplacerJSON"], path: "Tests/JSONTests"),
        .testTarget(name: "AdmissionTests", dependencies: ["ReplacerAdmission", "ReplacerJSON"], path: "Tests/AdmissionTests"),
        .testTarget(name: "MatchersTests", dependencies: ["ReplacerMatchers"], path: "Tests/MatchersTests"),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "ReplacerServer",
                "ReplacerJSON",
                "ReplacerAdmission",
                "ReplacerMatchers",
                "ReplacerRegistry",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Tests/ServerTests"
        ),
        .testTarget(
            name: "RegistryTests",
            dependencies: [
                "ReplacerRegistry",
                "ReplacerMatchers",
                "ReplacerDigest",
                "ReplacerServer",
                "ReplacerAdmission",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/RegistryTests"
        ),
        .testTarget(
            name: "CLITests",
            dependencies: [
                "ReplacerCLI", "ReplacerAdmission", "ReplacerMatchers", "ReplacerServer", "k8s-image-replacer",
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Tests/CLITests",
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
