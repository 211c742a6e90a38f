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

    /// Evaluates `image` in `context`. `trace: false` records only the events with a consequence (the admission
    /// hot path needs only the result, its warnings and what the metrics count); `explain` asks for every stage.
    ///
    /// Without a trace, a rule set with a memo (see `PipelineMemo`) answers an image it has seen in the same
    /// stages from the memo; the result is the same as running the stages again.
    public func run(_ image: String, context: EvaluationContext = EvaluationContext(), trace: Bool = true) async
        -> PipelineResult
    {
        guard !trace, usesMemo, let memo = ruleSet.memo,
            let key = PipelineMemo.key(image, context: context, stages: ruleSet.stages)
        else {
            return await evaluate(image, context: context, trace: trace)
        }
        if let known = memo.result(for: key) { return known }
        let result = await evaluate(image, context: context, trace: false)
        // A matcher that threw may not throw next time (a plugin instance that ran out of memory is replaced):
        // only answers are kept, never a failure.
        if !result.events.contains(where: { $0.outcome == .failed }) { memo.remember(result, for: key) }
        return result
    }

    /// The answer for an image the caller leaves alone for `reason` (the admission layer's: a pull policy that
    /// forbids another name, the webhook's own earlier answer): unchanged, with every stage not reached and saying
    /// why when traced. An image that is not a valid reference gets the same warning as from `run`.
    public func notRun(_ image: String, because reason: String, trace: Bool = true) -> PipelineResult {
        let parsed: ImageInput
        do {
            parsed = try ImageInput(image)
        } catch {
            return invalid(image, error, trace: trace)
        }
        var result = PipelineResult(original: image, image: image, normalized: parsed.normalized, traced: trace)
        if trace { result.events = notReached(ruleSet.stages[...], image, reason) }
        return result
    }

    /// Runs every stage for `image`: the loop, with each stage's work in `Stage.step`.
    private func evaluate(_ image: String, context: EvaluationContext, trace: Bool) async -> PipelineResult {
        var current: ImageInput
        do {
            current = try ImageInput(image)
        } catch {
            return invalid(image, error, trace: trace)
        }
        var result = PipelineResult(original: image, image: image, normalized: current.normalized, traced: trace)
        var context = context
        context.originalImage = image
        context.explaining = trace
        let stages = ruleSet.stages
        for index in stages.indices {
            let step = await stages[index].step(current, context: context)
            if let event = step.event { result.events.append(event) }
            current = step.output
            if step.stops {
                if trace {
                    let reason = "stage \(stages[index].name) stopped the pipeline"
                    result.events += notReached(stages[(index + 1)...], current.written, reason)
                }
                break
            }
        }
        result.image = current.written
        return result
    }

    /// The result for an image that is not a valid reference: unchanged, with a warning.
    private func invalid(_ image: String, _ error: ReferenceError, trace: Bool) -> PipelineResult {
        var result = PipelineResult(original: image, image: image, normalized: nil, traced: trace)
        result.problem = "image \"\(Self.clip(image))\" is not a valid reference; left unchanged"
        if trace {
            result.events = notReached(ruleSet.stages[...], image, "the image is not a valid reference: \(error)")
        }
        return result
    }

    private func notReached(_ stages: ArraySlice<Stage>, _ image: String, _ reason: String) -> [StageEvent] {
        stages.map { $0.event(.notReached, image, detail: reason) }
    }

    /// Images come from untrusted pod specs; keep what we echo back short.
    static func clip(_ text: String, to limit: Int = 80) -> String {
        text.utf8.count <= limit ? text : String(text.prefix(limit)) + "…"
    }
}
