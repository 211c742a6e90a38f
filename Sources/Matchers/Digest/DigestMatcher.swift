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
public struct DigestMatcher: Matcher {
    public static let id = "digest"

    let options: DigestOptions
    let client: RegistryClient
    let cache: DigestCache
    let stage: String

    public init(configuration: MatcherConfiguration) throws {
        options = try DigestOptions(configuration)
        client = RegistryClient(configuration: options.client)
        cache = DigestCache(ttl: options.cacheTTL, failureTTL: options.failureTTL, capacity: options.cacheSize)
        stage = configuration.stageName
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
        let name = source.domain + "/" + source.path
        if !options.repositories.isEmpty && !options.repositories.contains(where: { $0.matches(name) }) {
            return .noMatch("\(name) is not in options.repositories")
        }
        let tag = source.tag ?? "latest"
        let key = name + ":" + tag
        let deadline = NIODeadline.now() + .nanoseconds(Self.nanoseconds(options.timeout))
        let (host, repository, client) = (source.domain, source.path, self.client)
        let (result, origin) = await cache.value(for: key) {
            do throws(RegistryError) {
                return .success(try await client.resolveDigest(host: host, repository: repository, tag: tag, deadline: deadline))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let digest):
            Counter(label: "k8s_image_replacer_digest_lookups_total", dimensions: [("stage", stage), ("result", origin.rawValue)]).increment()
            return .rewrite(to: try pinned(image, digest: digest), rule: "digest", detail: "\(key) is \(digest) (\(Self.describe(origin)))")
        case .failure(let error):
            Counter(label: "k8s_image_replacer_digest_lookups_total", dimensions: [("stage", stage), ("result", "error")]).increment()
            switch options.onError {
            case .keep: throw DigestLookupError(message: "\(error); tag kept")
            case .deny: return .deny("cannot pin \(key) to a digest: \(error)", rule: "digest")
            }
        }
    }

    /// The image as written by the previous stage, with the digest added (and the tag kept or dropped).
    func pinned(_ image: ImageInput, digest: String) throws -> String {
        let written = try ImageReference(parsing: image.written)
        switch options.output {
        case .tagAndDigest: return "\(written.name):\(written.tag ?? "latest")@\(digest)"
        case .digest: return "\(written.name)@\(digest)"
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
