// The digest stage's two paths.
//
// "cache hit": `DigestMatcher.evaluate` for a tag it has already resolved — what every admission after the first
// pays (one lock, one dictionary probe, building the pinned reference). "cache layer": `DigestCache.value(for:)`
// alone. "cold": a lookup that reaches the registry every time (cache TTL zero): HEAD over loopback HTTP to a real
// distribution registry. The cold and matcher benchmarks need a registry serving `bench/app:v1`; run them through
// `Benchmarks/load/digest-bench.sh`, which starts Debian's docker-registry on loopback and sets BENCH_REGISTRY.
import Benchmark
import Foundation
import ReplacerBenchmarkSupport
import ReplacerCore
import ReplacerRegistry

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000)

    Benchmark("digest cache layer hit") { (benchmark: Benchmark, cache: DigestCache) in
        for _ in benchmark.scaledIterations {
            let unused: @Sendable () async -> Result<String, RegistryError> = { .success("unused") }
            blackHole(await cache.value(for: "registry.example/team/app:v1", resolve: unused))
        }
    } setup: {
        let cache = DigestCache(ttl: .seconds(3600))
        let digest = "sha256:" + String(repeating: "a", count: 64)
        _ = await cache.value(for: "registry.example/team/app:v1") { .success(digest) }
        return cache
    }

    guard let registry = ProcessInfo.processInfo.environment["BENCH_REGISTRY"] else { return }

    Benchmark("digest stage cache hit") { (benchmark: Benchmark, fixture: DigestFixture) in
        for _ in benchmark.scaledIterations {
            blackHole(try await fixture.matcher.evaluate(fixture.input, context: EvaluationContext()))
        }
    } setup: {
        try await DigestFixture(registry: registry, ttl: "1h")
    }

    Benchmark("digest stage cold lookup", configuration: .init(scalingFactor: .one, maxDuration: .seconds(5))) {
        (benchmark: Benchmark, fixture: DigestFixture) in
        for _ in benchmark.scaledIterations {
            blackHole(try await fixture.matcher.evaluate(fixture.input, context: EvaluationContext()))
        }
    } setup: {
        try await DigestFixture(registry: registry, ttl: "0s")
    }
}

/// A one-stage digest rule set pointed at the benchmark registry, warmed once so the fixture is known to resolve.
struct DigestFixture: @unchecked Sendable {
    let matcher: any Matcher
    let input: ImageInput

    init(registry: String, ttl: String) async throws {
        let ruleSet = try await RuleSetFactory.load(
            """
            apiVersion: k8s-image-replacer/v1
            kind: RuleSet
            stages:
              - name: pin
                matcher: digest
                options: {insecureRegistries: ["\(registry)"], cacheTTL: \(ttl), failureTTL: 0s}
            """)
        matcher = ruleSet.stages[0].matcher
        input = try ImageInput("\(registry)/bench/app:v1")
        guard
            try await matcher.evaluate(input, context: EvaluationContext()).rewrittenImage?.contains("@sha256:") == true
        else {
            fatalError(
                "\(registry)/bench/app:v1 did not resolve; start the registry with Benchmarks/load/digest-bench.sh")
        }
    }
}
