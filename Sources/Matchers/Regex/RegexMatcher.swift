import ReplacerCore

/// `regex`: PCRE2 patterns with capture substitution, for mirroring whole families of repositories.
///
/// Patterns are JIT-compiled when the rule file loads. They match the normalized reference
/// (`docker.io/library/nginx:1.25`) unless `options.matchOn` is `written`; within the stage the first matching rule
/// wins. Match limits bound every match, so no pattern can hang the webhook: a rule that hits a limit fails the
/// stage for that image, which keeps the image it was given.
///
/// ```yaml
/// - name: ghcr-by-org
///   matcher: regex
///   rules:
///     - match: '^ghcr\.io/(?<org>[a-z0-9-]+)/(.+)$'
///       replace: 'mirror.corp/ghcr/${org}/$2'
/// ```
public struct RegexMatcher: ConfigurableMatcher {
    public static let id = "regex"
    /// PCRE2 in memory under its match limit, with the patterns compiled at load and no state kept between images.
    public var traits: MatcherTraits { .pure }

    enum MatchOn: String, Sendable { case normalized, written }

    let rules: [RegexRule]
    let matchOn: MatchOn
    /// Rule indices to try for a subject whose first path component is the key: the rules whose literal prefix
    /// names that host, merged in file order with the rules that name no host.
    let candidatesByHost: [Substring: [Int]]
    /// Rule indices to try for any other subject: the rules that name no host.
    let hostlessCandidates: [Int]
    /// The most capture groups of any of the stage's patterns, which sizes the match buffer of an evaluation.
    let maxCaptureCount: Int

    public init(configuration: MatcherConfiguration) throws {
        let options = try configuration.options(allowed: ["matchOn", "caseInsensitive", "matchLimit", "depthLimit"])
        var matchOn = MatchOn.normalized
        if let node = options["matchOn"] {
            let text = try node.string("matchOn")
            guard let value = MatchOn(rawValue: text) else {
                throw node.error("matchOn must be \"normalized\" or \"written\", not \"\(text)\"")
            }
            matchOn = value
        }
        let caseInsensitive = try options["caseInsensitive"]?.bool("caseInsensitive") ?? false
        var limits = PCRE2Limits.default
        if let node = options["matchLimit"] { limits.matchLimit = try Self.limit(node, "matchLimit", Self.matchLimits) }
        if let node = options["depthLimit"] { limits.depthLimit = try Self.limit(node, "depthLimit", Self.depthLimits) }

        let list = try configuration.requireRules("a list of `- match: PATTERN` / `replace: TEMPLATE` pairs")
            .list("rules")
        var rules: [RegexRule] = []
        for (index, node) in list.enumerated() {
            rules.append(try RegexRule(decoding: node, index: index, caseInsensitive: caseInsensitive, limits: limits))
        }
        self.rules = rules
        self.matchOn = matchOn
        maxCaptureCount = rules.map(\.pattern.captureCount).max() ?? 0
        (candidatesByHost, hostlessCandidates) = Self.index(rules)
    }

    /// What `matchLimit` may be set to. The top bounds what one runaway pattern costs per image (about 15 ms under
    /// JIT, see `PCRE2Limits.default`), which keeps an admission far inside the API server's timeout: a limit
    /// that high is already generous for references of a few hundred bytes, and a larger one would let one rule
    /// hold an event loop for seconds.
    static let matchLimits: ClosedRange<UInt32> = 1_000...10_000_000
    /// What `depthLimit` may be set to (the interpreter's backtracking depth; its heap stays capped at 8 MiB).
    static let depthLimits: ClosedRange<UInt32> = 10...1_000_000

    private static func limit(_ node: ConfigNode, _ name: String, _ range: ClosedRange<UInt32>) throws(RuleFileError)
        -> UInt32
    {
        let value = try node.int(name)
        guard value >= range.lowerBound, value <= range.upperBound else {
            throw node.error(
                "\(name) must be between \(range.lowerBound) and \(range.upperBound), not \(value)",
                hint:
                    "the default (\(name == "matchLimit" ? PCRE2Limits.default.matchLimit : PCRE2Limits.default.depthLimit)) suits image references; raise it only for a pattern that needs it"
            )
        }
        return UInt32(value)
    }

    /// Groups rules by the host their literal prefix names, so an image is only tried against rules that could
    /// match it. File order is kept within each candidate list, so "first matching rule wins" still holds.
    static func index(_ rules: [RegexRule]) -> ([Substring: [Int]], [Int]) {
        var byHost: [Substring: [Int]] = [:]
        var hostless: [Int] = []
        for (index, rule) in rules.enumerated() {
            if let slash = rule.literalPrefix.firstIndex(of: "/") {
                byHost[Substring(rule.literalPrefix[..<slash]), default: []].append(index)
            } else {
                hostless.append(index)
            }
        }
        for host in byHost.keys { byHost[host] = (byHost[host]! + hostless).sorted() }
        return (byHost, hostless)
    }

    public func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult {
        let subject = matchOn == .normalized ? image.normalized : image.written
        // Native strings (all of ours) hand out their bytes in place; a bridged one is copied once.
        if let result = try subject.utf8.withContiguousStorageIfAvailable({ bytes in
            try firstMatch(subject, bytes: bytes, explaining: context.explaining)
        }) {
            return result
        }
        return try Array(subject.utf8).withUnsafeBufferPointer { bytes in
            try firstMatch(subject, bytes: bytes, explaining: context.explaining)
        }
    }

    /// The first candidate rule, in file order, whose literal prefix `bytes` (the UTF-8 of `subject`) starts with
    /// and whose pattern matches.
    private func firstMatch(_ subject: String, bytes: UnsafeBufferPointer<UInt8>, explaining: Bool) throws
        -> MatchResult
    {
        let host = subject.utf8.firstIndex(of: UInt8(ascii: "/")).map { subject[..<$0] } ?? subject[...]
        let candidates = candidatesByHost[host] ?? hostlessCandidates
        guard let first = candidates.firstIndex(where: { rules[$0].admits(bytes) }) else {
            return .noMatch(explaining ? "no pattern matched \(subject)" : nil)
        }
        // One match buffer for every pattern tried on this image (see `PCRE2MatchBuffer`).
        let buffer: PCRE2MatchBuffer
        do {
            buffer = try PCRE2MatchBuffer(capturesUpTo: maxCaptureCount, for: rules[candidates[first]].pattern)
        } catch {
            throw RegexMatcherError(rule: rules[candidates[first]].name, underlying: error)
        }
        for index in candidates[first...] where rules[index].admits(bytes) {
            let rule = rules[index]
            let match: PCRE2Match?
            do {
                match = try rule.pattern.firstMatch(in: subject, using: buffer)
            } catch {
                throw RegexMatcherError(rule: rule.name, underlying: error)
            }
            if let match {
                if rule.templates.count == 1 {
                    return .rewrite(to: rule.templates[0].expand(match, subject: subject), rule: rule.name)
                }
                return .rewrite(toFirstOf: rule.templates.map { $0.expand(match, subject: subject) }, rule: rule.name)
            }
        }
        return .noMatch(explaining ? "no pattern matched \(subject)" : nil)
    }
}

/// A pattern could not finish matching (a PCRE2 limit, typically).
struct RegexMatcherError: Error, CustomStringConvertible {
    var rule: String
    var underlying: PCRE2Error
    var description: String { "\(rule): \(underlying.message)" }
}
