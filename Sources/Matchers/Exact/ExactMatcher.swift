import ReplacerCore

/// `exact`: a map from whole image references to replacements.
///
/// Keys and lookups are compared in normalized form with the default tag, so `nginx`, `library/nginx` and
/// `docker.io/library/nginx:latest` are one key, while `nginx:1.25` is another. A lookup is one hash probe,
/// whatever the number of rules.
///
/// ```yaml
/// - name: pinned
///   matcher: exact
///   rules:
///     nginx: mirror.corp/hub/library/nginx:1.27.2
/// ```
public struct ExactMatcher: ConfigurableMatcher {
    public static let id = "exact"
    /// A table fixed at load and looked up in memory: the same image always gets the same answer, at once.
    public var traits: MatcherTraits { .pure }

    struct Target: Sendable {
        /// The replacements exactly as the rule file wrote them, in order of preference; the pod gets the first
        /// (or, in a stage with `verify`, the first that passes).
        var images: [String]
        /// `images[0]` parsed at load, so a rewrite costs the pipeline no second parse.
        var first: ImageInput
        /// The key as the rule file wrote it, for the trace.
        var rule: String
    }

    let table: [String: Target]

    public init(configuration: MatcherConfiguration) throws {
        _ = try configuration.options(allowed: [])
        let rules = try configuration.requireRules(
            "map whole images to their replacements, e.g. `nginx: mirror.corp/nginx:1.27`")
        var table: [String: Target] = [:]
        var keyLines: [String: Int] = [:]
        var targets: [(key: String, normalizedTarget: String, node: ConfigNode)] = []
        for entry in try rules.entries("rules") {
            let key = try Self.normalizedKey(entry.key, at: entry.keyLocation)
            if let line = keyLines[key] {
                throw RuleFileError(
                    "\"\(entry.key)\" is the same image as the key at line \(line) (both are \(key))",
                    at: entry.keyLocation, hint: "keep one of them")
            }
            var images: [String] = []
            var first: ImageInput?
            for (image, node) in try entry.value.alternatives("the replacement for \(entry.key)") {
                let target: ImageReference
                do {
                    target = try ImageReference.normalized(image)
                } catch {
                    throw node.error("replacement \"\(image)\" is not a valid image reference: \(error)")
                }
                images.append(image)
                if first == nil { first = ImageInput(written: image, reference: target) }
                targets.append((entry.key, target.withDefaultTag().description, node))
            }
            keyLines[key] = entry.keyLocation.line
            guard let first else { throw entry.value.error("the replacement for \(entry.key) names no image") }
            table[key] = Target(images: images, first: first, rule: entry.key)
        }
        // A replacement that is itself a key would be rewritten again when the webhook is reinvoked, so the result
        // would depend on how often the API server calls us. Refuse such chains at load.
        for target in targets {
            guard let other = table[target.normalizedTarget]?.rule, other != target.key else { continue }
            throw target.node.error(
                "the replacement for \"\(target.key)\" is itself a key (\"\(other)\"), so a second pass would rewrite it again",
                hint: "map \"\(target.key)\" straight to the final image")
        }
        self.table = table
    }

    public func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult {
        let reference = image.reference
        // Same key as `withDefaultTag().description`, without building an intermediate reference.
        let key = reference.tag == nil && reference.digest == nil ? image.normalized + ":latest" : image.normalized
        guard let target = table[key] else { return .noMatch(context.explaining ? "no rule for \(key)" : nil) }
        if target.images.count == 1 { return .rewrite(to: target.first, rule: target.rule) }
        return .rewrite(toFirstOf: target.images, rule: target.rule)
    }

    static func normalizedKey(_ text: String, at location: SourceLocation) throws(RuleFileError) -> String {
        do {
            return try ImageReference.normalized(text).withDefaultTag().description
        } catch {
            throw RuleFileError("key \"\(text)\" is not a valid image reference: \(error)", at: location)
        }
    }
}
