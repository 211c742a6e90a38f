// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for the webhook's parsers (issue #8). A package of its own, like Benchmarks/, so that the
// root package's `swift build` and `swift test` never compile it: these executables have no `main` of their own,
// `--sanitize fuzzer` links libFuzzer's. Build and run them with dev/fuzz.sh; see README.md.
let package = Package(
    name: "k8s-image-replacer-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "k8s-image-replacer", path: "..")],
    targets: [
        // Input decoding, property checks and the async bridge every target shares.
        .target(name: "FuzzSupport"),
        .executableTarget(
            name: "FuzzReference",
            dependencies: ["FuzzSupport", .product(name: "ReplacerCore", package: "k8s-image-replacer")]),
        .executableTarget(
            name: "FuzzTemplate",
            dependencies: ["FuzzSupport", .product(name: "ReplacerMatchers", package: "k8s-image-replacer")]),
        .executableTarget(
            name: "FuzzRegistryAuth",
            dependencies: ["FuzzSupport", .product(name: "ReplacerRegistry", package: "k8s-image-replacer")]),
        .executableTarget(
            name: "FuzzRuleFile",
            dependencies: [
                "FuzzSupport",
                .product(name: "ReplacerCore", package: "k8s-image-replacer"),
                .product(name: "ReplacerMatchers", package: "k8s-image-replacer"),
            ]),
        .executableTarget(
            name: "FuzzAdmission",
            dependencies: [
                "FuzzSupport",
                .product(name: "ReplacerCore", package: "k8s-image-replacer"),
                .product(name: "ReplacerMatchers", package: "k8s-image-replacer"),
                .product(name: "ReplacerAdmission", package: "k8s-image-replacer"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
