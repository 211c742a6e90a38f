import ReplacerCore
import Synchronization

// Small matchers with known behaviour, so the pipeline and loader are tested independently of the built-in ones.

/// Rewrites by appending `options.suffix` to the repository path when the path contains `rules`' text.
struct AppendMatcher: ConfigurableMatcher {
    static let id = "append"
    let needle: String
    let suffix: String

    init(configuration: MatcherConfiguration) throws {
        let options = try configuration.options(allowed: ["suffix"])
        suffix = try options.require("suffix").string("suffix")
        needle = try configuration.requireRules("a substring").string("rules")
    }

    func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult {
        guard image.reference.path.contains(needle) else { return .noMatch("path lacks \(needle)") }
        let reference = image.reference
        return .rewrite(
            to: reference.domain + "/" + reference.path + suffix + (reference.tag.map { ":" + $0 } ?? ""), rule: needle)
    }
}

/// Always throws, to test that a failing matcher keeps the image.
struct FailingMatcher: ConfigurableMatcher {
    static let id = "failing"
    struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
    init(configuration: MatcherConfiguration) throws {}
    func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult { throw Boom() }
}

/// Returns its `rules` string verbatim as the rewrite, valid or not.
struct LiteralMatcher: ConfigurableMatcher {
    static let id = "literal"
    let output: String
    init(configuration: MatcherConfiguration) throws {
        output = try configuration.requireRules("the output").string("rules")
    }
    func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult {
        .rewrite(to: output, rule: "literal")
    }
}

/// Refuses every configuration with a non-RuleFileError, and counts shutdowns.
struct RefusingMatcher: ConfigurableMatcher {
    static let id = "refusing"
    struct Nope: Error, CustomStringConvertible { var description: String { "not today" } }
    init(configuration: MatcherConfiguration) throws { throw Nope() }
    func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult { .noMatch() }
}

/// AppendMatcher that declares itself pure and counts its evaluations (per rule text, so parallel tests with
/// different rules do not disturb each other), to see when the pipeline's memo answers instead.
struct CountingMatcher: ConfigurableMatcher {
    static let id = "counting"
    var traits: MatcherTraits { .pure }
    static let evaluations = Mutex<[String: Int]>([:])
    let inner: AppendMatcher
    let needle: String

    init(configuration: MatcherConfiguration) throws {
        inner = try AppendMatcher(configuration: configuration)
        needle = inner.needle
    }

    func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult {
        Self.evaluations.withLock { $0[needle, default: 0] += 1 }
        return try await inner.evaluate(image, context: context)
    }

    static func count(_ needle: String) -> Int { evaluations.withLock { $0[needle] ?? 0 } }
}

/// Declares itself pure but throws on its first evaluation of each image (per rule text), as a plugin instance
/// that ran out of memory once would; after that it appends its suffix like `AppendMatcher`.
struct FlakyMatcher: ConfigurableMatcher {
    static let id = "flaky"
    var traits: MatcherTraits { .pure }
    static let seen = Mutex<Set<String>>([])
    let inner: AppendMatcher

    init(configuration: MatcherConfiguration) throws { inner = try AppendMatcher(configuration: configuration) }

    func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult {
        let first = Self.seen.withLock { $0.insert(inner.needle + " " + image.written).inserted }
        if first { throw FailingMatcher.Boom() }
        return try await inner.evaluate(image, context: context)
    }
}

/// Rewrites to its `rules` image handed over already parsed. With `options.parsedAs`, the handed-over reference is
/// that other image's, so a test can see whether the pipeline used the parsed value or parsed the text again.
struct ParsedMatcher: ConfigurableMatcher {
    static let id = "parsed"
    let output: ImageInput

    init(configuration: MatcherConfiguration) throws {
        let written = try configuration.requireRules("an image").string("rules")
        let options = try configuration.options(allowed: ["parsedAs"])
        let parsedAs = try options["parsedAs"]?.string("parsedAs") ?? written
        output = ImageInput(written: written, reference: try ImageReference.normalized(parsedAs))
    }

    func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult {
        .rewrite(to: output, rule: "parsed")
    }
}

/// Rewrites to `probe.example/explaining` or `probe.example/quiet`: what `EvaluationContext.explaining` said.
struct ExplainingProbeMatcher: ConfigurableMatcher {
    static let id = "explaining-probe"
    init(configuration: MatcherConfiguration) throws {}
    func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult {
        .rewrite(to: context.explaining ? "probe.example/explaining" : "probe.example/quiet", rule: "probe")
    }
}

func testRegistry() throws -> MatcherRegistry {
    try MatcherRegistry([
        AppendMatcher.self, FailingMatcher.self, LiteralMatcher.self, RefusingMatcher.self, CountingMatcher.self,
        ParsedMatcher.self, ExplainingProbeMatcher.self, FlakyMatcher.self,
    ])
}

func loadRules(_ yaml: String, file: String = "rules.yaml") async throws -> RuleSet {
    try await RuleSetLoader(registry: try testRegistry()).load(text: yaml, file: file)
}

/// Loads `yaml` and returns the error it must fail with.
func loadError(_ yaml: String) async throws -> RuleFileError {
    do {
        _ = try await loadRules(yaml)
    } catch let error as RuleFileError {
        return error
    }
    struct LoadedUnexpectedly: Error {}
    throw LoadedUnexpectedly()
}

let header = """
    apiVersion: k8s-image-replacer/v1
    kind: RuleSet

    """

extension Array {
    /// The element at `index`, or nil: a test must fail, not trap, when a list is shorter than expected.
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
