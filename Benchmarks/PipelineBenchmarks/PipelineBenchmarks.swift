// A five-stage rule file (exact, regex, prefix, regex, exact) run over the images a cluster typically runs, with
// and without the per-stage trace (`explain` builds it; the admission path does not). One operation is one image;
// each iteration runs 1,000. These pipelines run the stages every time (`usesMemo: false`); "memo hit" shows what
// the admission path pays for an image it has seen before.
import Benchmark
import ReplacerBenchmarkSupport
import ReplacerCore

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000)

    let images = ImageSamples.cluster
    let setup: () async throws -> Pipeline = {
        Pipeline(try await RuleSetFactory.load(FiveStageRules.text), usesMemo: false)
    }
    let web = EvaluationContext(namespace: "web", podName: "web-1", labels: ["app": "web"], containerName: "app")
    let system = EvaluationContext(namespace: "kube-system", podName: "coredns-1", containerName: "coredns")

    for trace in [false, true] {
        let variant = trace ? "trace" : "no trace"
        Benchmark("five-stage \(variant)") { benchmark, pipeline in
            for i in benchmark.scaledIterations {
                blackHole(await pipeline.run(images[i % images.count], context: web, trace: trace))
            }
        } setup: {
            try await setup()
        }
    }

    Benchmark("five-stage no trace memo hit") { benchmark, pipeline in
        for i in benchmark.scaledIterations {
            blackHole(await pipeline.run(images[i % images.count], context: web, trace: false))
        }
    } setup: { () async throws -> Pipeline in
        let pipeline = Pipeline(try await RuleSetFactory.load(FiveStageRules.text))
        for image in images { _ = await pipeline.run(image, context: web, trace: false) }
        return pipeline
    }

    // kube-system skips two stages through `when`; the condition check and the skip are all that changes.
    Benchmark("five-stage no trace kube-system") { benchmark, pipeline in
        for i in benchmark.scaledIterations {
            blackHole(await pipeline.run(images[i % images.count], context: system, trace: false))
        }
    } setup: {
        try await setup()
    }

    // Per image, to show which paths cost most (stops early, rewrites twice, passes every stage untouched).
    for image in images {
        Benchmark("five-stage no trace \(image.prefix(40))") { benchmark, pipeline in
            for _ in benchmark.scaledIterations {
                blackHole(await pipeline.run(image, context: web, trace: false))
            }
        } setup: {
            try await setup()
        }
    }
}
