import Foundation
import Testing

@testable import ReplacerCore

@Suite struct PipelineTests {
    static let twoStages =
        header + """
            stages:
              - name: suffix-one
                matcher: append
                rules: app
                options: {suffix: -one}
              - name: suffix-two
                matcher: append
                rules: app-one
                options: {suffix: -two}
            """

    @Test func laterStagesSeeEarlierOutput() async throws {
        let result = await Pipeline(try await loadRules(Self.twoStages)).run("example.com/app:1")
        #expect(result.image == "example.com/app-one-two:1")
        #expect(result.stages.map(\.outcome) == [.rewritten, .rewritten])
        #expect(result.stages[safe: 1]?.input == "example.com/app-one:1")
        #expect(result.changed)
        #expect(result.warnings.isEmpty)
    }

    @Test func stopEndsThePipeline() async throws {
        let yaml = Self.twoStages.replacingOccurrences(of: "rules: app\n", with: "rules: app\n    onMatch: stop\n")
        let result = await Pipeline(try await loadRules(yaml)).run("example.com/app:1")
        #expect(result.image == "example.com/app-one:1")
        #expect(result.stoppedBy == "suffix-one")
        #expect(result.stages.map(\.outcome) == [.rewritten, .notReached])
    }

    @Test func stopDoesNotFireWithoutAMatch() async throws {
        let yaml = Self.twoStages.replacingOccurrences(of: "rules: app\n", with: "rules: zzz\n    onMatch: stop\n")
        let result = await Pipeline(try await loadRules(yaml)).run("example.com/app-one:1")
        #expect(result.image == "example.com/app-one-two:1")
        #expect(result.stoppedBy == nil)
    }

    @Test func unchangedImageIsReturnedAsWritten() async throws {
        let result = await Pipeline(try await loadRules(Self.twoStages)).run("nginx")
        #expect(result.image == "nginx")
        #expect(!result.changed)
        #expect(result.normalized == "docker.io/library/nginx")
        #expect(result.stages.allSatisfy { $0.outcome == .noMatch && $0.detail != nil })
    }

    static let scoped =
        header + """
            stages:
              - name: scoped
                matcher: literal
                rules: mirror.example.com/x:1
                when:
                  namespaces: ["team-*", prod]
                  excludeNamespaces: [team-legacy]
                  labels: {app: "web*", tier: "*"}
                  excludeLabels: {mirror: "off*", legacy: "*"}
                  containerKinds: [containers, initContainers]
            """

    static let scopeCases: [(EvaluationContext, Bool)] = [
        (EvaluationContext(namespace: "team-a", labels: ["app": "web-1", "tier": "x"]), true),
        (
            EvaluationContext(namespace: "prod", labels: ["app": "web", "tier": ""], containerKind: .initContainers),
            true
        ),
        (
            EvaluationContext(
                namespace: "team-a", labels: ["app": "web", "tier": "x"], containerKind: .ephemeralContainers), false
        ),
        (EvaluationContext(namespace: "team-legacy", labels: ["app": "web", "tier": "x"]), false),
        (EvaluationContext(namespace: "staging", labels: ["app": "web", "tier": "x"]), false),
        (EvaluationContext(namespace: nil, labels: ["app": "web", "tier": "x"]), false),
        (EvaluationContext(namespace: "team-a", labels: ["app": "api", "tier": "x"]), false),
        (EvaluationContext(namespace: "team-a", labels: ["app": "web"]), false),
        (EvaluationContext(namespace: "team-a", labels: ["app": "web", "tier": "x", "mirror": "on"]), true),
        (EvaluationContext(namespace: "team-a", labels: ["app": "web", "tier": "x", "mirror": "off"]), false),
        (EvaluationContext(namespace: "team-a", labels: ["app": "web", "tier": "x", "legacy": ""]), false),
    ]

    @Test(arguments: scopeCases)
    func whenScopesStages(_ context: EvaluationContext, applies: Bool) async throws {
        let result = await Pipeline(try await loadRules(Self.scoped)).run("nginx", context: context)
        #expect(result.changed == applies)
        #expect(result.stages[safe: 0]?.outcome == (applies ? .rewritten : .skipped))
        if !applies { #expect(result.stages[safe: 0]?.detail?.isEmpty == false) }
    }

    @Test func excludeListAloneAppliesWithoutANamespace() async throws {
        let yaml =
            header
            + "stages:\n  - name: s\n    matcher: literal\n    rules: mirror.example.com/x:1\n    when: {excludeNamespaces: [kube-system]}\n"
        let pipeline = Pipeline(try await loadRules(yaml))
        #expect(await pipeline.run("nginx").changed)
        #expect(!(await pipeline.run("nginx", context: EvaluationContext(namespace: "kube-system")).changed))
    }

    @Test func invalidOutputIsRefusedAndTheInputKept() async throws {
        let yaml =
            header + """
                stages:
                  - name: broken
                    matcher: literal
                    rules: "Not A Reference"
                  - name: after
                    matcher: append
                    rules: nginx
                    options: {suffix: -ok}
                """
        let result = await Pipeline(try await loadRules(yaml)).run("nginx:1")
        #expect(result.stages[safe: 0]?.outcome == .refused)
        #expect(result.stages[safe: 0]?.output == "nginx:1")
        #expect(result.image == "docker.io/library/nginx-ok:1")
        #expect(result.warnings.count == 1)
        #expect(result.warnings[safe: 0]?.contains("stage broken") == true)
    }

    @Test func failingMatcherKeepsTheImageAndWarns() async throws {
        let yaml = header + "stages:\n  - name: explodes\n    matcher: failing\n"
        let result = await Pipeline(try await loadRules(yaml)).run("nginx")
        #expect(result.image == "nginx")
        #expect(result.stages[safe: 0]?.outcome == .failed)
        #expect(result.stages[safe: 0]?.detail == "boom")
        #expect(result.warnings == ["stage explodes: matcher failed, image kept: boom"])
    }

    @Test func invalidImageIsLeftAloneWithAWarning() async throws {
        let result = await Pipeline(try await loadRules(Self.twoStages)).run("UPPER/Case:x")
        #expect(result.image == "UPPER/Case:x")
        #expect(result.normalized == nil)
        #expect(result.warnings.count == 1)
        #expect(result.stages.allSatisfy { $0.outcome == .notReached })
    }

    /// A rewrite handed over parsed is used as it is: the trace shows its text, and the next stage sees the
    /// handed-over reference, not a new parse of that text (here deliberately another image's, to tell them apart;
    /// which is also why only this package's matchers may hand one over).
    @Test func aRewriteHandedOverParsedIsUsedAsIs() async throws {
        let yaml =
            header + """
                stages:
                  - name: pin
                    matcher: parsed
                    rules: mirror.corp/hub/nginx:1.27
                    options: {parsedAs: mirror.corp/hub/marker:1.27}
                  - name: suffix
                    matcher: append
                    rules: marker
                    options: {suffix: -x}
                """
        let ruleSet = try await loadRules(yaml)
        for trace in [true, false] {
            let result = await Pipeline(ruleSet, usesMemo: false).run("nginx", trace: trace)
            #expect(result.image == "mirror.corp/hub/marker-x:1.27")
            #expect(result.rewrittenBy == ["pin", "suffix"])
            #expect(result.stages.first?.output == (trace ? "mirror.corp/hub/nginx:1.27" : nil))
        }
    }

    @Test func matchersAreToldWhetherTheirReasonsAreShown() async throws {
        let yaml = header + "stages:\n  - name: probe\n    matcher: explaining-probe\n"
        let pipeline = Pipeline(try await loadRules(yaml), usesMemo: false)
        #expect(await pipeline.run("nginx", trace: true).image == "probe.example/explaining")
        #expect(await pipeline.run("nginx", trace: false).image == "probe.example/quiet")
    }

    @Test func equalAnswersAreEqualWhetherOrNotTheImageCameParsed() throws {
        let parsed = MatchResult.rewrite(to: try ImageInput("mirror.corp/nginx:1"), rule: "r")
        let text = MatchResult.rewrite(to: "mirror.corp/nginx:1", rule: "r")
        #expect(parsed == text)
        #expect(Set([parsed, text]).count == 1)
        #expect(parsed.rewrittenImage == "mirror.corp/nginx:1")
    }

    @Test func traceCanBeSkipped() async throws {
        let result = await Pipeline(try await loadRules(Self.twoStages)).run("example.com/app:1", trace: false)
        #expect(result.image == "example.com/app-one-two:1")
        #expect(result.stages.isEmpty)
        // Only the events with a consequence are kept: here the two rewrites the metrics count.
        #expect(result.events.map(\.outcome) == [.rewritten, .rewritten])
        #expect(result.rewrittenBy == ["suffix-one", "suffix-two"])
    }

    /// Without a trace a stage that does not match, or whose `when` skips the image, records nothing: the hot path
    /// allocates no event for stages that leave an image alone.
    @Test func stagesThatLeaveTheImageAloneRecordNothingWithoutATrace() async throws {
        let yaml =
            header + """
                stages:
                  - name: other
                    matcher: append
                    rules: nothing-here
                    options: {suffix: -x}
                  - name: scoped
                    matcher: append
                    rules: app
                    options: {suffix: -y}
                    when: {namespaces: [web]}
                """
        let pipeline = Pipeline(try await loadRules(yaml), usesMemo: false)
        let quiet = await pipeline.run("example.com/app:1", trace: false)
        #expect(quiet.events.isEmpty && quiet.warnings.isEmpty && !quiet.changed)
        let traced = await pipeline.run("example.com/app:1", trace: true)
        #expect(traced.stages.map(\.outcome) == [.noMatch, .skipped])
    }
}

@Suite struct GlobTests {
    static let cases: [(String, String, Bool)] = [
        ("team-*", "team-a", true), ("team-*", "team-", true), ("team-*", "teams", false),
        ("*", "", true), ("a?c", "abc", true), ("a?c", "ac", false), ("*-prod", "eu-prod", true),
        ("a*b*c", "aXXbYYc", true), ("a*b*c", "aXXbYY", false), ("exact", "exact", true), ("exact", "exac", false),
        ("*a*a*a*a*a*b", String(repeating: "a", count: 200), false),
    ]

    @Test(arguments: cases)
    func matches(_ pattern: String, _ text: String, _ expected: Bool) {
        #expect(Glob(pattern).matches(text) == expected)
    }
}
