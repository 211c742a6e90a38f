import ReplacerCore

/// `prefix`: registry and repository-prefix mirroring.
///
/// A key matches whole path components only (`gcr.io/foo` never matches `gcr.io/foobar`) and the longest key wins.
/// Images are normalized first, so `nginx` is `docker.io/library/nginx`; tag and digest are carried over.
/// A lookup probes one hash table per path component of the image, so its cost does not grow with the number of
/// rules.
///
/// ```yaml
/// - name: mirrors
///   matcher: prefix
///   rules:
///     docker.io: mirror.corp/hub          # nginx:1.25 → mirror.corp/hub/library/nginx:1.25
///     quay.io/prometheus: mirror.corp/prom
/// ```
public struct PrefixMatcher: ConfigurableMatcher {
    public static let id = "prefix"
    /// A prefix table fixed at load and looked up in memory: the same image always gets the same answer, at once.
    public var traits: MatcherTraits { .pure }

    struct Target: Sendable {
        /// Mirror prefixes in order of preference.
        var prefixes: [String]
        var rule: String
    }

    /// Keyed by the normalized prefix as a `Substring`, so lookups can use slices of the image name without
    /// allocating.
    let table: [Substring: Target]

    public init(configuration: MatcherConfiguration) throws {
        _ = try configuration.options(allowed: [])
        let rules = try configuration.requireRules(
            "map registry prefixes to mirrors, e.g. `docker.io: mirror.corp/hub`")
        var table: [Substring: Target] = [:]
        var parsed: [(key: RegistryPrefix, target: RegistryPrefix, node: ConfigNode)] = []
        var lines: [RegistryPrefix: Int] = [:]
        for entry in try rules.entries("rules") {
            let key: RegistryPrefix
            do { key = try RegistryPrefix(parsing: entry.key) } catch {
                throw RuleFileError("key \"\(entry.key)\" \(error.message)", at: entry.keyLocation, hint: error.hint)
            }
            if let line = lines[key] {
                throw RuleFileError(
                    "\"\(entry.key)\" is the same prefix as the key at line \(line)", at: entry.keyLocation,
                    hint: "keep one of them")
            }
            var prefixes: [String] = []
            for (text, node) in try entry.value.alternatives("the mirror for \(entry.key)") {
                let target: RegistryPrefix
                do { target = try RegistryPrefix(parsing: text) } catch {
                    throw node.error("mirror \"\(text)\" \(error.message)", hint: error.hint)
                }
                prefixes.append(target.description)
                parsed.append((key, target, node))
            }
            lines[key] = entry.keyLocation.line
            table[Substring(key.description)] = Target(prefixes: prefixes, rule: entry.key)
        }
        // If a mirror lies under one of the stage's own keys, a reinvoked webhook would rewrite its own output
        // again (docker.io → docker.io/mirror → docker.io/mirror/mirror). Refuse that at load. Probing the keys
        // for each prefix above the mirror keeps this linear in the number of rules.
        for (_, target, node) in parsed {
            if let other = target.selfAndAncestors.first(where: { lines[$0] != nil }) {
                throw node.error(
                    "mirror \"\(target)\" is itself matched by the key \"\(other)\", so a second pass would rewrite it again",
                    hint: "choose a mirror path outside the mirrored prefix, or use a later stage")
            }
        }
        self.table = table
    }

    public func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult {
        let reference = image.reference
        // A normalized name can lack a domain: in `foo_bar.com/x` the first component is no valid host, so upstream
        // (and so the kubelet) reads the whole of it as a path. Then the name is the path alone.
        let nameLength = (reference.domain.isEmpty ? 0 : reference.domain.utf8.count + 1) + reference.path.utf8.count
        let normalized = image.normalized
        let nameEnd = normalized.utf8.index(normalized.startIndex, offsetBy: nameLength)
        let name = normalized[..<nameEnd]
        // Longest first: the whole name, then up to each '/' from the right.
        var end = name.endIndex
        while true {
            if let target = table[name[..<end]] {
                let rest = name[end...] + normalized[nameEnd...]
                if target.prefixes.count == 1 { return .rewrite(to: target.prefixes[0] + rest, rule: target.rule) }
                return .rewrite(toFirstOf: target.prefixes.map { $0 + rest }, rule: target.rule)
            }
            guard let slash = name[..<end].utf8.lastIndex(of: UInt8(ascii: "/")) else { break }
            end = slash
        }
        return .noMatch(context.explaining ? "no prefix of \(name) is a key" : nil)
    }
}
