import ReplacerCore
import ReplacerDigest
import ReplacerMatchers

/// Builds rule sets the way the webhook does: generated rule-file text through `RuleSetLoader`, with the
/// matchers the shipped executable registers. Benchmarks therefore measure the loaded, compiled stages a
/// cluster would run, not hand-assembled ones.
public enum RuleSetFactory {
    /// The executable's list of built-in matchers.
    public static let registry: MatcherRegistry = {
        do {
            return try MatcherRegistry([ExactMatcher.self, PrefixMatcher.self, RegexMatcher.self, DigestMatcher.self])
        } catch {
            fatalError("the built-in matchers must register: \(error)")
        }
    }()

    /// Loads `text` as a rule file; a generator bug surfaces as the loader's positioned error.
    public static func load(_ text: String, file: String = "benchmark.yaml") async throws -> RuleSet {
        try await RuleSetLoader(registry: registry).load(text: text, file: file)
    }

    /// A rule file with the given stages, each already rendered by ``stage(name:matcher:onMatch:when:rules:)``.
    public static func ruleFile(name: String, stages: [String]) -> String {
        var text = "apiVersion: k8s-image-replacer/v1\nkind: RuleSet\nmetadata:\n  name: \(name)\nstages:\n"
        for stage in stages { text += stage }
        return text
    }

    /// One stage of a rule file. `rules` is the already indented body of `rules:` (four spaces per line).
    public static func stage(
        name: String, matcher: String, onMatch: String? = nil, when: String? = nil, rules: String
    ) -> String {
        var text = "  - name: \(name)\n    matcher: \(matcher)\n"
        if let onMatch { text += "    onMatch: \(onMatch)\n" }
        if let when { text += "    when: \(when)\n" }
        return text + "    rules:\n" + rules
    }

    /// `key: value` lines for an exact or prefix stage, double-quoted so that ':' and '@' need no thought.
    public static func mapping(_ pairs: [(String, String)]) -> String {
        var text = ""
        text.reserveCapacity(pairs.count * 64)
        for (key, value) in pairs { text += "      \"\(key)\": \"\(value)\"\n" }
        return text
    }

    /// `- match/replace` items for a regex stage, single-quoted so that backslashes stay as written.
    public static func regexList(_ rules: [(match: String, replace: String)]) -> String {
        var text = ""
        for rule in rules { text += "      - match: '\(rule.match)'\n        replace: '\(rule.replace)'\n" }
        return text
    }

    /// A one-stage rule set, the shape the per-matcher benchmarks run.
    public static func singleStage(matcher: String, rules: String) async throws -> RuleSet {
        try await load(
            ruleFile(name: "bench-\(matcher)", stages: [stage(name: matcher, matcher: matcher, rules: rules)]))
    }
}

/// A deterministic 64-digit lowercase hex string derived from `seed`, for sha256 digests.
public func hexDigest(_ seed: Int) -> String {
    var state = UInt64(truncatingIfNeeded: seed) &* 0x9E37_79B9_7F4A_7C15 &+ 0x2545_F491_4F6C_DD1D
    var text = ""
    text.reserveCapacity(64)
    let digits = Array("0123456789abcdef")
    for _ in 0..<64 {
        // xorshift64*: cheap, deterministic, good enough to look like a digest.
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        text.append(digits[Int((state &* 0x2545_F491_4F6C_DD1D) >> 60)])
    }
    return text
}
