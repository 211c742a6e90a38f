import ReplacerCore
import Testing

/// Properties over every valid case, garbage that must throw (never trap), and a randomized
/// comparison with the grammar written out as a regular expression.
@Suite struct ImageReferenceRoundTripTests {
    static let validInputs: [String] =
        ParsedReferenceCase.all.map(\.input) + NormalizedReferenceCase.all.map(\.input)
        + ["busybox:latest@" + ReferenceFixture.pauseDigest, "localhost:5000/a/b/c:x@" + ReferenceFixture.sha512]

    @Test(arguments: validInputs)
    func parseDescriptionParse(_ input: String) throws {
        let parsed = try ImageReference(parsing: input)
        #expect(parsed.description == input)
        #expect(try ImageReference(parsing: parsed.description) == parsed)
        #expect(
            try ImageReference(domain: parsed.domain, path: parsed.path, tag: parsed.tag, digest: parsed.digest)
                == parsed)
    }

    @Test(arguments: validInputs)
    func normalizedFormsAreStable(_ input: String) throws {
        guard let normalized = try? ImageReference.normalized(input) else { return }  // e.g. a bare image ID
        #expect(try ImageReference(parsing: normalized.description) == normalized)
        #expect(try ImageReference.normalized(normalized.description) == normalized)
        #expect(normalized.isNormalized)
        let parsed = try ImageReference(parsing: input)
        #expect(parsed.isNormalized == (parsed == normalized))
        #expect(parsed.withDefaultTag().withDefaultTag() == parsed.withDefaultTag())
    }

    static let garbage: [String] = [
        "", " ", "\0", "\u{0}nginx", "nginx\0", "nginx\n", "\u{FEFF}nginx", "nginx\u{200F}", "🐳", "🐳/🐳:🐳@🐳",
        "e\u{301}", "ИМЯ", "İstanbul", "[", "]", "[]", "[:", "[::1", "::1]", "[::1]/", "[::1]:/a", "@", ":", "/", "//",
        "/nginx", "nginx/", "nginx:", "nginx@", "nginx:@", ":@", "a:b:c", "a@b@c",
        "a@sha256:" + ReferenceFixture.run(64) + "@x",
        "a:" + ReferenceFixture.run(200, "t") + "@",
        "a@" + ReferenceFixture.run(300, "z") + ":" + ReferenceFixture.run(64),
        ReferenceFixture.run(100_000, "/"), ReferenceFixture.run(100_000, "a") + "/",
        ReferenceFixture.run(100_000, "-"),
        ReferenceFixture.run(100_000, "a"),
        ReferenceFixture.run(10_000, "[") + "]/a", "a/" + ReferenceFixture.run(10_000, "@"),
    ]

    @Test(arguments: garbage)
    func garbageThrowsEverywhere(_ input: String) {
        let parseError = capturedReferenceError { () throws(ReferenceError) in try ImageReference(parsing: input) }
        #expect(parseError != nil)
        #expect(capturedReferenceError { () throws(ReferenceError) in try ImageReference.normalized(input) } != nil)
        #expect(
            capturedReferenceError { () throws(ReferenceError) in try ImageReference.dockerReference(input) } != nil)
        if let parseError {
            #expect(parseError.offset >= 0 && parseError.offset <= input.utf8.count)
            #expect(!parseError.description.isEmpty)
        }
        // The predicates only need to not trap.
        _ = ReferenceGrammar.isValidDomain(input[...])
        _ = ReferenceGrammar.isValidPath(input[...])
        _ = ReferenceGrammar.isValidTag(input[...])
        _ = ReferenceGrammar.isValidDigest(input[...])
        _ = ReferenceGrammar.looksLikeDomain(input[...])
    }

    /// Random strings from grammar-shaped tokens: whatever `init(parsing:)` answers must equal what
    /// the literal regular expression plus upstream's extra rules answer.
    @Test func randomInputsAgreeWithTheRegexOracle() throws {
        let oracle = try ReferenceGrammarOracle()
        var random = ReferenceRandom(seed: 0x5EED_1234)
        var accepted = 0
        for _ in 0..<6_000 {
            let input = random.referenceLikeString()
            let expected = oracle.parse(input)
            let actual: Result<ImageReference, ReferenceError>
            do { actual = .success(try ImageReference(parsing: input)) } catch { actual = .failure(error) }
            switch (expected, actual) {
            case (.valid(let e), .success(let a)):
                accepted += 1
                #expect(a == e, "\(input.debugDescription)")
                #expect(a.description == input)
            case (.rejected(let kind), .failure(let error)):
                #expect(error.kind == kind, "\(input.debugDescription): \(error)")
                #expect(error.offset >= 0 && error.offset <= input.utf8.count)
            default:
                Issue.record("\(input.debugDescription): oracle \(expected), parser \(actual)")
            }
            if let normalized = try? ImageReference.normalized(input) {
                #expect(normalized.isNormalized, "\(input.debugDescription)")
                #expect(try ImageReference(parsing: normalized.description) == normalized)
            }
        }
        #expect(accepted > 500, "the generator should produce plenty of valid references")
    }
    /// `normalized(_:)` parses the remainder in place to keep error offsets in the input; it must
    /// decide exactly like upstream's literal steps: split, rebuild the string, parse that.
    @Test func normalizedAgreesWithTheLiteralAlgorithm() {
        var random = ReferenceRandom(seed: 0xD0C_4E12)
        for _ in 0..<6_000 {
            let input = random.referenceLikeString()
            let actual: Result<ImageReference, ReferenceError>
            do { actual = .success(try ImageReference.normalized(input)) } catch { actual = .failure(error) }
            switch (literalNormalize(input), actual) {
            case (.valid(let e), .success(let a)):
                #expect(a == e, "\(input.debugDescription)")
            case (.rejected(let kind), .failure(let a)):
                #expect(a.kind == kind, "\(input.debugDescription): \(a)")
            case (let e, let a):
                Issue.record("\(input.debugDescription): literal \(e), normalized \(a)")
            }
        }
    }

    private func literalNormalize(_ s: String) -> ReferenceGrammarOracle.Outcome {
        if s.isEmpty { return .rejected(.emptyReference) }  // our documented deviation
        if s.utf8.count == 64, s.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) {
            return .rejected(.identifierNotName)
        }
        var domain = "docker.io"
        var remainder = s
        if let slash = s.firstIndex(of: "/") {
            let first = String(s[..<slash])
            let rest = String(s[s.index(after: slash)...])
            if first == "index.docker.io" {
                remainder = rest
            } else if first == "localhost" || first.contains(".") || first.contains(":") || first.lowercased() != first
            {
                domain = first
                remainder = rest
            }
        }
        if domain == "docker.io", !remainder.contains("/") { remainder = "library/" + remainder }
        let remote = remainder.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)[0]
        if remote.lowercased() != remote { return .rejected(.nameContainsUppercase) }
        do { return .valid(try ImageReference(parsing: domain + "/" + remainder)) } catch {
            return .rejected(error.kind)
        }
    }
}

/// distribution/reference's grammar as a Swift regex, with upstream's post-match rules: the
/// lowercase retry, the 255-byte path limit and go-digest's algorithm checks.
struct ReferenceGrammarOracle {
    let reference: Regex<AnyRegexOutput>
    let name: Regex<AnyRegexOutput>

    init() throws {
        let label = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
        let host = "(?:\(label)(?:\\.\(label))*|\\[[a-fA-F0-9:]+\\])"
        let domain = "\(host)(?::[0-9]+)?"
        let component = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
        let path = "\(component)(?:/\(component))*"
        let tag = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
        let digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}"
        reference = try Regex("((?:\(domain)/)?\(path))(?::(\(tag)))?(?:@(\(digest)))?").matchingSemantics(
            .unicodeScalar)
        name = try Regex("(?:(\(domain))/)?(\(path))").matchingSemantics(.unicodeScalar)
    }

    enum Outcome {
        case valid(ImageReference)
        case rejected(ReferenceError.Kind)
    }

    func parse(_ input: String) -> Outcome {
        if input.isEmpty { return .rejected(.emptyReference) }
        guard let match = try? reference.wholeMatch(in: input) else {
            // Go lowercases with simple case mapping; the generator avoids letters where that
            // differs from Swift's full mapping.
            let lowered = input.lowercased()
            if lowered != input, (try? reference.wholeMatch(in: lowered)) != nil {
                return .rejected(.nameContainsUppercase)
            }
            return .rejected(.invalidFormat)
        }
        let fullName = String(match.output[1].substring!)
        let tag = match.output[2].substring.map(String.init)
        let digest = match.output[3].substring.map(String.init)
        let split = try! name.wholeMatch(in: fullName)!
        let domain = split.output[1].substring.map(String.init) ?? ""
        let path = String(split.output[2].substring!)
        if path.utf8.count > 255 { return .rejected(.nameTooLong) }
        if let digest, let kind = Self.digestRuleViolation(digest) { return .rejected(kind) }
        return .valid(try! ImageReference(domain: domain, path: path, tag: tag, digest: digest))
    }

    static func digestRuleViolation(_ digest: String) -> ReferenceError.Kind? {
        let parts = digest.split(separator: ":", maxSplits: 1)
        let algorithm = String(parts[0])
        let encoded = String(parts[1])
        let lengths = ["sha256": 64, "sha384": 96, "sha512": 128]
        guard let length = lengths[algorithm] else {
            return algorithm.lowercased() == algorithm ? .unsupportedDigestAlgorithm : .invalidDigest
        }
        if encoded.utf8.count != length { return .invalidDigestLength }
        return encoded.lowercased() == encoded ? nil : .invalidDigest
    }
}

/// Small deterministic PRNG so failures reproduce.
struct ReferenceRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static let tokens: [String] = [
        "a", "b", "z", "0", "9", "nginx", "library", "A", "Q", ".", "_", "__", "-", "--", "/", "/", "/", ":", ":", "@",
        "[", "]", "[::1]", "[fe80::1%eth0]", "localhost", "docker.io", "index.docker.io", "example.com", "5000",
        "x_y.z",
        "sha256:", "sha512:", "SHA256:", "md5:", ReferenceFixture.run(64), ReferenceFixture.run(32, "E"),
        ReferenceFixture.run(128, "0"),
        ReferenceFixture.run(63, "a"), "é", "\u{212A}", "\0", " ", "+", "latest", "v1.2",
        ReferenceFixture.run(120, "t"),
        ReferenceFixture.run(250, "p"),
    ]

    mutating func referenceLikeString() -> String {
        let count = Int.random(in: 0...9, using: &self)
        var result = ""
        for _ in 0..<count { result += Self.tokens.randomElement(using: &self)! }
        return result
    }
}
