import NIOConcurrencyHelpers
import Testing

@testable import ReplacerCore

/// A verifier with scripted answers per host, counting what it was asked.
final class ScriptedVerifier: ImageVerifier {
    let passing: Set<String>
    let asked = NIOLockedValueBox<[String]>([])
    let delay: Duration

    init(passing: Set<String>, delay: Duration = .zero) {
        self.passing = passing
        self.delay = delay
    }

    func verify(_ candidate: ImageReference, policy: VerifyPolicy, deadline: ContinuousClock.Instant) async
        -> VerificationVerdict
    {
        asked.withLockedValue { $0.append(candidate.domain) }
        if delay > .zero { try? await Task.sleep(for: delay) }
        let ok = passing.contains(candidate.domain)
        return VerificationVerdict(passed: ok, source: .live, detail: ok ? "served" : "missing")
    }
}

@Suite struct VerificationTests {
    static func pipeline(
        _ verifier: ScriptedVerifier, alternatives: String = "[eu.mirror.corp/hub, mirror.corp/hub, docker.io]",
        timeout: String = "1s"
    ) async throws -> Pipeline {
        // A matcher that offers three alternatives, in order.
        let registry = try MatcherRegistry([AlternativesMatcher.self])
        let text = """
            apiVersion: k8s-image-replacer/v1
            kind: RuleSet
            stages:
              - name: mirrors
                matcher: alternatives
                rules: \(alternatives)
                verify: {policy: manifest, timeout: \(timeout)}
            """
        let loader = RuleSetLoader(registry: registry, verifierFactory: { _ in verifier })
        return Pipeline(try await loader.load(text: text, file: "r.yaml"))
    }

    @Test func firstPassingAlternativeWins() async throws {
        let verifier = ScriptedVerifier(passing: ["mirror.corp"])
        let result = await (try await Self.pipeline(verifier)).run("nginx:1")
        #expect(result.image == "mirror.corp/hub/library/nginx:1")
        #expect(result.fellBackBy == ["mirrors"])
        #expect(result.stages.first?.alternatives?.map(\.passed) == [false, true])
        #expect(verifier.asked.withLockedValue { $0 } == ["eu.mirror.corp", "mirror.corp"])
    }

    @Test func noPassingMirrorKeepsTheImageWithAWarning() async throws {
        let verifier = ScriptedVerifier(passing: [])
        let result = await (try await Self.pipeline(verifier, alternatives: "[eu.mirror.corp/hub, mirror.corp/hub]"))
            .run("nginx:1")
        #expect(result.image == "nginx:1")
        #expect(result.stages.first?.outcome == .unverified)
        #expect(result.unverifiedBy == ["mirrors"])
        #expect(result.warnings == ["stage mirrors: no mirror passed verification; image kept"])
    }

    @Test func theBudgetCoversAllAlternatives() async throws {
        let verifier = ScriptedVerifier(passing: [], delay: .milliseconds(150))
        let result = await (try await Self.pipeline(verifier, timeout: "200ms")).run("nginx:1")
        let sources = result.stages.first?.alternatives?.map(\.source)
        #expect(sources?.last == .budget, "\(String(describing: sources))")
        #expect(verifier.asked.withLockedValue { $0.count } < 3)
    }

    @Test func verifyNeedsAFactoryAndAKnownPolicy() async throws {
        let registry = try MatcherRegistry([AlternativesMatcher.self])
        let base =
            "apiVersion: k8s-image-replacer/v1\nkind: RuleSet\nstages:\n  - name: m\n    matcher: alternatives\n    rules: [a.corp/x]\n"
        await #expect(throws: RuleFileError.self) {
            _ = try await RuleSetLoader(registry: registry).load(
                text: base + "    verify: {policy: manifest}\n", file: "r")
        }
        do {
            _ = try await RuleSetLoader(registry: registry, verifierFactory: { _ in ScriptedVerifier(passing: []) })
                .load(text: base + "    verify: {policy: sometimes}\n", file: "r")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("unknown verify.policy"))
            #expect(error.stage == "m")
        }
        // policy: none needs no verifier at all.
        _ = try await RuleSetLoader(registry: registry).load(text: base + "    verify: {policy: none}\n", file: "r")
    }
}

/// Offers `rules` (a list of prefixes) as alternatives, each followed by the image's path and tag.
struct AlternativesMatcher: ConfigurableMatcher {
    static let id = "alternatives"
    let prefixes: [String]
    init(configuration: MatcherConfiguration) throws {
        prefixes = try configuration.requireRules("prefixes").alternatives("rules").map(\.text)
    }
    func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult {
        let reference = image.reference
        let rest = "/" + reference.path + (reference.tag.map { ":" + $0 } ?? "")
        return .rewrite(toFirstOf: prefixes.map { $0 + rest }, rule: "alternatives")
    }
}
