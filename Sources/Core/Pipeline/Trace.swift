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

/// The pipeline's answer for one image: the final image and how it got there.
public struct PipelineResult: Sendable, Hashable, Codable {
    /// The container the image belongs to (`containers/app`), when the caller evaluated a pod; nil otherwise.
    public var container: String?
    /// The image as given.
    public var original: String
    /// The image after every stage; equal to `original` when nothing applied.
    public var image: String
    /// The normalized form of `original`, or nil when it is not a valid reference.
    public var normalized: String?
    public var stages: [StageTrace]
    /// The stage that stopped the pipeline (`onMatch: stop`), if any.
    public var stoppedBy: String?
    /// Problems worth telling the user (refused rewrites, matcher errors, an unparseable image), each naming the
    /// stage. The admission endpoint turns these into admission warnings.
    public var warnings: [String]

    /// Set when a stage denied the pod: `stage NAME: reason`. The admission endpoint then rejects the pod.
    public var denial: String?
    /// Stages that rewrote the image, in order; kept even without a trace, for metrics.
    public var rewrittenBy: [String] = []
    /// Stages whose rewrite was refused or whose matcher failed; kept even without a trace, for metrics.
    public var refusedBy: [String] = []
    /// Stages that rewrote onto a later alternative because earlier ones failed verification, for metrics.
    public var fellBackBy: [String] = []
    /// Stages that kept the image because no alternative passed verification, for metrics.
    public var unverifiedBy: [String] = []

    /// Whether the image changed.
    public var changed: Bool { image != original }

    public init(
        original: String, image: String, normalized: String?, stages: [StageTrace], stoppedBy: String? = nil,
        warnings: [String] = []
    ) {
        self.original = original
        self.image = image
        self.normalized = normalized
        self.stages = stages
        self.stoppedBy = stoppedBy
        self.warnings = warnings
    }
}
