// The byte-level drivers behind `init(parsing:)` and `normalized(_:)`: they run the scanner,
// apply upstream's checks in upstream's order (grammar, lowercase retry, path length, digest
// rules) and only then allocate the component strings.

extension ImageReference {
    enum ParseOutcome {
        case parsed(ImageReference)
        case failed(ReferenceProblem, at: Int)
    }

    // Computed literals rather than stored statics: no lazy-initialization check on the hot path.

    /// Docker Hub's canonical domain.
    static var dockerHubDomain: String { "docker.io" }
    /// Docker Hub's legacy domain, which normalization maps to ``dockerHubDomain``.
    static var legacyDockerHubDomain: String { "index.docker.io" }
    /// The namespace of Docker Hub's official images.
    static var officialNamespace: String { "library/" }

    /// upstream `Parse`.
    static func parse(bytes b: ReferenceScanner.Bytes) -> ParseOutcome {
        guard !b.isEmpty else { return .failed(.empty, at: 0) }
        return parse(bytes: b, from: 0, impliedDomain: nil, libraryPrefix: false)
    }

    /// upstream `WithName`: a name without tag or digest, no lowercase retry.
    static func parseName(bytes b: ReferenceScanner.Bytes) -> ParseOutcome {
        parse(bytes: b, from: 0, impliedDomain: nil, libraryPrefix: false, nameOnly: true)
    }

    /// upstream `ParseNormalizedNamed`, except that "" is `.empty` rather than a format error.
    ///
    /// Upstream splits off a docker domain, rebuilds `domain + "/" + remainder` and parses that.
    /// We parse the remainder in place instead, so error offsets stay offsets into the input:
    /// when the domain came from the input the rebuilt string *is* the input; when it is Docker
    /// Hub, the rebuilt string's domain is fixed and only the remainder needs scanning.
    static func normalize(bytes b: ReferenceScanner.Bytes) -> ParseOutcome {
        guard !b.isEmpty else { return .failed(.empty, at: 0) }
        if ReferenceScanner.isIdentifier(b) { return .failed(.identifier, at: 0) }

        var remainderStart = 0
        var onDockerHub = true
        if let slash = ReferenceScanner.firstIndex(of: ReferenceScanner.ASCII.slash, in: b, from: 0) {
            if ReferenceScanner.equals(b, 0, slash, "docker.io")
                || ReferenceScanner.equals(b, 0, slash, "index.docker.io")
            {
                remainderStart = slash + 1
            } else if ReferenceScanner.looksLikeDomain(b, 0, slash) {
                onDockerHub = false
                remainderStart = slash + 1
            }
        }

        // Upstream's own check: the remote name (remainder up to its first ":") must be lowercase.
        let remoteEnd =
            ReferenceScanner.firstIndex(of: ReferenceScanner.ASCII.colon, in: b, from: remainderStart) ?? b.count
        if let offset = ReferenceScanner.firstUppercase(b, remainderStart, remoteEnd) {
            return .failed(.uppercase, at: offset)
        }

        guard onDockerHub else { return parse(bytes: b) }
        let singleComponent =
            ReferenceScanner.firstIndex(of: ReferenceScanner.ASCII.slash, in: b, from: remainderStart) == nil
        return parse(bytes: b, from: remainderStart, impliedDomain: dockerHubDomain, libraryPrefix: singleComponent)
    }

    /// Scans `b[start...]` and builds the reference.
    ///
    /// - Parameters:
    ///   - impliedDomain: the domain when normalization supplied it; nil detects a domain in the input.
    ///   - libraryPrefix: prepend "library/" to the path (it counts toward the length limit).
    private static func parse(
        bytes b: ReferenceScanner.Bytes, from start: Int, impliedDomain: String?, libraryPrefix: Bool,
        nameOnly: Bool = false
    ) -> ParseOutcome {
        let detectDomain = impliedDomain == nil
        let layout: ReferenceScanner.Layout
        switch ReferenceScanner.scan(b, from: start, detectDomain: detectDomain, nameOnly: nameOnly) {
        case .matched(let matched):
            layout = matched
        case .failed(let problem, let offset):
            if !nameOnly, ReferenceScanner.matchesWhenLowercased(b, from: start, detectDomain: detectDomain) {
                return .failed(.uppercase, at: offset)
            }
            return .failed(problem, at: offset)
        }

        let prefixLength = libraryPrefix ? officialNamespace.utf8.count : 0
        let pathLength = layout.pathEnd - layout.pathStart + prefixLength
        if pathLength > ReferenceGrammar.maximumPathLength {
            return .failed(
                .nameTooLong(length: pathLength),
                at: layout.pathStart + ReferenceGrammar.maximumPathLength - prefixLength)
        }
        if layout.hasDigest,
            let (problem, offset) = ReferenceScanner.checkDigestRules(
                b, algorithmStart: layout.digestStart, colon: layout.digestColon, end: layout.digestEnd,
                uppercaseHex: layout.digestUppercaseHex)
        {
            return .failed(problem, at: offset)
        }

        let domain = impliedDomain ?? (layout.domainEnd > start ? text(b, start, layout.domainEnd) : "")
        var path = text(b, layout.pathStart, layout.pathEnd)
        if libraryPrefix { path = officialNamespace + path }
        return .parsed(
            ImageReference(
                unchecked: domain,
                path: path,
                tag: layout.hasTag ? text(b, layout.tagStart, layout.tagEnd) : nil,
                digest: layout.hasDigest ? text(b, layout.digestStart, layout.digestEnd) : nil))
    }

    @inline(__always)
    private static func text(_ b: ReferenceScanner.Bytes, _ lo: Int, _ hi: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self)
    }
}

extension ReferenceScanner {
    /// Runs `body` on the UTF-8 bytes of `string`, without copying when the storage is contiguous
    /// (always, for native Swift strings).
    @inline(__always)
    static func withBytes<R>(of string: String, _ body: (Bytes) -> R) -> R {
        if let result = string.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = string
        return copy.withUTF8(body)
    }

    @inline(__always)
    static func withBytes<R>(of string: Substring, _ body: (Bytes) -> R) -> R {
        if let result = string.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = String(string)
        return copy.withUTF8(body)
    }
}
