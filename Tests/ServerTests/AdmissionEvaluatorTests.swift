import NIOConcurrencyHelpers
import ReplacerCore
import Testing

@testable import ReplacerAdmission

/// A verifier that passes every candidate and remembers what it was asked.
final class RecordingVerifier: ImageVerifier {
    let asked = NIOLockedValueBox<[String]>([])

    func verify(_ candidate: ImageReference, policy: VerifyPolicy, deadline: ContinuousClock.Instant) async
        -> VerificationVerdict
    {
        asked.withLockedValue { $0.append(candidate.description) }
        return VerificationVerdict(passed: true, source: .live, detail: "served")
    }
}

/// The one evaluation behind `/mutate`, `/explain` and the CLI: what Kubernetes says about an image (its pull
/// policy) and the webhook's own earlier answer are decided here, before the pipeline, which knows neither.
@Suite struct AdmissionEvaluatorTests {
    /// `imagePullPolicy: Never` means the node must already hold this exact name: nothing runs, no mirror is
    /// asked, and the trace says why at every stage.
    @Test func pullPolicyNeverIsLeftAloneWithoutAskingAMirror() async throws {
        let verifier = RecordingVerifier()
        let text = serverRules.replacingOccurrences(
            of: "      docker.io: mirror.corp/hub\n",
            with: "      docker.io: mirror.corp/hub\n    verify: {policy: manifest}\n")
        #expect(text.contains("verify:"))
        let rules = try await RuleSetLoader(registry: registry, verifierFactory: { _ in verifier }).load(
            text: text, file: "rules.yaml")
        let evaluator = AdmissionEvaluator(rules)
        let never = EvaluationContext(imagePullPolicy: "Never")
        for trace in [true, false] {
            let result = await evaluator.evaluate("nginx:1", context: never, trace: trace)
            #expect(result.image == "nginx:1" && result.warnings.isEmpty && result.events.count == (trace ? 2 : 0))
            #expect(result.stages.allSatisfy { $0.outcome == .notReached && $0.detail?.contains("Never") == true })
        }
        #expect(verifier.asked.withLockedValue { $0.isEmpty })
        // The same image with another policy is verified and rewritten.
        let pulled = await evaluator.evaluate(
            "nginx:1", context: EvaluationContext(imagePullPolicy: "Always"), trace: false)
        #expect(pulled.image == "mirror.corp/hub/library/nginx:1")
        #expect(verifier.asked.withLockedValue { $0 } == ["mirror.corp/hub/library/nginx:1"])
    }

    /// The memo knows nothing of pull policies, so a `Never` image must not be answered from it.
    @Test func pullPolicyNeverIsNeverAnsweredFromTheMemo() async throws {
        let rules = try await ruleSet()
        #expect(rules.memo != nil)
        let evaluator = AdmissionEvaluator(rules)
        #expect(await evaluator.evaluate("nginx:1", context: EvaluationContext(), trace: false).changed)
        let never = await evaluator.evaluate(
            "nginx:1", context: EvaluationContext(imagePullPolicy: "Never"), trace: false)
        #expect(never.image == "nginx:1")
    }

    /// An invalid image under `Never` still gets the warning every invalid image gets.
    @Test func anInvalidImageUnderNeverIsStillReported() async throws {
        let result = await AdmissionEvaluator(try await ruleSet()).evaluate(
            "Not A Ref", context: EvaluationContext(imagePullPolicy: "Never"), trace: false)
        #expect(result.warnings == ["image \"Not A Ref\" is not a valid reference; left unchanged"])
    }

    /// An image that is the rules' answer for its recorded original is left alone; one that is not is evaluated.
    @Test func theEarlierAnswerIsLeftAlone() async throws {
        let evaluator = AdmissionEvaluator(try await ruleSet())
        let ours = await evaluator.evaluate(
            "mirror.corp/hub/library/nginx:1", context: EvaluationContext(), recordedOriginal: "nginx:1", trace: true)
        #expect(!ours.changed && ours.events.count == 2)
        #expect(
            ours.stages.allSatisfy {
                $0.outcome == .notReached && $0.detail?.contains("own rewrite of nginx:1") == true
            })
        let someoneElses = await evaluator.evaluate(
            "redis:7", context: EvaluationContext(), recordedOriginal: "nginx:1", trace: false)
        #expect(someoneElses.image == "mirror.corp/hub/library/redis:7")
    }
}
