import Metrics
import NIOCore
import ReplacerCore
import ReplacerRegistry

/// `digest`: pins tags to the digest they name at admission time, so the kubelet pulls exactly what was admitted.
///
/// Resolves `repo:tag` against the registry the image names when the stage runs (after a mirror stage: what the
/// mirror serves), or with `resolveFrom: original` against the registry the pod spec named (pin what the upstream
/// publishes and pull those bytes from the mirror, so a mirror cannot substitute content). A tag naming an index
/// pins the index. Images that already carry a digest are left alone.
///
/// ```yaml
/// - name: pin
///   matcher: digest
///   options:
///     repositories: ["docker.io/library/*"]
///     timeout: 2s
///     onError: keep        # or deny
/// ```
public struct DigestMatcher: ConfigurableMatcher {
    public static let id = "digest"

    let options: DigestOptions
    let client: RegistryClient
    let cache: DigestCache
    let stage: String
    /// `k8s_image_replacer_digest_lookups_total` by result, made once: a metric object per admission would cost
    /// more than the cache hit it counts.
    let lookups: [DigestCache.Source: Counter]
    let lookupErrors: Counter

    public init(configuration: MatcherConfiguration) throws {
        options = try DigestOptions(configuration)
        client = RegistryClient(configuration: options.client)
        cache = DigestCache(ttl: options.cacheTTL, failureTTL: options.failureTTL, capacity: options.cacheSize)
        stage = configuration.stageName
        let label = "k8s_image_replacer_digest_lookups_total"
        var lookups: [DigestCache.Source: Counter] = [:]
        for source in [DigestCache.Source.hit, .miss, .shared] {
            lookups[source] = Counter(
                label: label, dimensions: [("stage", stage), ("result", source.rawValue)],
                factory: configuration.metrics)
        }
        self.lookups = lookups
        lookupErrors = Counter(
            label: label, dimensions: [("stage", stage), ("result", "error")], factory: configuration.metrics)
    }

    public func shutdown() async {
        await client.shutdown()
    }

    public func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult {
        let current = image.reference
        guard current.digest == nil else { return .noMatch("already pinned by digest") }
        var source = current
        if options.resolveFrom == .original, let original = context.originalImage,
            let parsed = try? ImageReference.normalized(original)
        {
            source = parsed
        }
        guard !source.domain.isEmpty else {
            // `foo_bar.com/x`: its first component is no valid host, so upstream reads it all as a path and there is
            // no registry to ask: the image cannot be pinned, which `onError: deny` says must stop the pod.
            let reason = "\(source.name) names no registry host, so there is no registry to resolve its tag"
            if options.onError == .deny { return .deny("cannot pin \(source): \(reason)", rule: "digest") }
            return .noMatch(reason)
        }
        if !options.repositories.isEmpty {
            let name = source.name
            if !options.repositories.contains(where: { $0.matches(name) }) {
                return .noMatch("\(name) is not in options.repositories")
            }
        }
        let tag = source.tag ?? "latest"
        // One allocation: this is the cache-hit path every admission after the first takes.
        let key = "\(source.domain)/\(source.path):\(tag)"
        let deadline = NIODeadline.now() + .nanoseconds(Self.nanoseconds(options.timeout))
        let (host, repository, client) = (source.domain, source.path, self.client)
        let result: Result<String, RegistryError>
        let origin: DigestCache.Source
        if let cached = cache.cached(key) {
            (result, origin) = (cached, .hit)
        } else {
            (result, origin) = await cache.value(for: key) {
                do throws(RegistryError) {
                    return .success(
                        try await client.resolveDigest(host: host, repository: repository, tag: tag, deadline: deadline)
                    )
                } catch {
                    return .failure(error)
                }
            }
        }
        switch result {
        case .success(let digest):
            lookups[origin]?.increment()
            return .rewrite(
                to: pinned(image, digest: digest), rule: "digest",
                detail: "\(key) is \(digest) (\(Self.describe(origin)))")
        case .failure(let error):
            lookupErrors.increment()
            switch options.onError {
            case .keep: throw DigestLookupError(message: "\(error); tag kept")
            case .deny: return .deny("cannot pin \(key) to a digest: \(error)", rule: "digest")
            }
        }
    }

    /// The image as written by the previous stage, with the digest added (and the tag kept or dropped). Only called
    /// for images without a digest, so the written string ends with the tag when there is one: the same tag the
    /// normalized reference has.
    func pinned(_ image: ImageInput, digest: String) -> String {
        let tag = image.reference.tag
        let name =
            tag.map { image.written.utf8.dropLast($0.utf8.count + 1) }.map { Substring($0) } ?? Substring(image.written)
        switch options.output {
        case .tagAndDigest: return "\(name):\(tag ?? "latest")@\(digest)"
        case .digest: return "\(name)@\(digest)"
        }
    }

    static func describe(_ origin: DigestCache.Source) -> String {
        switch origin {
        case .hit: "cache"
        case .miss: "registry"
        case .shared: "registry, shared with a concurrent admission"
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// A registry lookup failed under `onError: keep`; the pipeline keeps the image and warns.
struct DigestLookupError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
