/// One loaded stage: a compiled matcher plus the stage's own settings.
public struct Stage: Sendable {
    /// What happens after a stage matched.
    public enum OnMatch: String, Sendable, Hashable, Codable {
        /// Later stages see the rewritten image (the default).
        case `continue`
        /// The pipeline ends here.
        case stop
    }

    public let name: String
    /// The matcher's ID, as the stage named it.
    public let matcherID: String
    public let matcher: any Matcher
    public let onMatch: OnMatch
    public let condition: StageCondition
    public let description: String?
    /// The stage's `verify:` section; `policy: none` when absent.
    public let verification: StageVerification
    /// Where the stage starts in the rule file.
    public let location: SourceLocation
    /// What the pipeline runs: the matcher, wrapped in its verification when the stage verifies its outputs.
    let evaluator: any Matcher

    /// What the stage as a whole promises (see `MatcherTraits`): the matcher's traits, less those a verification
    /// over the network takes away.
    public var traits: MatcherTraits { evaluator.traits }

    /// True when the matcher runs without waiting and the stage does not verify its output over the network.
    public var runsWithoutWaiting: Bool { traits.contains(.runsWithoutWaiting) }

    /// True when the stage's result depends only on the image it is given (and on whether its `when` admits the
    /// pod): the matcher says so and nothing is verified over the network.
    public var dependsOnlyOnImage: Bool { traits.isSuperset(of: .pure) }

    public init(
        name: String, matcherID: String, matcher: any Matcher, onMatch: OnMatch = .continue,
        condition: StageCondition = StageCondition(), description: String? = nil,
        verification: StageVerification = StageVerification(),
        location: SourceLocation = SourceLocation(file: "<code>", line: 1, column: 1)
    ) {
        self.verification = verification
        self.name = name
        self.matcherID = matcherID
        self.matcher = matcher
        self.onMatch = onMatch
        self.condition = condition
        self.description = description
        self.location = location
        if let verifier = verification.verifier, verification.policy != .none {
            evaluator = VerifyingMatcher(matcher: matcher, verification: verification, verifier: verifier)
        } else {
            evaluator = matcher
        }
    }
}
