import ReplacerCore

/// `tag-policy`: what happens to images that float, i.e. name no tag, or a tag such as `latest` that moves.
///
/// A floating tag makes a pod's content depend on when its node pulled, and defeats caches that keep the first
/// copy they saw. Per repository glob, the first matching rule decides: `pin` rewrites the tag to a fixed one,
/// `warn` keeps the image and warns the user at admission, `deny` refuses the pod, `allow` lets it through.
/// Images with a digest never float and are left alone, as are tags not listed as floating.
///
/// ```yaml
/// - name: no-floating-tags
///   matcher: tag-policy
///   options:
///     floatingTags: [latest, main]      # default [latest]; no tag at all always floats
///   rules:
///     - {repositories: [docker.io/library/nginx], pin: "1.27.2"}
///     - {repositories: ["registry.corp/*"], action: deny, message: "see https://wiki.corp/pinning"}
///     - {repositories: ["*"], action: warn}
/// ```
public struct TagPolicyMatcher: ConfigurableMatcher {
    public static let id = "tag-policy"
    /// A table lookup in memory, deciding from the reference alone.
    public var traits: MatcherTraits { .pure }

    let floatingTags: Set<String>
    let rules: [TagPolicyRule]

    public init(configuration: MatcherConfiguration) throws {
        let options = try configuration.options(allowed: ["floatingTags"])
        var floating: Set<String> = ["latest"]
        if let node = options["floatingTags"] {
            floating = []
            for item in try node.list("floatingTags") {
                let tag = try item.string("each floating tag")
                guard ReferenceGrammar.isValidTag(tag[...]) else { throw item.error("\"\(tag)\" is not a valid tag") }
                floating.insert(tag)
            }
        }
        floatingTags = floating
        let list = try configuration.requireRules(
            "list rules such as `- {repositories: [\"*\"], action: warn}`"
        ).list("rules")
        var rules: [TagPolicyRule] = []
        for (index, node) in list.enumerated() {
            rules.append(try TagPolicyRule(decoding: node, index: index, floatingTags: floating))
        }
        self.rules = rules
    }

    public func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult {
        let reference = image.reference
        if reference.digest != nil { return .noMatch("pinned by digest") }
        if let tag = reference.tag, !floatingTags.contains(tag) {
            return .noMatch(context.explaining ? "tag \(tag) does not float" : nil)
        }
        guard let rule = rules.first(where: { $0.covers(reference.name) }) else {
            return .noMatch(context.explaining ? "no rule for \(reference.name)" : nil)
        }
        let what = reference.tag.map { "the floating tag \"\($0)\"" } ?? "no tag (so \"latest\")"
        let advice = rule.message.map { "; \($0)" } ?? "; pin a version"
        switch rule.action {
        case .pin(let tag):
            return .rewrite(to: Self.retag(image, to: tag), rule: rule.label, detail: "\(what) pinned to \(tag)")
        case .allow:
            return .matched(rule: rule.label, detail: "\(what) allowed")
        case .deny:
            return .deny("image \(image.written) has \(what)\(advice)", rule: rule.label)
        case .warn:
            return .warn("image \(image.written) has \(what) (\(rule.label))\(advice)", rule: rule.label)
        }
    }

    /// The image as written with its tag replaced (or added), so the pod keeps its own spelling: `nginx` →
    /// `nginx:1.27.2`. Only called without a digest, so a tag, when present, ends the string.
    static func retag(_ image: ImageInput, to tag: String) -> String {
        var written = Substring(image.written)
        if let current = image.reference.tag { written = written.dropLast(current.count + 1) }
        return written + ":" + tag
    }
}
