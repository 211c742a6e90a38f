/// Runs a rule set's stages over one image.
///
/// Stages run in file order and each sees the image as the earlier ones left it. A stage whose output is not a
/// valid reference, or whose matcher throws, changes nothing and adds a warning: the pipeline itself never fails,
/// because the webhook in front of it must never block a pod for its own sake.
public struct Pipeline: Sendable {
    public let ruleSet: RuleSet
    /// Whether runs without a trace may answer from the rule set's memo (see `PipelineMemo`).
    public let usesMemo: Bool

    public init(_ ruleSet: RuleSet) {
        self.init(ruleSet, usesMemo: true)
    }

    /// `usesMemo: false` runs the stages every time: for measuring the engine itself, not the memo.
    public init(_ ruleSet: RuleSet, usesMemo: Bool) {
        self.ruleSet = ruleSet
        self.usesMemo = usesMemo
    }

    /// Evaluates `image` in `context`. `trace: false` skips building the per-stage trace (the admission hot path
    /// needs only the result and warnings); `explain` asks for it.
    ///
    /// Without a trace, a rule set with a memo (see `PipelineMemo`) answers an image it has seen in the same
    /// stages from the memo; the result is the same as running the stages again.
    public func run(_ image: String, context: EvaluationContext = EvaluationContext(), trace: Bool = true) async
        -> PipelineResult
    {
        guard !trace, usesMemo, let memo = ruleSet.memo, context.imagePullPolicy != "Never",
            let key = PipelineMemo.key(image, context: context, stages: ruleSet.stages)
        else {
            return await evaluate(image, context: context, trace: trace)
        }
        if let known = memo.result(for: key) { return known }
        let result = await evaluate(image, context: context, trace: false)
        memo.remember(result, for: key)
        return result
    }

    /// Runs every stage for `image`.
    private func evaluate(_ image: String, context: EvaluationContext, trace: Bool) async -> PipelineResult {
        var result = PipelineResult(original: image, image: image, normalized: nil, stages: [])
        var current: ImageInput
        do {
            current = try ImageInput(image)
        } catch {
            result.warnings.append("image \"\(Self.clip(image))\" is not a valid reference; left unchanged")
            if trace {
                result.stages = ruleSet.stages.map {
                    StageTrace(
                        stage: $0.name, matcher: $0.matcherID, outcome: .notReached, input: image, output: image,
                        detail: "the image is not a valid reference: \(error)")
                }
            }
            return result
        }
        result.normalized = current.normalized
        if context.imagePullPolicy == "Never" {
            // The kubelet looks the image up on the node by this exact name; any other name would fail the pod.
            if trace {
                result.stages = ruleSet.stages.map {
                    StageTrace(
                        stage: $0.name, matcher: $0.matcherID, outcome: .notReached, input: image, output: image,
                        detail:
                            "imagePullPolicy is Never: the node must already hold this exact image, so it is not rewritten"
                    )
                }
            }
            return result
        }
        if trace { result.stages.reserveCapacity(ruleSet.stages.count) }
        var context = context
        context.originalImage = image
        context.explaining = trace

        // Without a trace (the admission path) nothing below builds a `StageTrace` or copies a whole `Stage`: the
        // bookkeeping around a one-probe lookup used to cost several times the lookup.
        let stages = ruleSet.stages
        for index in stages.indices {
            let condition = stages[index].condition
            if !condition.isUnconditional, !condition.admits(context) {
                if trace {
                    let reason = condition.rejection(for: context) ?? "the stage's condition does not hold"
                    result.stages.append(Self.entry(stages[index], .skipped, current.written, detail: reason))
                }
                continue
            }
            let name = stages[index].name
            let verdict: MatchResult
            do {
                verdict = try await stages[index].matcher.evaluate(current, context: context)
            } catch {
                result.warnings.append("stage \(name): matcher failed, image kept: \(error)")
                result.refusedBy.append(name)
                if trace {
                    result.stages.append(Self.entry(stages[index], .failed, current.written, detail: "\(error)"))
                }
                continue
            }
            let input = current.written
            var outcome = StageTrace.Outcome.noMatch
            var detail = verdict.detail
            var alternatives: [AlternativeTrace]?
            switch verdict.outcome {
            case .noMatch:
                break
            case .deny(let reason):
                outcome = .denied
                result.denial = "stage \(name): \(reason)"
            case .matched:
                outcome = .matched
                if let warning = verdict.warning { result.warnings.append("stage \(name): \(warning)") }
            case .rewrite(let first)
            where stages[index].verification.verifier != nil && stages[index].verification.policy != .none:
                let candidates = [first] + verdict.alternatives
                let (chosen, tried) = await Self.firstVerified(candidates, current: current, stage: stages[index])
                alternatives = tried
                if let (position, choice) = chosen {
                    if choice.written == current.written {
                        outcome = .matched
                    } else {
                        current = choice
                        outcome = .rewritten
                        result.rewrittenBy.append(name)
                        if position > 0 { result.fellBackBy.append(name) }
                    }
                } else {
                    outcome = .unverified
                    detail = "no output passed verify (\(stages[index].verification.policy.rawValue)); image kept"
                    result.unverifiedBy.append(name)
                    result.warnings.append("stage \(name): no mirror passed verification; image kept")
                }
            case .rewrite(let output) where output == current.written:
                outcome = .matched
            case .rewrite(let output):
                if let parsed = verdict.parsedImage, parsed.written == output {
                    current = parsed
                    outcome = .rewritten
                    result.rewrittenBy.append(name)
                } else {
                    do {
                        current = try ImageInput(output)
                        outcome = .rewritten
                        result.rewrittenBy.append(name)
                    } catch {
                        outcome = .refused
                        result.refusedBy.append(name)
                        detail =
                            "rule \(verdict.rule ?? "?") produced \"\(Self.clip(output))\", not a valid reference: \(error)"
                        // The reason before the image: admission warnings are cut at 120 characters, and a long
                        // image must not push the reason out of what the user sees.
                        result.warnings.append(
                            "stage \(name): rewrite refused, not a valid image reference: \"\(Self.clip(output))\"")
                    }
                }
            }
            if trace {
                var entry = Self.entry(stages[index], outcome, input, rule: verdict.rule, detail: detail)
                entry.output = current.written
                entry.alternatives = alternatives
                result.stages.append(entry)
            }
            let stops = outcome == .denied || (verdict.isMatch && outcome != .refused && stages[index].onMatch == .stop)
            if stops {
                result.stoppedBy = name
                if trace {
                    for later in stages[(index + 1)...] {
                        result.stages.append(
                            Self.entry(
                                later, .notReached, current.written, detail: "stage \(name) stopped the pipeline"))
                    }
                }
                break
            }
        }
        result.image = current.written
        return result
    }

    /// Tries `candidates` in order against the stage's verifier within its budget; the stage's own input, when
    /// offered, passes unchecked (it is what the pod asked for).
    static func firstVerified(_ candidates: [String], current: ImageInput, stage: Stage) async
        -> (chosen: (Int, ImageInput)?, tried: [AlternativeTrace])
    {
        guard let verifier = stage.verification.verifier else { return (nil, []) }
        let deadline = ContinuousClock.now + stage.verification.timeout
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
                        image: clip(candidate), passed: false, source: nil, detail: "not a valid image reference"))
                continue
            }
            let verdict: VerificationVerdict
            if ContinuousClock.now >= deadline {
                verdict = VerificationVerdict(
                    passed: false, source: .budget, detail: "verify.timeout spent on earlier candidates")
            } else {
                verdict = await verifier.verify(parsed.reference, policy: stage.verification.policy, deadline: deadline)
            }
            tried.append(
                AlternativeTrace(
                    image: candidate, passed: verdict.passed, source: verdict.source, detail: verdict.detail))
            if verdict.passed { return ((index, parsed), tried) }
        }
        return (nil, tried)
    }

    private static func entry(
        _ stage: Stage, _ outcome: StageTrace.Outcome, _ image: String, rule: String? = nil, detail: String? = nil
    ) -> StageTrace {
        StageTrace(
            stage: stage.name, matcher: stage.matcherID, outcome: outcome, rule: rule, input: image, output: image,
            detail: detail)
    }

    /// Images come from untrusted pod specs; keep what we echo back short.
    static func clip(_ text: String, to limit: Int = 80) -> String {
        text.utf8.count <= limit ? text : String(text.prefix(limit)) + "…"
    }
}
