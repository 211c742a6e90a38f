// A regex stage with 100 patterns (96 host rules, 4 hostless) in three styles (see `RegexRules.Style`): anchored as
// mirroring rules are usually written, anchored with every organisation in the literal prefix, and unanchored,
// which defeats the matcher's literal-prefix/host prefilter. The gaps between them are what the prefilter is
// worth. One operation is one image; each iteration runs 1,000.
import Benchmark
import ReplacerBenchmarkSupport
import ReplacerCore
import ReplacerMatchers

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether `bytes` starts with the UTF-8 of `prefix`, compared as contiguous memory.
@inline(__always)
func hasBytePrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ prefix: inout String) -> Bool {
    prefix.withUTF8 { p in
        p.count <= bytes.count && (p.count == 0 || memcmp(bytes.baseAddress!, p.baseAddress!, p.count) == 0)
    }
}

struct RegexFixture: @unchecked Sendable {
    let pipeline: Pipeline
    let matcher: any Matcher
    let hitInputs: [ImageInput]
    let missInputs: [ImageInput]

    init(_ style: RegexRules.Style) async throws {
        let ruleSet = try await RuleSetFactory.singleStage(matcher: "regex", rules: RegexRules.body(style))
        pipeline = Pipeline(ruleSet, usesMemo: false)
        matcher = ruleSet.stages[0].matcher
        hitInputs = try RegexRules.hits.map { try ImageInput($0) }
        missInputs = try RegexRules.misses.map { try ImageInput($0) }
        for image in RegexRules.hits where await pipeline.run(image, trace: false).rewrittenBy.isEmpty {
            fatalError("fixture image \(image) was expected to be rewritten (\(style))")
        }
        for image in RegexRules.misses where await !pipeline.run(image, trace: false).rewrittenBy.isEmpty {
            fatalError("fixture image \(image) was expected to pass unchanged (\(style))")
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000)

    let hits = RegexRules.hits
    let misses = RegexRules.misses

    for style in RegexRules.Style.allCases {
        let variant = style.rawValue

        Benchmark("regex 100 \(variant) pipeline hit") { benchmark, fixture in
            for i in benchmark.scaledIterations {
                blackHole(await fixture.pipeline.run(hits[i % hits.count], trace: false))
            }
        } setup: {
            try await RegexFixture(style)
        }

        Benchmark("regex 100 \(variant) pipeline miss") { benchmark, fixture in
            for i in benchmark.scaledIterations {
                blackHole(await fixture.pipeline.run(misses[i % misses.count], trace: false))
            }
        } setup: {
            try await RegexFixture(style)
        }

        Benchmark("regex 100 \(variant) evaluate hit") { benchmark, fixture in
            let context = EvaluationContext()
            for i in benchmark.scaledIterations {
                blackHole(
                    try? await fixture.matcher.evaluate(
                        fixture.hitInputs[i % fixture.hitInputs.count], context: context))
            }
        } setup: {
            try await RegexFixture(style)
        }

        Benchmark("regex 100 \(variant) evaluate miss") { benchmark, fixture in
            let context = EvaluationContext()
            for i in benchmark.scaledIterations {
                blackHole(
                    try? await fixture.matcher.evaluate(
                        fixture.missInputs[i % fixture.missInputs.count], context: context))
            }
        } setup: {
            try await RegexFixture(style)
        }
    }

    // The matcher's prefilter compares each candidate rule's literal prefix with `subject.utf8.starts(with:)`. For a
    // GitHub image that is 36 comparisons (32 GitHub rules, 4 hostless ones with an empty prefix). Measured alone,
    // next to the same comparisons done on contiguous bytes with memcmp, to size that part of the matcher's time.
    let prefixes =
        RegexRules.hostRules(.literalOrgs).map { requiredLiteralPrefix(ofPattern: $0.match, caseInsensitive: false) }
        .filter { $0.hasPrefix("ghcr.io/") } + ["", "", "", ""]
    let subjects = (0..<32).map { "ghcr.io/org\($0)/app:v1.\($0).3" }
    Benchmark("prefilter check utf8.starts(with:) 36 prefixes") { benchmark in
        for i in benchmark.scaledIterations {
            let subject = subjects[i % subjects.count]
            var hits = 0
            for prefix in prefixes where prefix.isEmpty || subject.utf8.starts(with: prefix.utf8) { hits += 1 }
            blackHole(hits)
        }
    }
    Benchmark("prefilter check memcmp 36 prefixes (sketch)") { benchmark in
        for i in benchmark.scaledIterations {
            var subject = subjects[i % subjects.count]
            var hits = 0
            subject.withUTF8 { bytes in
                for var prefix in prefixes where prefix.isEmpty || hasBytePrefix(bytes, &prefix) { hits += 1 }
            }
            blackHole(hits)
        }
    }

    // Compiling (with JIT) 100 patterns: the cost of a reload.
    Benchmark(
        "regex 100 load",
        configuration: .init(
            metrics: [.wallClock, .mallocCountTotal], timeUnits: .milliseconds, scalingFactor: .one,
            maxDuration: .seconds(5), maxIterations: 20)
    ) { benchmark in
        blackHole(try? await RuleSetFactory.singleStage(matcher: "regex", rules: RegexRules.body()))
    }
}
