/// A container image reference, `[domain/]path[:tag][@digest]`, as distribution/reference
/// (docker, containerd, the kubelet) understands it.
///
/// Every value satisfies the grammar, and `ImageReference(parsing: r.description) == r`: there
/// is no way to build a value that reads back differently. Equality is component-wise and
/// literal (`nginx` and `docker.io/library/nginx` differ); compare ``normalized(_:)`` forms to
/// ask whether two strings name the same image.
public struct ImageReference: Hashable, Sendable, CustomStringConvertible {
    /// Registry host as written, with optional port: "docker.io", "localhost:5000", "[::1]:5000";
    /// "" when the string named no domain.
    public let domain: String
    /// Repository path below the domain, e.g. "library/nginx".
    public let path: String
    /// The tag without its ":", or nil.
    public let tag: String?
    /// "algorithm:encoded", e.g. "sha256:<64 hex>", or nil.
    public let digest: String?

    /// `domain/path`, or just `path` when there is no domain.
    public var name: String {
        domain.isEmpty ? path : domain + "/" + path
    }

    /// The reference as a string: `name[:tag][@digest]`. Parsing it gives back an equal value.
    public var description: String {
        var result = name
        if let tag {
            result += ":"
            result += tag
        }
        if let digest {
            result += "@"
            result += digest
        }
        return result
    }

    /// Parses `string` exactly as upstream `reference.Parse` does: no normalization, so "nginx"
    /// has domain "" and path "nginx".
    ///
    /// The text before the first "/" is the domain whenever it is a valid `host[:port]`, so
    /// "foo/bar" has domain "foo"; use ``normalized(_:)`` for docker's reading of familiar names.
    /// A digest must be sha256, sha384 or sha512 with the exact number of lowercase hex digits.
    ///
    /// - Throws: ``ReferenceError`` with kind `.emptyReference`, `.invalidFormat`,
    ///   `.nameContainsUppercase` (would be valid lowercased), `.nameTooLong` (path over 255 bytes),
    ///   `.invalidDigest`, `.invalidDigestLength` or `.unsupportedDigestAlgorithm`.
    public init(parsing string: String) throws(ReferenceError) {
        switch ReferenceScanner.withBytes(of: string, { Self.parse(bytes: $0) }) {
        case .parsed(let reference): self = reference
        case .failed(let problem, let offset): throw ReferenceError(problem, input: string, offset: offset)
        }
    }

    /// Builds a reference from its parts, validating each.
    ///
    /// `domain` may be "" only if the path's first component could not be read as a domain
    /// (otherwise the result would not parse back to itself): `domain: "", path: "foo/bar"` is
    /// rejected, `path: "nginx"` or `path: "my_org/app"` is fine.
    ///
    /// - Throws: ``ReferenceError`` whose `input` is the reference the parts spell and whose
    ///   `offset` points into it: `.invalidDomain`, `.invalidFormat`, `.nameContainsUppercase`
    ///   or `.nameTooLong` for the path, `.invalidTag`, or a digest kind.
    public init(domain: String, path: String, tag: String? = nil, digest: String? = nil) throws(ReferenceError) {
        if let error = Self.validate(domain: domain, path: path, tag: tag, digest: digest) {
            throw error
        }
        self.init(unchecked: domain, path: path, tag: tag, digest: digest)
    }

    /// For parts that are already known to be valid together.
    init(unchecked domain: String, path: String, tag: String?, digest: String?) {
        self.domain = domain
        self.path = path
        self.tag = tag
        self.digest = digest
    }
}

extension ImageReference {
    /// Checks memberwise parts; offsets refer to the reference string they spell.
    private static func validate(domain: String, path: String, tag: String?, digest: String?) -> ReferenceError? {
        let spelled = ImageReference(unchecked: domain, path: path, tag: tag, digest: digest).description
        let pathOffset = domain.isEmpty ? 0 : domain.utf8.count + 1
        let tagOffset = pathOffset + path.utf8.count + 1
        let digestOffset = tagOffset + (tag.map { $0.utf8.count + 1 } ?? 0)

        func failure(_ kind: ReferenceError.Kind, _ found: (ReferenceProblem, Int), at base: Int) -> ReferenceError {
            ReferenceError(kind, found.0, input: spelled, offset: base + found.1)
        }

        if !domain.isEmpty, !ReferenceGrammar.isValidDomain(domain[...]) {
            return ReferenceError(.invalidDomain, .domainInvalid, input: spelled, offset: 0)
        }
        if let found = ReferenceGrammar.pathProblem(path[...]) {
            return failure(found.0.kind, found, at: pathOffset)
        }
        if domain.isEmpty, ReferenceGrammar.firstComponentIsDomain(path[...]) {
            return ReferenceError(.invalidDomain, .domainlessPathStartsWithDomain, input: spelled, offset: 0)
        }
        if let tag, let found = ReferenceGrammar.tagProblem(tag[...]) {
            return failure(.invalidTag, found, at: tagOffset)
        }
        if let digest, let found = ReferenceGrammar.digestProblem(digest[...]) {
            return failure(ReferenceGrammar.standaloneDigestKind(found.0), found, at: digestOffset)
        }
        return nil
    }
}
