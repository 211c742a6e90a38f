/// What one stage did to one image: the unit of `explain`.
public struct StageTrace: Sendable, Hashable, Codable {
    /// The stage's verdict.
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// `when` excluded this pod or container; the matcher did not run.
        case skipped
        /// The matcher ran and no rule applied.
        case noMatch = "no-match"
        /// A rule applied and rewrote the image.
        case rewritten
        /// A rule applied and left the image as it was.
        case matched
        /// A rule produced an image that is not a valid reference; the stage's input was kept.
        case refused
        /// The matcher threw; the stage's input was kept.
        case failed
        /// The stage denied the pod (a configured `deny`); the pipeline stopped.
        case denied
        /// The stage's `verify` passed none of its outputs; the stage's input was kept.
        case unverified
        /// An earlier stage stopped the pipeline.
        case notReached = "not-reached"
    }

    public var stage: String
    public var matcher: String
    public var outcome: Outcome
    /// The rule that decided, in the user's terms.
    public var rule: String?
    public var input: String
    public var output: String
    /// Why not, or what went wrong, or extra detail.
    public var detail: String?
    /// For stages with `verify`: each output tried, in order, with its verdict.
    public var alternatives: [AlternativeTrace]?

    public init(
        stage: String, matcher: String, outcome: Outcome, rule: String? = nil, input: String, output: String,
        detail: String? = nil
    ) {
        self.stage = stage
        self.matcher = matcher
        self.outcome = outcome
        self.rule = rule
        self.input = input
        self.output = output
        self.detail = detail
    }
}

/// One output a verifying stage tried.
public struct AlternativeTrace: Sendable, Hashable, Codable {
    public var image: String
    public var passed: Bool
    /// Where the verdict came from; nil when the candidate was not checked (not a valid reference, or the input).
    public var source: VerificationVerdict.Source?
    public var detail: String

    public init(image: String, passed: Bool, source: VerificationVerdict.Source?, detail: String) {
        self.image = image
        self.passed = passed
        self.source = source
        self.detail = detail
    }
}

/// The pipeline's answer for one image: the final image and the events that made it.
///
/// Only the events are recorded; the trace, the warnings, the stop, the denial and the per-stage lists the
/// metrics count are read off them, so none of them can disagree with another.
public struct PipelineResult: Sendable, Hashable {
    /// The image as given.
    public var original: String
    /// The image after every stage; equal to `original` when nothing applied.
    public var image: String
    /// The normalized form of `original`, or nil when it is not a valid reference.
    public var normalized: String?
    /// What the stages did, in order: every stage's event when the run was traced, otherwise only the events
    /// with a consequence (see `StageEvent`).
    public var events: [StageEvent]
    /// A problem with the image itself, found before any stage ran (it is not a valid reference).
    public var problem: String?
    /// Whether the run recorded every stage's event (`explain`, `test`), so `stages` is a whole trace.
    public var traced: Bool

    public init(
        original: String, image: String, normalized: String?, events: [StageEvent] = [], problem: String? = nil,
        traced: Bool = false
    ) {
        self.original = original
        self.image = image
        self.normalized = normalized
        self.events = events
        self.problem = problem
        self.traced = traced
    }

    /// Whether the image changed.
    public var changed: Bool { image != original }

    /// The per-stage trace, one entry per stage; empty when the run was not traced.
    public var stages: [StageTrace] { traced ? events.map(\.trace) : [] }

    /// The stage that stopped the pipeline (`onMatch: stop`, or a denial), if any.
    public var stoppedBy: String? {
        for event in events where event.stopped { return event.stage }
        return nil
    }

    /// Set when a stage denied the pod: `stage NAME: reason`. The admission endpoint then rejects the pod.
    public var denial: String? {
        // A plain loop: this is read for every image of every admission, and a key path costs more than the loop.
        for event in events where event.outcome == .denied { return event.denial }
        return nil
    }

    /// Problems worth telling the user (refused rewrites, matcher errors, an unparseable image), each naming the
    /// stage. The admission endpoint turns these into admission warnings.
    public var warnings: [String] {
        var warnings = problem.map { [$0] } ?? []
        for event in events { if let warning = event.warning { warnings.append(warning) } }
        return warnings
    }

    /// Stages that rewrote the image, in order.
    public var rewrittenBy: [String] { stages(where: { $0.outcome == .rewritten }) }
    /// Stages whose rewrite was refused or whose matcher failed.
    public var refusedBy: [String] { stages(where: { $0.outcome == .refused || $0.outcome == .failed }) }
    /// Stages that rewrote onto a later alternative because earlier ones failed verification.
    public var fellBackBy: [String] { stages(where: { $0.outcome == .rewritten && $0.fellBack }) }
    /// Stages that kept the image because no alternative passed verification.
    public var unverifiedBy: [String] { stages(where: { $0.outcome == .unverified }) }

    private func stages(where test: (StageEvent) -> Bool) -> [String] {
        events.filter(test).map(\.stage)
    }
}
