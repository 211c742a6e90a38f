import CoreMetrics

/// A matcher instance: what one stage of a loaded rule file runs for every image that reaches it.
///
/// This and `MatcherModule` are the whole plugin interface. A module makes one instance per stage when a rule
/// file loads, decoding the stage's `rules` and `options` and compiling whatever it needs, so that a bad rule
/// fails the load, with a position, rather than a request. `evaluate` then runs for every image that reaches the
/// stage, concurrently from many tasks, so an instance must be immutable after it is made or protect its own state.
///
/// A Swift matcher is usually its own module: see `ConfigurableMatcher`.
public protocol Matcher: Sendable {
    /// Decides about one image. Must not block a thread: do I/O with async APIs. A thrown error does not fail the
    /// admission: the pipeline keeps the image this stage was given and records a warning naming the stage.
    func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult

    /// What this instance promises about `evaluate`, for shortcuts that are safe only then. Per instance, because
    /// one module can make stages of both sorts (a plugin whose options add a registry lookup, say). Defaults to
    /// none, which is always safe.
    var traits: MatcherTraits { get }

    /// Releases what the matcher holds (connections, caches, threads). Called once when the rule set that owns
    /// the stage is replaced or the process stops, after the last `evaluate` has returned.
    func shutdown() async
}

extension Matcher {
    /// Most matchers hold nothing that needs releasing.
    public func shutdown() async {}

    /// Unless a matcher says otherwise, it may wait and its results may depend on more than the image.
    public var traits: MatcherTraits { [] }
}

/// Promises a matcher instance makes about its `evaluate`; the webhook takes a shortcut only when every stage it
/// would skip work for makes the promise.
public struct MatcherTraits: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `evaluate` never waits (no I/O, locks held across awaits, sleeps or other tasks) and finishes in bounded
    /// time. The webhook then evaluates rule sets made only of such stages inline, without racing them against the
    /// admission deadline, which saves a task group and two thread hand-offs per request.
    public static let runsWithoutWaiting = MatcherTraits(rawValue: 1 << 0)

    /// `evaluate`'s result (or error) is a function of the image alone: not of the context, the time, a registry,
    /// or state kept between calls. The webhook may then reuse an earlier result for the same image instead of
    /// calling `evaluate` again (see `PipelineMemo`). Say it only for pure rewriting such as a table or a pattern.
    public static let dependsOnlyOnImage = MatcherTraits(rawValue: 1 << 1)

    /// Both: a table or a pattern in memory.
    public static let pure: MatcherTraits = [.runsWithoutWaiting, .dependsOnlyOnImage]
}

/// A matcher written as one Swift type that is also its own module: an ID and an initializer that decodes its
/// stage. The easy way to write a built-in matcher or a compiled-in plugin; register it with
/// `MatcherRegistry.register(_:)` or list its `module` in the executable's list.
public protocol ConfigurableMatcher: Matcher {
    /// The name used in a stage's `matcher:` field. Unique within a registry; lowercase, `-` allowed.
    static var id: String { get }

    /// Decodes and compiles the stage. Throw a `RuleFileError` (the `ConfigNode` accessors do) so the user sees
    /// the file position; any other error is reported at the stage's position.
    init(configuration: MatcherConfiguration) throws
}

extension ConfigurableMatcher {
    /// The module that makes this type's instances.
    public static var module: MatcherModule {
        MatcherModule(id: id, origin: "the Swift matcher \(String(reflecting: Self.self))") { configuration in
            try Self(configuration: configuration)
        }
    }
}

/// A kind of stage: the ID a rule file names in `matcher:` and the factory that makes a stage's instance.
///
/// The executable registers its modules from one explicit list (the counterpart of CoreDNS's plugin.cfg); a
/// WebAssembly plugin is a module too, made from its file when the server starts.
public struct MatcherModule: Sendable {
    /// Makes the instance of one stage from the stage's part of the rule file. Runs when a rule file loads, never
    /// per request; a thrown `RuleFileError` is reported with its position, any other error at the stage's.
    public typealias Factory = @Sendable (MatcherConfiguration) throws -> any Matcher

    /// The rule file's `matcher:` value: lowercase letters, digits and `-`, starting with a letter.
    public let id: String
    /// Who provides it, in words a user recognises (`the WebAssembly plugin /plugins/x.wasm`); a duplicate-ID error
    /// names the origins of both registrations.
    public let origin: String
    /// Called once per stage that names `id`, when a rule file loads.
    public let factory: Factory

    public init(id: String, origin: String, factory: @escaping Factory) {
        self.id = id
        self.origin = origin
        self.factory = factory
    }
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
    /// Where a matcher that counts things makes its metrics: the server's backend when the rules are loaded to
    /// serve, a no-op one otherwise (`explain`, `check`, most tests). Make metric objects once, here in the
    /// initializer, with `factory:`; never through the process-wide `MetricsSystem`.
    public var metrics: any MetricsFactory

    public init(
        stageName: String, rules: ConfigNode?, options: ConfigNode?, location: SourceLocation,
        metrics: any MetricsFactory = NOOPMetricsHandler.instance
    ) {
        self.stageName = stageName
        self.rules = rules
        self.options = options
        self.location = location
        self.metrics = metrics
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
