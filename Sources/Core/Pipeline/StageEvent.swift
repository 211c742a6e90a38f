/// What one stage did to one image, recorded once by the pipeline.
///
/// Everything else about a run is derived from its events: the trace (`StageTrace`), the admission warnings, the
/// metrics (which stages rewrote, refused, fell back) and the pipeline's summary (`stoppedBy`, `denial`). So the
/// answers cannot disagree with each other.
///
/// Without a trace the pipeline records only the events that carry a consequence (a rewrite, a refusal, a
/// failure, a denial, a warning, a stop), so a stage that does not match costs no event.
public struct StageEvent: Sendable, Hashable {
    /// The stage's name.
    public var stage: String
    /// The stage's matcher ID.
    public var matcher: String
    public var outcome: StageTrace.Outcome
    /// The rule that decided, in the user's terms.
    public var rule: String?
    /// The image the stage was given.
    public var input: String
    /// The image the stage handed on.
    public var output: String
    /// Why not, what went wrong, or extra detail; for `denied`, the reason.
    public var detail: String?
    /// For stages with `verify`: each output tried, in order, with its verdict.
    public var alternatives: [AlternativeTrace]?
    /// What the user should be told about this stage's act (an admission warning), already naming the stage.
    public var warning: String?
    /// The stage rewrote onto a later alternative, because every earlier one failed verification.
    public var fellBack = false
    /// The pipeline ended after this stage (`onMatch: stop`, or a denial).
    public var stopped = false

    public init(
        stage: String, matcher: String, outcome: StageTrace.Outcome, rule: String? = nil, input: String,
        output: String, detail: String? = nil
    ) {
        self.stage = stage
        self.matcher = matcher
        self.outcome = outcome
        self.rule = rule
        self.input = input
        self.output = output
        self.detail = detail
    }

    /// The event as `explain` shows it.
    public var trace: StageTrace {
        var trace = StageTrace(
            stage: stage, matcher: matcher, outcome: outcome, rule: rule, input: input, output: output,
            detail: detail)
        trace.alternatives = alternatives
        return trace
    }

    /// The admission's denial when this stage denied the pod: `stage NAME: reason`.
    public var denial: String? {
        outcome == .denied ? "stage \(stage): \(detail ?? "denied")" : nil
    }
}
