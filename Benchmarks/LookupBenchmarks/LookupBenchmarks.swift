// `exact` and `prefix` stages with 10,000 rules each, loaded from generated rule files.
//
// "pipeline" benchmarks run `Pipeline.run(_:context:trace: false)` on a one-stage rule set: parse the image,
// look it up, parse the rewritten image, build the result (what the admission path does per container).
// "evaluate" benchmarks call the stage's matcher directly on pre-built `ImageInput`s: the lookup alone.
// One operation is one image; each iteration runs 1,000.
import Benchmark
import ReplacerBenchmarkSupport
import ReplacerCore

let ruleCount = 10_000

/// A loaded one-stage rule set and the inputs to feed it.
struct LookupFixture: @unchecked Sendable {
    let pipeline: Pipeline
    let matcher: any Matcher
    let hits: [String]
    let misses: [String]
    let hitInputs: [ImageInput]
    let missInputs: [ImageInput]

    init(matcher id: String, stage: GeneratedStage) async throws {
        let ruleSet = try await RuleSetFactory.singleStage(matcher: id, rules: stage.rules)
        pipeline = Pipeline(ruleSet, usesMemo: false)
        matcher = ruleSet.stages[0].matcher
        hits = stage.hits
        misses = stage.misses
        hitInputs = try stage.hits.map { try ImageInput($0) }
        missInputs = try stage.misses.map { try ImageInput($0) }
        // A benchmark of rewrites that do not rewrite would measure the wrong thing: check the fixture first.
        for image in hits where await pipeline.run(image, trace: false).rewrittenBy.isEmpty {
            fatalError("fixture image \(image) was expected to be rewritten")
        }
        for image in misses where await !pipeline.run(image, trace: false).rewrittenBy.isEmpty {
            fatalError("fixture image \(image) was expected to pass unchanged")
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

    let stages: [(id: String, make: @Sendable () -> GeneratedStage)] = [
        ("exact", { LookupRules.exact(count: ruleCount) }),
        ("prefix", { LookupRules.prefix(count: ruleCount) }),
    ]
    for (id, make) in stages {
        let setup: () async throws -> LookupFixture = { try await LookupFixture(matcher: id, stage: make()) }

        Benchmark("\(id) 10k pipeline hit") { benchmark, fixture in
            for i in benchmark.scaledIterations {
                blackHole(await fixture.pipeline.run(fixture.hits[i % fixture.hits.count], trace: false))
            }
        } setup: {
            try await setup()
        }

        Benchmark("\(id) 10k pipeline miss") { benchmark, fixture in
            for i in benchmark.scaledIterations {
                blackHole(await fixture.pipeline.run(fixture.misses[i % fixture.misses.count], trace: false))
            }
        } setup: {
            try await setup()
        }

        Benchmark("\(id) 10k evaluate hit") { benchmark, fixture in
            let context = EvaluationContext()
            for i in benchmark.scaledIterations {
                blackHole(
                    try? await fixture.matcher.evaluate(
                        fixture.hitInputs[i % fixture.hitInputs.count], context: context))
            }
        } setup: {
            try await setup()
        }

        Benchmark("\(id) 10k evaluate miss") { benchmark, fixture in
            let context = EvaluationContext()
            for i in benchmark.scaledIterations {
                blackHole(
                    try? await fixture.matcher.evaluate(
                        fixture.missInputs[i % fixture.missInputs.count], context: context))
            }
        } setup: {
            try await setup()
        }

        // Loading is not on the request path, but a 10,000-rule file is reloaded on every edit: time it too.
        Benchmark(
            "\(id) 10k load",
            configuration: .init(
                metrics: [.wallClock, .mallocCountTotal, .peakMemoryResidentDelta], timeUnits: .milliseconds,
                scalingFactor: .one, maxDuration: .seconds(10), maxIterations: 5)
        ) { benchmark, text in
            blackHole(try? await RuleSetFactory.singleStage(matcher: id, rules: text))
        } setup: {
            make().rules
        }
    }
}
