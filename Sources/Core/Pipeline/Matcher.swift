/// A matcher: the kind of a stage (`exact`, `prefix`, `regex`, or a plugin's).
///
/// This is the whole plugin interface. A matcher is created once per stage when a rule file loads: its
/// initializer decodes the stage's `rules` and `options` and compiles whatever it needs, so that a bad rule fails
/// the load, with a position, rather than a request. `evaluate` then runs for every image that reaches the stage,
/// concurrently from many tasks, so a matcher must be immutable after init or protect its own state.
public protocol Matcher: Sendable {
    /// The name used in a stage's `matcher:` field. Unique within a registry; lowercase, `-` allowed.
    static var id: String { get }

    /// Decodes and compiles the stage. Throw a `RuleFileError` (the `ConfigNode` accessors do) so the user sees
    /// the file position; any other error is reported at the stage's position.
    init(configuration: MatcherConfiguration) throws

    /// Decides about one image. Must not block a thread: do I/O with async APIs. A thrown error does not fail the
    /// admission: the pipeline keeps the image this stage was given and records a warning naming the stage.
    func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult

    /// True when `evaluate` never waits (no I/O, locks held across awaits, sleeps or other tasks) and finishes in
    /// bounded time. The webhook then evaluates rule sets made only of such stages inline, without racing them
    /// against the admission deadline, which saves a task group and two thread hand-offs per request. Defaults
    /// to false, which is always safe.
    static var runsWithoutWaiting: Bool { get }

    /// True when `evaluate`'s result (or error) is a function of the image alone: not of the context, the time, a
    /// registry, or state kept between calls. The webhook may then reuse an earlier result for the same image
    /// instead of calling `evaluate` again (see `PipelineMemo`). Defaults to false, which is always safe; say true
    /// only for pure rewriting such as a table or a pattern.
    static var dependsOnlyOnImage: Bool { get }

    /// Releases what the matcher holds (connections, caches, threads). Called once when the rule set that owns
    /// the stage is replaced or the process stops, after the last `evaluate` has returned.
    func shutdown() async
}

extension Matcher {
    /// Most matchers hold nothing that needs releasing.
    public func shutdown() async {}

    /// Unless a matcher says otherwise, it may wait.
    public static var runsWithoutWaiting: Bool { false }

    /// Unless a matcher says otherwise, its results may depend on more than the image.
    public static var dependsOnlyOnImage: Bool { false }
}

/// What a matcher's initializer gets: its stage's own part of the rule file.
public struct MatcherConfiguration: Sendable {
    /// The stage's `name`.
    public var stageName: String
    /// The stage's `rules`, or nil when absent.
    public var rules: ConfigNode?
    /// The stage's `options`, or nil when absent.
    public var options: ConfigNode?
    /// The position of the stage itself, for errors about the stage as a whole.
    public var location: SourceLocation

    public init(stageName: String, rules: ConfigNode?, options: ConfigNode?, location: SourceLocation) {
        self.stageName = stageName
        self.rules = rules
        self.options = options
        self.location = location
    }

    /// The stage's `rules`, or an error saying that this matcher needs them.
    public func requireRules(_ hint: String) throws(RuleFileError) -> ConfigNode {
        guard let rules else { throw RuleFileError("this stage needs \"rules\"", at: location, hint: hint) }
        return rules
    }

    /// The stage's `options` as an object with the given keys, or an empty object when absent.
    public func options(allowed: [String]) throws(RuleFileError) -> ConfigObject {
        guard let options else {
            return ConfigObject(node: ConfigNode(.mapping([]), at: location), entries: [], what: "options")
        }
        return try options.object("options", allowed: allowed)
    }
}
