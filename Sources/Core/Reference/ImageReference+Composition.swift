// Replacing the tag or digest of an existing reference (upstream WithTag / WithDigest).

extension ImageReference {
    /// A copy with `tag` as its tag (keeping any digest); nil removes the tag.
    ///
    /// - Throws: ``ReferenceError`` of kind `.invalidTag`, with `input` the tag.
    public func withTag(_ tag: String?) throws(ReferenceError) -> ImageReference {
        if let tag, let (problem, offset) = ReferenceGrammar.tagProblem(tag[...]) {
            throw ReferenceError(.invalidTag, problem, input: tag, offset: offset, subject: .tag)
        }
        return ImageReference(unchecked: domain, path: path, tag: tag, digest: digest)
    }

    /// A copy with `digest` as its digest (keeping any tag); nil removes the digest.
    ///
    /// Stricter than upstream `WithDigest`, which checks only the grammar (so it accepts
    /// "sha256:" + 37 hex digits): the digest must also satisfy go-digest's algorithm rules, so
    /// that the result is something `Parse` — and so the container runtime — accepts.
    ///
    /// - Throws: ``ReferenceError`` with `input` the digest: `.invalidDigest` (malformed,
    ///   uppercase algorithm or hex), `.invalidDigestLength`, or `.unsupportedDigestAlgorithm`.
    public func withDigest(_ digest: String?) throws(ReferenceError) -> ImageReference {
        if let digest, let (problem, offset) = ReferenceGrammar.digestProblem(digest[...]) {
            throw ReferenceError(
                ReferenceGrammar.standaloneDigestKind(problem), problem, input: digest, offset: offset,
                subject: .digest)
        }
        return ImageReference(unchecked: domain, path: path, tag: tag, digest: digest)
    }
}
