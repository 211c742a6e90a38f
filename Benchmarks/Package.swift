// swift-tools-version:6.1
import PackageDescription

// The benchmarks live in their own package so that the webhook's package graph never sees the benchmark
// dependency (and its malloc interposer). Each executable below is one benchmark suite, found by the
// `benchmark` command plugin because its folder sits directly under this `Benchmarks/` directory.
//
//     cd Benchmarks && swift package --allow-writing-to-package-directory benchmark
//
// See BENCHMARKS.md at the repository root for the measured figures and how they were taken.

let benchmarkDependencies: [Target.Dependency] = [
    "ReplacerBenchmarkSupport",
    .product(name: "Benchmark", package: "benchmark"),
    .product(name: "ReplacerCore", package: "k8s-image-replacer"),
    .product(name: "ReplacerMatchers", package: "k8s-image-replacer"),
]

let benchmarkPlugins: [Target.PluginUsage] = [.plugin(name: "BenchmarkPlugin", package: "benchmark")]

let package = Package(
    name: "k8s-image-replacer-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "k8s-image-replacer", path: ".."),
        // MallocInterposer gives the malloc counters; naming the traits explicitly also leaves out the
        // Linux-only runtime interposer, which is not available here.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Rule-file generators and fixtures shared by the suites (not a benchmark: it is a library).
        .target(
            name: "ReplacerBenchmarkSupport",
            dependencies: [
                .product(name: "ReplacerCore", package: "k8s-image-replacer"),
                .product(name: "ReplacerMatchers", package: "k8s-image-replacer"),
                .product(name: "ReplacerDigest", package: "k8s-image-replacer"),
            ],
            path: "Support"
        ),
        .executableTarget(
            name: "ParsingBenchmarks", dependencies: benchmarkDependencies, path: "ParsingBenchmarks",
            plugins: benchmarkPlugins),
        .executableTarget(
            name: "LookupBenchmarks", dependencies: benchmarkDependencies, path: "LookupBenchmarks",
            plugins: benchmarkPlugins),
        .executableTarget(
            name: "RegexBenchmarks", dependencies: benchmarkDependencies, path: "RegexBenchmarks",
            plugins: benchmarkPlugins),
        .executableTarget(
            name: "PipelineBenchmarks", dependencies: benchmarkDependencies, path: "PipelineBenchmarks",
            plugins: benchmarkPlugins),
        .executableTarget(
            name: "DigestBenchmarks",
            dependencies: benchmarkDependencies + [
                .product(name: "ReplacerRegistry", package: "k8s-image-replacer"),
                .product(name: "ReplacerDigest", package: "k8s-image-replacer"),
            ],
            path: "DigestBenchmarks",
            plugins: benchmarkPlugins),
        // The reviewer alone (ReplacerAdmission), without the HTTP server.
        .executableTarget(
            name: "AdmissionBenchmarks",
            dependencies: benchmarkDependencies + [
                .product(name: "ReplacerAdmission", package: "k8s-image-replacer"),
                .product(name: "ReplacerMatchers", package: "k8s-image-replacer"),
            ],
            path: "AdmissionBenchmarks",
            plugins: benchmarkPlugins),
    ],
    swiftLanguageModes: [.v6]
)
