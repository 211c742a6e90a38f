import Benchmark
import ReplacerAdmission
import ReplacerBenchmarkSupport
import ReplacerCore

// The admission reviewer, `AdmissionReviewer().review(body, ruleSet:)`, on a 3-container Pod AdmissionReview
// (JSON decode, the five-stage pipeline per container, JSON Patch and response encode), next to its parts
// measured alone, so the engine's share of a request can be read off. One operation is one request.
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        timeUnits: .microseconds,
        scalingFactor: .one,
        maxDuration: .seconds(3),
        maxIterations: 1_000_000)

    let patched = AdmissionFixtures.podReview()
    let unchanged = AdmissionFixtures.unchangedPodReview()
    let system = AdmissionFixtures.podReview(namespace: "kube-system")
    let setup: () async throws -> RuleSet = {
        let ruleSet = try await RuleSetFactory.load(FiveStageRules.text)
        // Check the fixtures take the paths their benchmark names promise.
        guard case .answer(_, let summary) = await AdmissionReviewer().review(patched, ruleSet: ruleSet),
            summary.rewrites.count == 3
        else { fatalError("the patched fixture must rewrite all three images") }
        guard case .answer(_, let same) = await AdmissionReviewer().review(unchanged, ruleSet: ruleSet),
            same.rewrites.isEmpty
        else { fatalError("the unchanged fixture must not be rewritten") }
        return ruleSet
    }
    let reviewer = AdmissionReviewer()

    Benchmark("review pod 3 rewrites") { benchmark, ruleSet in
        blackHole(await reviewer.review(patched, ruleSet: ruleSet))
    } setup: {
        try await setup()
    }

    Benchmark("review pod no rewrite") { benchmark, ruleSet in
        blackHole(await reviewer.review(unchanged, ruleSet: ruleSet))
    } setup: {
        try await setup()
    }

    Benchmark("review pod kube-system") { benchmark, ruleSet in
        blackHole(await reviewer.review(system, ruleSet: ruleSet))
    } setup: {
        try await setup()
    }

    // The engine's share: the same three pipeline runs the reviewer makes, on their own.
    let images = AdmissionFixtures.images
    Benchmark("engine only 3 pipeline runs") { benchmark, ruleSet in
        let pipeline = Pipeline(ruleSet, usesMemo: false)
        for (index, image) in images.enumerated() {
            let context = EvaluationContext(
                namespace: "web", podName: "web-7d9f8b6c5d-", labels: ["app.kubernetes.io/name": "web"],
                containerName: "c\(index)", containerKind: index == 2 ? .initContainers : .containers,
                operation: "CREATE")
            blackHole(await pipeline.run(image, context: context, trace: false))
        }
    } setup: {
        try await setup()
    }

    // JSON decode alone, into a mirror of the fields the reviewer decodes (its own types are internal).
    Benchmark("JSON decode only (mirror types)") { benchmark in
        blackHole(try? JSONDecoder().decode(ReviewShape.self, from: patched))
    }

    // The reviewer's deadline race (`DeadlineRace`: an unstructured task for the work and one sleeping for the
    // deadline, per request), taken when a stage does not promise `runsWithoutWaiting` (a digest stage does not).
    // Two one-stage rule sets that differ only in that promise: the difference is the race's cost.
    let oneStage: (any ConfigurableMatcher.Type, Bool) -> () async throws -> RuleSet = { matcher, inline in
        {
            let ruleSet = try await RuleSetLoader(registry: try MatcherRegistry([matcher])).load(
                text: "apiVersion: k8s-image-replacer/v1\nkind: RuleSet\nstages: [{name: s, matcher: \(matcher.id)}]\n",
                file: "one-stage.yaml")
            guard ruleSet.runsWithoutWaiting == inline else { fatalError("wrong path") }
            return ruleSet
        }
    }
    Benchmark("review pod one stage inline") { benchmark, ruleSet in
        blackHole(await reviewer.review(unchanged, ruleSet: ruleSet))
    } setup: {
        try await oneStage(NeverWaits.self, true)()
    }
    Benchmark("review pod one stage deadline race") { benchmark, ruleSet in
        blackHole(await reviewer.review(unchanged, ruleSet: ruleSet))
    } setup: {
        try await oneStage(MayWait.self, false)()
    }

    // The patch and response encoding the reviewer does for three rewrites, with its encoder settings.
    Benchmark("JSON encode only patch annotation response") { benchmark in
        blackHole(EncodeShape.encodeAnswer())
    }
}

/// Matches nothing and makes no promise that it never waits, so a review under it takes the deadline race.
struct MayWait: ConfigurableMatcher {
    static let id = "may-wait"
    init(configuration: MatcherConfiguration) throws {}
    func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult { .noMatch() }
}

/// `MayWait` with the promise: a review under it runs inline.
struct NeverWaits: ConfigurableMatcher {
    static let id = "never-waits"
    var traits: MatcherTraits { .runsWithoutWaiting }
    init(configuration: MatcherConfiguration) throws {}
    func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult { .noMatch() }
}
