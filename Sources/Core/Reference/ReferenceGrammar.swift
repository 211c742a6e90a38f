/// The pieces of the reference grammar, for validating strings that are not whole references,
/// such as a registry prefix "mirror.corp:5000" + "hub" in a rewrite rule.
///
/// All predicates work on ASCII bytes; any non-ASCII input is simply invalid.
public enum ReferenceGrammar {
    /// Upper bound on a repository path in bytes (the domain does not count).
    public static let maximumPathLength = 255
    /// Upper bound on a tag in bytes.
    public static let maximumTagLength = 128

    /// Whether `s` is `host[:port]`: dot-separated labels of letters (either case), digits and
    /// inner hyphens (which covers IPv4 and "localhost"), or an IPv6 address in brackets made of
    /// hex digits and colons (no zone), optionally followed by ":" and decimal digits.
    /// Port ranges and IPv6 structure are not checked, as upstream doesn't.
    public static func isValidDomain(_ s: Substring) -> Bool {
        ReferenceScanner.withBytes(of: s) { ReferenceScanner.isDomain($0, 0, $0.count) }
    }

    /// Whether `s` is one or more "/"-joined path components, each lowercase letters and digits
    /// separated by ".", "_", "__" or a run of "-". The 255-byte limit is not applied here; it
    /// applies to a reference's whole path.
    public static func isValidPath(_ s: Substring) -> Bool {
        pathProblem(s, checkLength: false) == nil
    }

    /// Whether `s` is a tag: a letter, digit or "_", then up to 127 letters, digits, "_", "." or "-".
    public static func isValidTag(_ s: Substring) -> Bool {
        tagProblem(s) == nil
    }

    /// Whether `s` is a digest a reference may carry: `algorithm:hex` per the grammar, and an
    /// algorithm of sha256, sha384 or sha512 with exactly 64, 96 or 128 lowercase hex digits.
    /// Grammatical digests with other algorithms are rejected, as ``ImageReference`` rejects them.
    public static func isValidDigest(_ s: Substring) -> Bool {
        digestProblem(s) == nil
    }

    /// docker's rule for whether the first "/"-separated component of a name is a registry host:
    /// it contains "." or ":", is "localhost", or has uppercase letters. This decides how
    /// ``ImageReference/normalized(_:)`` splits "foo/bar" (Docker Hub) from "foo.io/bar".
    /// It does not check that the component is a valid domain.
    public static func looksLikeDomain(_ component: Substring) -> Bool {
        ReferenceScanner.withBytes(of: component) { ReferenceScanner.looksLikeDomain($0, 0, $0.count) }
    }
}

// MARK: - Problem finders shared with ImageReference's validating initializers

extension ReferenceGrammar {
    /// The first problem in a standalone path, with its byte offset in `s`.
    static func pathProblem(_ s: Substring, checkLength: Bool = true) -> (ReferenceProblem, Int)? {
        ReferenceScanner.withBytes(of: s) { b -> (ReferenceProblem, Int)? in
            let problem: (ReferenceProblem, Int)
            switch ReferenceScanner.scanPath(b, from: 0) {
            case .ended(let end) where end == b.count:
                if checkLength, b.count > maximumPathLength {
                    return (.nameTooLong(length: b.count), maximumPathLength)
                }
                return nil
            case .ended(let end): problem = (.pathCharacter, end)
            case .failed(let found, let offset): problem = (found, offset)
            }
            if let lowered = ReferenceScanner.goLowercased(b),
                lowered.withUnsafeBufferPointer({ l in
                    if case .ended(let end) = ReferenceScanner.scanPath(l, from: 0) { return end == l.count }
                    return false
                })
            {
                return (.uppercase, problem.1)
            }
            return problem
        }
    }

    /// The first problem in a standalone tag, with its byte offset in `s`.
    static func tagProblem(_ s: Substring) -> (ReferenceProblem, Int)? {
        ReferenceScanner.withBytes(of: s) { b -> (ReferenceProblem, Int)? in
            switch ReferenceScanner.scanTag(b, from: 0) {
            case .ended(let end) where end == b.count: nil
            case .ended(let end): (.tagCharacter, end)
            case .failed(let problem, let offset): (problem, offset)
            }
        }
    }

    /// The first problem in a standalone digest (grammar, then algorithm rules).
    static func digestProblem(_ s: Substring) -> (ReferenceProblem, Int)? {
        ReferenceScanner.withBytes(of: s) { b -> (ReferenceProblem, Int)? in
            switch ReferenceScanner.scanDigest(b, from: 0) {
            case .failed(let problem, let offset): (problem, offset)
            case .ended(let colon, let uppercaseHex):
                ReferenceScanner.checkDigestRules(
                    b, algorithmStart: 0, colon: colon, end: b.count, uppercaseHex: uppercaseHex)
            }
        }
    }

    /// The kind for a digest problem when the digest was given on its own: grammar errors are
    /// upstream's `ErrDigestInvalidFormat`, algorithm rules keep go-digest's kinds.
    static func standaloneDigestKind(_ problem: ReferenceProblem) -> ReferenceError.Kind {
        switch problem.kind {
        case .invalidFormat: .invalidDigest
        default: problem.kind
        }
    }

    /// Whether `path` has a "/" and its first component is a valid domain, so that `path` on its
    /// own would parse with that component as the domain.
    static func firstComponentIsDomain(_ path: Substring) -> Bool {
        ReferenceScanner.withBytes(of: path) { b in
            guard let slash = ReferenceScanner.firstIndex(of: ReferenceScanner.ASCII.slash, in: b, from: 0) else {
                return false
            }
            return ReferenceScanner.isDomain(b, 0, slash)
        }
    }
}
