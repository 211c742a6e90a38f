/// What one stage made of one image: the event to record, if any, and the image it hands on.
struct StageStep {
    /// Nil when there is nothing to record: the run is not traced and the stage's act has no consequence.
    var event: StageEvent?
    /// The stage's output, parsed; the stage's input when it changed nothing.
    var output: ImageInput
    /// The pipeline ends after this stage.
    var stops: Bool
}

extension Stage {
    /// Runs this stage on `input`: its `when`, then its matcher (verified, when the stage says so), then the
    /// verdict applied. Never throws: a failing matcher or an invalid output keeps the input and warns.
    func step(_ input: ImageInput, context: EvaluationContext) async -> StageStep {
        let trace = context.explaining
        if !condition.isUnconditional, !condition.admits(context) {
            guard trace else { return StageStep(event: nil, output: input, stops: false) }
            let reason = condition.rejection(for: context) ?? "the stage's condition does not hold"
            return StageStep(event: event(.skipped, input.written, detail: reason), output: input, stops: false)
        }
        do {
            return apply(try await evaluator.evaluate(input, context: context), to: input, trace: trace)
        } catch {
            var failed = event(.failed, input.written, detail: "\(error)")
            failed.warning = "stage \(name): matcher failed, image kept: \(error)"
            return StageStep(event: failed, output: input, stops: false)
        }
    }

    /// The step a matcher's `verdict` on `input` makes.
    private func apply(_ verdict: MatchResult, to input: ImageInput, trace: Bool) -> StageStep {
        var output = input
        var outcome = StageTrace.Outcome.matched
        var warning: String?
        var detail = verdict.detail
        switch verdict.outcome {
        case .noMatch:
            guard trace else { return StageStep(event: nil, output: input, stops: false) }
            outcome = .noMatch
        case .deny:
            outcome = .denied
        case .matched:
            warning = verdict.warning.map { "stage \(name): \($0)" }
        case .unverified:
            outcome = .unverified
            warning = "stage \(name): no mirror passed verification; image kept"
        case .rewrite(let image) where image == input.written:
            break
        case .rewrite(let image):
            do {
                // A matcher of this package may hand its output over parsed; anything else is validated here.
                output = try verdict.parsedImage.flatMap { $0.written == image ? $0 : nil } ?? ImageInput(image)
                outcome = .rewritten
            } catch {
                outcome = .refused
                let clipped = Pipeline.clip(image)
                detail = "rule \(verdict.rule ?? "?") produced \"\(clipped)\", not a valid reference: \(error)"
                // The reason before the image: admission warnings are cut at 120 characters, and a long image must
                // not push the reason out of what the user sees.
                warning = "stage \(name): rewrite refused, not a valid image reference: \"\(clipped)\""
            }
        }
        let stops = outcome == .denied || (verdict.isMatch && outcome != .refused && onMatch == .stop)
        if !trace, outcome == .matched, warning == nil, !stops {
            return StageStep(event: nil, output: output, stops: false)
        }
        var recorded = event(outcome, input.written, rule: verdict.rule, detail: detail)
        recorded.output = output.written
        recorded.alternatives = verdict.tried
        recorded.warning = warning
        recorded.fellBack = verdict.fellBack
        recorded.stopped = stops
        return StageStep(event: recorded, output: output, stops: stops)
    }

    /// This stage's event with `outcome`, its input and output both `image`.
    func event(_ outcome: StageTrace.Outcome, _ image: String, rule: String? = nil, detail: String? = nil)
        -> StageEvent
    {
        StageEvent(
            stage: name, matcher: matcherID, outcome: outcome, rule: rule, input: image, output: image,
            detail: detail)
    }
}
