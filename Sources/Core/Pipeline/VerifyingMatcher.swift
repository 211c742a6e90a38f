/// A stage's matcher wrapped with the stage's `verify:` section: the matcher proposes, the verifier disposes.
///
/// The matcher's rewrite and its alternatives are tried in order against the verifier within the section's
/// budget; the first that passes is the rewrite, and when none does the stage keeps its input (`unverified`). The
/// pipeline sees one matcher either way, so verification with fallback is not a branch of its loop.
struct VerifyingMatcher: Matcher {
    let matcher: any Matcher
    let verification: StageVerification
    let verifier: any ImageVerifier

    /// A verifier asks registries: the wrapped matcher's answer no longer depends on the image alone, and the
    /// stage waits.
    var traits: MatcherTraits { matcher.traits.subtracting([.runsWithoutWaiting, .dependsOnlyOnImage]) }

    func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult {
        let verdict = try await matcher.evaluate(image, context: context)
        guard case .rewrite(let first) = verdict.outcome else { return verdict }
        let (chosen, tried) = await firstVerified([first] + verdict.alternatives, current: image)
        guard let (position, choice) = chosen else {
            return MatchResult(
                outcome: .unverified, alternatives: [], warning: nil, rule: verdict.rule,
                detail: "no output passed verify (\(verification.policy.rawValue)); image kept", tried: tried)
        }
        return MatchResult(
            outcome: .rewrite(choice.written), alternatives: [], warning: nil, rule: verdict.rule,
            detail: verdict.detail, parsedImage: choice, tried: tried, fellBack: position > 0)
    }

    /// The wrapped matcher is shut down by its stage; the verifier too (see `RuleSet.shutdown`).
    func shutdown() async {}

    /// Tries `candidates` in order within the budget; the stage's own input, when offered, passes unchecked (it is
    /// what the pod asked for).
    func firstVerified(_ candidates: [String], current: ImageInput) async
        -> (chosen: (Int, ImageInput)?, tried: [AlternativeTrace])
    {
        let deadline = ContinuousClock.now + verification.timeout
        var tried: [AlternativeTrace] = []
        for (index, candidate) in candidates.enumerated() {
            if candidate == current.written {
                tried.append(
                    AlternativeTrace(image: candidate, passed: true, source: nil, detail: "the image as given"))
                return ((index, current), tried)
            }
            guard let parsed = try? ImageInput(candidate) else {
                tried.append(
                    AlternativeTrace(
                        image: Pipeline.clip(candidate), passed: false, source: nil,
                        detail: "not a valid image reference"))
                continue
            }
            let verdict: VerificationVerdict
            if ContinuousClock.now >= deadline {
                verdict = VerificationVerdict(
                    passed: false, source: .budget, detail: "verify.timeout spent on earlier candidates")
            } else {
                verdict = await verifier.verify(parsed.reference, policy: verification.policy, deadline: deadline)
            }
            tried.append(
                AlternativeTrace(
                    image: candidate, passed: verdict.passed, source: verdict.source, detail: verdict.detail))
            if verdict.passed { return ((index, parsed), tried) }
        }
        return (nil, tried)
    }
}
