/// Checks that a mirror can serve an image before a stage rewrites a pod onto it.
///
/// The core only defines the contract; the registry module implements it with health tracking, circuit breakers
/// and cached manifest checks. A verifier is shared by the stages that use it and outlives rule reloads, so what it
/// learned about a mirror's health is not forgotten when the rule file changes.
public protocol ImageVerifier: Sendable {
    /// Whether `candidate` passes `policy`, deciding by `deadline`. Never throws: a check that cannot finish is a
    /// failed check, with the reason in the verdict.
    func verify(_ candidate: ImageReference, policy: VerifyPolicy, deadline: ContinuousClock.Instant) async
        -> VerificationVerdict

    /// Releases what the verifier holds; called with its stage's matcher when the rule set is replaced.
    func shutdown() async
}

extension ImageVerifier {
    public func shutdown() async {}
}

/// How a stage checks its outputs.
public enum VerifyPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// No check: the first output is used.
    case none
    /// The mirror's `/v2/` endpoint answers.
    case reachable
    /// The mirror answers `HEAD /v2/<name>/manifests/<ref>` with 200 for this image.
    case manifest
}

/// A verifier's answer for one candidate.
public struct VerificationVerdict: Sendable, Hashable, Codable {
    /// Where the answer came from.
    public enum Source: String, Sendable, Hashable, Codable {
        /// The host's circuit breaker is open: skipped at no latency cost.
        case breaker
        /// The background prober's latest result.
        case probe
        /// A cached earlier check.
        case cache
        /// A request made for this admission (or shared with a concurrent one).
        case live
        /// The stage's time budget ran out before this candidate could be checked.
        case budget
    }

    public var passed: Bool
    public var source: Source
    public var detail: String

    public init(passed: Bool, source: Source, detail: String) {
        self.passed = passed
        self.source = source
        self.detail = detail
    }
}

/// Builds the verifier for a stage's `verify:` section; supplied by the executable (the core cannot reach
/// registries). `options` holds the section's registry settings, for the factory to decode.
public typealias ImageVerifierFactory = @Sendable (_ options: ConfigObject) throws -> any ImageVerifier
