import ReplacerCore

/// `pull-through-cache`: names images the way registry pull-through caches serve them.
///
/// A plain `prefix` stage can point `docker.io` at one mirror; real caches have product-specific names. AWS ECR
/// serves an upstream under the repository prefix of its pull-through cache rule, Harbor under its proxy-cache
/// project, and a single cache for many upstreams (kube-image-keeper, a registry behind a DaemonSet) needs the
/// upstream host as a path component, with the port joined by `-` because a path may not contain `:`. Docker Hub
/// official images always keep `library/`, which every one of these products requires.
///
/// ```yaml
/// - name: pull-through
///   matcher: pull-through-cache
///   options:
///     exclude: ["docker.io/mycorp/*"]
///   rules:
///     docker.io: {ecr: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub}
///     quay.io:   {harbor: harbor.corp/quay-proxy}
///     "*":       {hostPath: cache.corp:5000/mirror, portSeparator: "-"}
/// ```
///
/// Keys are upstream registry hosts (`docker.io` also covers `index.docker.io` and `registry-1.docker.io`) or
/// globs over hosts; exact keys win, then globs in file order. Images already named by one of the caches are left
/// alone, so a second pass changes nothing.
public struct PullThroughCacheMatcher: ConfigurableMatcher {
    public static let id = "pull-through-cache"
    /// A table lookup in memory that names the cache from the reference alone (it never asks the cache whether the
    /// image is there).
    public var traits: MatcherTraits { .pure }

    struct Rule: Sendable {
        /// The key as written, for the trace.
        var key: String
        var target: CacheTarget
    }

    let exact: [String: Rule]
    let globs: [(glob: Glob, rule: Rule)]
    let exclude: [Glob]
    /// Every cache, in file order: images they already name are left alone.
    let targets: [CacheTarget]

    public init(configuration: MatcherConfiguration) throws {
        let options = try configuration.options(allowed: ["exclude"])
        exclude = try options["exclude"]?.stringList("exclude").map(Glob.init) ?? []
        let rules = try configuration.requireRules(
            "map upstream registries to caches, e.g. `docker.io: {ecr: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub}`"
        )
        var exact: [String: Rule] = [:]
        var globs: [(Glob, Rule)] = []
        var targets: [CacheTarget] = []
        for entry in try rules.entries("rules") {
            let isGlob = entry.key.contains("*") || entry.key.contains("?")
            let key = isGlob ? entry.key : Self.canonicalHost(entry.key)
            if !isGlob {
                guard ReferenceGrammar.isValidDomain(key[...]), ReferenceGrammar.looksLikeDomain(key[...]) else {
                    throw RuleFileError(
                        "\"\(entry.key)\" is not a registry host", at: entry.keyLocation,
                        hint:
                            "keys are upstream hosts such as docker.io, quay.io or registry.local:5000 (or globs: *.azurecr.io, *)"
                    )
                }
                if let first = exact[key] {
                    throw RuleFileError(
                        "\"\(entry.key)\" is the same registry as \"\(first.key)\"", at: entry.keyLocation,
                        hint: "keep one; docker.io, index.docker.io and registry-1.docker.io are all Docker Hub")
                }
            }
            let rule = Rule(key: entry.key, target: try CacheTarget(decoding: entry.value, upstream: key))
            if isGlob { globs.append((Glob(entry.key), rule)) } else { exact[key] = rule }
            targets.append(rule.target)
        }
        self.exact = exact
        self.globs = globs
        self.targets = targets
    }

    public func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult {
        let reference = image.reference
        // `foo_bar.com/x` normalizes with no domain (its first component is no valid host): no registry to cache.
        guard !reference.domain.isEmpty else { return .noMatch("\(reference.name) names no registry host") }
        let host = Self.canonicalHost(reference.domain)
        let name = host + "/" + reference.path
        if let target = targets.first(where: { host == $0.host && (name + "/").hasPrefix($0.namePrefix) }) {
            return .noMatch("already named by the cache \(target.namePrefix.dropLast())")
        }
        if let glob = exclude.first(where: { $0.matches(name) }) { return .noMatch("excluded by \(glob)") }
        guard let rule = exact[host] ?? globs.first(where: { $0.glob.matches(host) })?.rule else {
            // Most images miss; the reason is read only by `explain` (`context.explaining`), so build it only then.
            return .noMatch(context.explaining ? "no cache for \(host)" : nil)
        }
        switch rule.target.name(for: reference, upstreamHost: host) {
        case .success(let cached):
            return .rewrite(to: cached, rule: rule.key, detail: Self.describe(rule.target))
        case .failure(let problem):
            return .noMatch("the host \(problem.host) cannot be written as a path component of \(rule.target.host)")
        }
    }

    /// Docker Hub has several names; images and keys are compared under the one normalization uses.
    static func canonicalHost(_ host: String) -> String {
        switch host {
        case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com": "docker.io"
        default: host
        }
    }

    static func describe(_ target: CacheTarget) -> String {
        switch target.style {
        case .ecr: target.prefix.isEmpty ? "ECR pull-through cache (ROOT)" : "ECR pull-through cache \(target.prefix)"
        case .harbor: "Harbor proxy-cache project \(target.prefix)"
        case .hostPath: "cache \(target.namePrefix.dropLast()) by upstream host"
        }
    }
}
