/// What a matcher says about one image.
///
/// A struct rather than a public enum so that it can grow (a later matcher may want to attach data) without
/// breaking plugins that switch over it.
public struct MatchResult: Sendable, Hashable {
    enum Outcome: Sendable, Hashable {
        case noMatch
        case matched
        case rewrite(String)
        case deny(String)
        /// A verifying stage's outputs all failed verification (see `VerifyingMatcher`); the image is kept.
        case unverified
    }

    let outcome: Outcome
    /// Further candidates after the rewrite's image, in order of preference, for stages that verify their outputs.
    public let alternatives: [String]
    /// A message for the user (an admission warning), for matches that keep the image but should be noticed.
    public let warning: String?
    /// Which rule decided, in the user's terms (`docker.io`, `rules[2]`), for the trace.
    public let rule: String?
    /// For `noMatch`: why not, when that is cheap to say. For a match: extra detail for the trace.
    public let detail: String?
    /// The rewrite's image already parsed (see `rewrite(to:rule:detail:)` taking an `ImageInput`), so the pipeline
    /// need not parse it again.
    let parsedImage: ImageInput?
    /// Set by `VerifyingMatcher`: each output it tried, with its verdict, for the trace.
    let tried: [AlternativeTrace]?
    /// Set by `VerifyingMatcher`: the rewrite is a later alternative, because the earlier ones failed.
    let fellBack: Bool

    init(
        outcome: Outcome, alternatives: [String], warning: String?, rule: String?, detail: String?,
        parsedImage: ImageInput? = nil, tried: [AlternativeTrace]? = nil, fellBack: Bool = false
    ) {
        self.outcome = outcome
        self.alternatives = alternatives
        self.warning = warning
        self.rule = rule
        self.detail = detail
        self.parsedImage = parsedImage
        self.tried = tried
        self.fellBack = fellBack
    }

    /// No rule of the stage applies; the image passes on unchanged and `onMatch` does not fire.
    public static func noMatch(_ reason: String? = nil) -> MatchResult {
        MatchResult(outcome: .noMatch, alternatives: [], warning: nil, rule: nil, detail: reason)
    }

    /// A rule applies and rewrites the image to `image`, which the pipeline validates before using it.
    public static func rewrite(to image: String, rule: String, detail: String? = nil) -> MatchResult {
        MatchResult(outcome: .rewrite(image), alternatives: [], warning: nil, rule: rule, detail: detail)
    }

    /// Like `rewrite(to:rule:detail:)` with a string, for an image the matcher has parsed already (a table whose
    /// targets were parsed when the rule file loaded): the pipeline takes it as is instead of parsing the same text
    /// again for every rewrite. `image` must be what `ImageInput(image.written)` returns. Package-only: the
    /// pipeline does not check that, so it is for this package's matchers, not for plugins, whose outputs are
    /// always validated.
    package static func rewrite(to image: ImageInput, rule: String, detail: String? = nil) -> MatchResult {
        MatchResult(
            outcome: .rewrite(image.written), alternatives: [], warning: nil, rule: rule, detail: detail,
            parsedImage: image)
    }

    /// A rule applies and offers `candidates` in order of preference (a regional mirror, a central one, …). Stages
    /// with `verify` use the first that passes; without it, the first. `candidates` must not be empty.
    public static func rewrite(toFirstOf candidates: [String], rule: String, detail: String? = nil) -> MatchResult {
        guard let first = candidates.first else { return .noMatch("the rule offered no image") }
        return MatchResult(
            outcome: .rewrite(first), alternatives: Array(candidates.dropFirst()), warning: nil, rule: rule,
            detail: detail)
    }

    /// A rule applies but leaves the image as it is (an exclusion, say); `onMatch: stop` fires.
    public static func matched(rule: String, detail: String? = nil) -> MatchResult {
        MatchResult(outcome: .matched, alternatives: [], warning: nil, rule: rule, detail: detail)
    }

    /// A rule applies, keeps the image, and the user should be told `message` (an admission warning naming the
    /// stage); `onMatch: stop` fires as for `matched`.
    public static func warn(_ message: String, rule: String) -> MatchResult {
        MatchResult(outcome: .matched, alternatives: [], warning: message, rule: rule, detail: message)
    }

    /// The stage refuses the pod: the pipeline stops and the admission is denied with `reason`. Only for stages
    /// the user configured to deny (a digest stage with `onError: deny`, say); everything else keeps the image.
    public static func deny(_ reason: String, rule: String? = nil) -> MatchResult {
        MatchResult(outcome: .deny(reason), alternatives: [], warning: nil, rule: rule, detail: reason)
    }

    /// Equal when they say the same; whether the image came parsed is an optimisation, not part of the answer.
    public static func == (lhs: MatchResult, rhs: MatchResult) -> Bool {
        lhs.outcome == rhs.outcome && lhs.alternatives == rhs.alternatives && lhs.warning == rhs.warning
            && lhs.rule == rhs.rule && lhs.detail == rhs.detail && lhs.tried == rhs.tried
            && lhs.fellBack == rhs.fellBack
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(outcome)
        hasher.combine(alternatives)
        hasher.combine(warning)
        hasher.combine(rule)
        hasher.combine(detail)
        hasher.combine(tried)
        hasher.combine(fellBack)
    }

    /// The rewritten image, when the result is a rewrite.
    public var rewrittenImage: String? {
        if case .rewrite(let image) = outcome { return image }
        return nil
    }

    /// True for `rewrite` and `matched`, and for a verified rewrite none of whose outputs passed (a rule did
    /// apply, so `onMatch: stop` fires).
    public var isMatch: Bool {
        switch outcome {
        case .rewrite, .matched, .unverified: true
        case .noMatch, .deny: false
        }
    }
}
