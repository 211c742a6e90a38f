// docker's reading of "familiar" names (nginx → docker.io/library/nginx) and back.

extension ImageReference {
    /// Parses `string` the way docker and the kubelet read image names (upstream
    /// `ParseNormalizedNamed`). Does not add a default tag; see ``withDefaultTag()``.
    ///
    /// - The first "/"-separated component is the registry only if it contains "." or ":", is
    ///   "localhost", or has uppercase letters; otherwise the domain is "docker.io".
    /// - "index.docker.io" becomes "docker.io"; a single-component Docker Hub path gets "library/".
    /// - A bare 64-hex-digit string is refused (it is an image ID, not a name).
    /// - The rest is ``init(parsing:)``. One quirk carries over: a first component that looks like
    ///   a domain but isn't one ("my_host.com/app") yields domain "".
    ///
    /// Examples: "nginx" → docker.io/library/nginx; "foo/bar:1" → docker.io/foo/bar:1;
    /// "localhost/foo" and "Foo/bar" keep their domain.
    ///
    /// - Throws: ``ReferenceError``: `.emptyReference` for "" (upstream says invalid format),
    ///   `.identifierNotName`, `.nameContainsUppercase` when the repository part has uppercase
    ///   letters, or any error of ``init(parsing:)``.
    public static func normalized(_ string: String) throws(ReferenceError) -> ImageReference {
        switch ReferenceScanner.withBytes(of: string, { normalize(bytes: $0) }) {
        case .parsed(let reference): return reference
        case .failed(let problem, let offset): throw ReferenceError(problem, input: string, offset: offset)
        }
    }

    /// upstream `ParseDockerRef`: ``normalized(_:)``, then a reference with both tag and digest
    /// drops the tag (the digest decides what is pulled), and one with neither gets "latest".
    public static func dockerReference(_ string: String) throws(ReferenceError) -> ImageReference {
        let reference = try normalized(string)
        if reference.digest != nil {
            return ImageReference(unchecked: reference.domain, path: reference.path, tag: nil, digest: reference.digest)
        }
        return reference.withDefaultTag()
    }

    /// The name as docker prints it: Docker Hub's domain dropped, and "library/" dropped from
    /// single-level official images. docker.io/library/nginx → "nginx",
    /// docker.io/foo/bar → "foo/bar", docker.io/library/a/b → "library/a/b"; others unchanged.
    public var familiarName: String {
        guard domain == Self.dockerHubDomain else { return name }
        if path.hasPrefix(Self.officialNamespace) {
            let rest = path.utf8.dropFirst(Self.officialNamespace.utf8.count)
            if !rest.contains(ReferenceScanner.ASCII.slash) { return String(Substring(rest)) }
        }
        return path
    }

    /// ``familiarName`` with tag and digest: docker.io/library/nginx:1.25 → "nginx:1.25".
    public var familiarString: String {
        var result = familiarName
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

    /// Adds tag "latest" only when there is neither tag nor digest (upstream `TagNameOnly`).
    public func withDefaultTag() -> ImageReference {
        guard tag == nil, digest == nil else { return self }
        return ImageReference(unchecked: domain, path: path, tag: "latest", digest: nil)
    }

    /// Whether ``normalized(_:)`` of ``description`` returns this value unchanged, i.e. the
    /// domain is explicit and in docker's canonical form: not "index.docker.io", "docker.io" only
    /// with a namespaced path, and otherwise a first component docker would read as a registry
    /// (so "foo/bar" parsed with domain "foo" is not normalized: docker reads it as Docker Hub).
    /// An empty domain is normalized only in the quirk case ``normalized(_:)`` itself produces.
    public var isNormalized: Bool {
        if domain.isEmpty {
            // Only "x_y.z/…"-style paths: docker takes the first component for a host, Parse
            // rejects it as one, and the result keeps domain "".
            guard let slash = path.utf8.firstIndex(of: ReferenceScanner.ASCII.slash) else { return false }
            return path.utf8[..<slash].contains(ReferenceScanner.ASCII.dot)
        }
        switch domain {
        case Self.dockerHubDomain: return path.utf8.contains(ReferenceScanner.ASCII.slash)
        case Self.legacyDockerHubDomain: return false
        default: return ReferenceGrammar.looksLikeDomain(domain[...])
        }
    }
}
