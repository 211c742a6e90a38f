import Testing

@testable import ReplacerCore

/// The memo may only ever save work: every answer must be the one the stages give, per image and per set of stages
/// the pod's `when` conditions admit.
@Suite struct PipelineMemoTests {
    static func rules(_ needle: String, scoped: Bool = false) -> String {
        header + """
            stages:
              - name: scoped
                matcher: counting
                rules: \(needle)
                options: {suffix: -a}
            \(scoped ? "    when: {excludeNamespaces: [kube-system], labels: {tier: \"web*\"}}" : "")
              - name: second
                matcher: counting
                rules: \(needle)-a
                options: {suffix: -b}
            """
    }

    @Test func aRepeatedImageIsAnsweredFromTheMemo() async throws {
        let ruleSet = try await loadRules(Self.rules("memo-repeat"))
        let pipeline = Pipeline(ruleSet)
        #expect(ruleSet.memo != nil)
        let first = await pipeline.run("example.com/memo-repeat:1", trace: false)
        let evaluations = CountingMatcher.count("memo-repeat")
        let second = await pipeline.run("example.com/memo-repeat:1", trace: false)
        #expect(first.image == "example.com/memo-repeat-a-b:1")
        #expect(second == first)
        #expect(CountingMatcher.count("memo-repeat") == evaluations, "the second run evaluated the stages again")
        #expect(ruleSet.memo?.count == 1)
    }

    /// A failure is not an answer: a pure stage that threw once is asked again next time, not answered from the memo.
    @Test func aFailureIsNotRemembered() async throws {
        let ruleSet = try await loadRules(
            header + "stages:\n  - name: flaky\n    matcher: flaky\n    rules: memo-flaky\n    options: {suffix: -x}\n")
        #expect(ruleSet.memo != nil)
        let pipeline = Pipeline(ruleSet)
        let failed = await pipeline.run("example.com/memo-flaky:1", trace: false)
        #expect(!failed.changed && failed.refusedBy == ["flaky"])
        #expect(ruleSet.memo?.count == 0)
        let answered = await pipeline.run("example.com/memo-flaky:1", trace: false)
        #expect(answered.image == "example.com/memo-flaky-x:1")
        #expect(ruleSet.memo?.count == 1)
    }

    @Test func aPipelineWithoutTheMemoRunsTheStagesEveryTime() async throws {
        let ruleSet = try await loadRules(Self.rules("memo-off"))
        let pipeline = Pipeline(ruleSet, usesMemo: false)
        _ = await pipeline.run("example.com/memo-off:1", trace: false)
        let before = CountingMatcher.count("memo-off")
        _ = await pipeline.run("example.com/memo-off:1", trace: false)
        #expect(CountingMatcher.count("memo-off") == before + 1, "the first stage must run again")
        #expect(ruleSet.memo?.count == 0)
    }

    @Test func aTraceAlwaysRunsTheStages() async throws {
        let pipeline = Pipeline(try await loadRules(Self.rules("memo-trace")))
        _ = await pipeline.run("example.com/memo-trace:1", trace: false)
        let before = CountingMatcher.count("memo-trace")
        let traced = await pipeline.run("example.com/memo-trace:1", trace: true)
        #expect(CountingMatcher.count("memo-trace") > before)
        #expect(traced.stages.count == 2)
    }

    @Test func conditionsAreRespected() async throws {
        let pipeline = Pipeline(try await loadRules(Self.rules("memo-when", scoped: true)))
        let web = EvaluationContext(namespace: "shop", labels: ["tier": "web-1"])
        let system = EvaluationContext(namespace: "kube-system", labels: ["tier": "web-1"])
        let unlabeled = EvaluationContext(namespace: "shop")
        // Warm the memo with each context in turn, then ask again in another order: every answer must be the one a
        // fresh evaluation with a trace gives.
        for context in [web, system, unlabeled, system, web, unlabeled] {
            let memoized = await pipeline.run("example.com/memo-when:1", context: context, trace: false)
            let fresh = await pipeline.run("example.com/memo-when:1", context: context, trace: true)
            #expect(memoized.image == fresh.image, "\(context.namespace ?? "-")")
            #expect(memoized.rewrittenBy == fresh.rewrittenBy)
        }
        let answers = await [web, system].asyncMap {
            await pipeline.run("example.com/memo-when:1", context: $0, trace: false).image
        }
        #expect(answers == ["example.com/memo-when-a-b:1", "example.com/memo-when:1"])
    }

    @Test func stagesThatMayDependOnMoreGetNoMemo() async throws {
        // AppendMatcher does not declare itself pure, so one such stage keeps the whole rule set unmemoized.
        let yaml =
            Self.rules("memo-mixed") + """

                  - name: plain
                    matcher: append
                    rules: zzz
                    options: {suffix: -c}
                """
        #expect(try await loadRules(yaml).memo == nil)
    }

    @Test func theMemoIsBoundedAndStartsOverWhenFull() async throws {
        let memo = PipelineMemo(capacity: 3)
        let result = PipelineResult(original: "a", image: "b", normalized: nil)
        for index in 0..<3 { memo.remember(result, for: .init(image: "img\(index)", admittedStages: 1)) }
        #expect(memo.count == 3)
        memo.remember(result, for: .init(image: "img1", admittedStages: 1))
        #expect(memo.count == 3, "replacing a known key must not clear the memo")
        memo.remember(result, for: .init(image: "img3", admittedStages: 1))
        #expect(memo.count == 1)
        #expect(memo.result(for: .init(image: "img3", admittedStages: 1)) == result)
        #expect(memo.result(for: .init(image: "img0", admittedStages: 1)) == nil)
    }

    @Test func longImagesAreNotKept() {
        let long = "example.com/" + String(repeating: "a", count: PipelineMemo.maxImageBytes)
        #expect(PipelineMemo.key(long, context: EvaluationContext(), stages: []) == nil)
        #expect(PipelineMemo.key("example.com/a", context: EvaluationContext(), stages: []) != nil)
    }

    @Test func admitsAgreesWithRejection() async throws {
        let ruleSet = try await loadRules(PipelineTests.scoped)
        let condition = try #require(ruleSet.stages.first?.condition)
        let contexts = [
            EvaluationContext(namespace: "team-a", labels: ["app": "web-1", "tier": "x"]),
            EvaluationContext(namespace: "team-legacy", labels: ["app": "web-1", "tier": "x"]),
            EvaluationContext(namespace: "prod", labels: ["app": "web"], containerKind: .containers),
            EvaluationContext(namespace: "prod", labels: ["app": "api", "tier": "x"]),
            EvaluationContext(namespace: "dev", labels: ["app": "web", "tier": "x"]),
            EvaluationContext(labels: ["app": "web", "tier": "x"]),
            EvaluationContext(
                namespace: "prod", labels: ["app": "web", "tier": "x"], containerKind: .ephemeralContainers),
            EvaluationContext(namespace: "prod", labels: ["app": "web", "tier": "x"], containerKind: .initContainers),
            EvaluationContext(namespace: "prod", labels: ["app": "web", "tier": "x", "mirror": "on"]),
            EvaluationContext(namespace: "prod", labels: ["app": "web", "tier": "x", "mirror": "off-for-now"]),
        ]
        for context in contexts {
            #expect(condition.admits(context) == (condition.rejection(for: context) == nil), "\(context)")
        }
        #expect(contexts.filter(condition.admits).count == 3)
        #expect(condition.rejection(for: contexts[9]) == #"label mirror="off-for-now" is excluded by "off*""#)
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async -> T) async -> [T] {
        var out: [T] = []
        for element in self { out.append(await transform(element)) }
        return out
    }
}
