import ReplacerMatchers
import Testing

@Suite struct PCRE2PatternTests {
    struct CompileFailure: Sendable, CustomStringConvertible {
        let pattern: String
        let message: String
        let offset: Int
        var description: String { pattern }
    }

    @Test(arguments: [
        CompileFailure(pattern: "^(abc", message: "missing closing parenthesis", offset: 5),
        CompileFailure(pattern: "[z-a]", message: "range out of order in character class", offset: 3),
        CompileFailure(pattern: "a)", message: "unmatched closing parenthesis", offset: 1),
        CompileFailure(pattern: "x{2,1}", message: "numbers out of order in {} quantifier", offset: 5),
        CompileFailure(pattern: "[[:foo:]]", message: "unknown POSIX class name", offset: 3),
        // Offsets are UTF-8 bytes: "é" is two bytes, so the missing ")" is reported at 4, not 3.
        CompileFailure(pattern: "^é(", message: "missing closing parenthesis", offset: 4),
        // \C could split a multibyte character, so it is forbidden at compile time.
        CompileFailure(pattern: #"a\Cb"#, message: "using \\C is disabled by the application", offset: 3),
    ])
    func compileErrorsCarryPCRE2MessageAndByteOffset(_ failure: CompileFailure) throws {
        let error = try #require(compileError(failure.pattern))
        #expect(error.code == .compileFailed)
        #expect(error.message == failure.message)
        #expect(error.patternOffset == failure.offset)
        #expect(error.pattern == failure.pattern)
        #expect(error.pcre2ErrorCode > 0)
    }

    @Test func compileErrorDescriptionPointsAtTheOffset() throws {
        let error = try #require(compileError("^(abc"))
        let lines = error.description.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4)
        #expect(lines[0].contains("missing closing parenthesis"))
        #expect(lines[0].contains("byte offset 5"))
        #expect(lines[1] == "  ^(abc")
        #expect(lines[2] == "       ^")
        #expect(lines[3].contains("fix"))
    }

    @Test func reportsCaptureCountGroupNamesAndJIT() throws {
        let pattern = try PCRE2Pattern(#"^(?<registry>[^/]+)/(?:x)?(?<repo>.+?)(:\w+)?$"#)
        #expect(pattern.captureCount == 3)
        #expect(pattern.groupNames == ["registry": 1, "repo": 2])
        #expect(pattern.isJITCompiled)  // libpcre2-dev on Debian/Ubuntu amd64 and arm64 ships with JIT.
        #expect(try !PCRE2Pattern("a", useJIT: false).isJITCompiled)
    }

    @Test(arguments: [true, false])
    func numberedAndNamedCaptures(useJIT: Bool) throws {
        let pattern = try PCRE2Pattern(#"^ghcr\.io/(?<org>[a-z0-9-]+)/(.+)$"#, useJIT: useJIT)
        let match = try #require(try pattern.firstMatch(in: "ghcr.io/acme/tools/kubectl:1.30"))
        #expect(match.wholeMatch == 0..<31)
        #expect(match[0] == "ghcr.io/acme/tools/kubectl:1.30")
        #expect(match[1] == "acme")
        #expect(match["org"] == "acme")
        #expect(match[2] == "tools/kubectl:1.30")
        #expect(match.range(of: 1) == 8..<12)
        #expect(match.range(named: "org") == 8..<12)
        #expect(match.range(of: 2) == 13..<31)
        // Out-of-range groups and unknown names are nil, not a crash.
        #expect(match[3] == nil)
        #expect(match[-1] == nil)
        #expect(match["nope"] == nil)
        #expect(try pattern.firstMatch(in: "docker.io/library/nginx") == nil)
    }

    @Test func oneBufferServesManyPatternsWithTheSameAnswers() throws {
        let patterns = try [
            #"^ghcr\.io/(?<org>[a-z0-9-]+)/(.+)$"#, #"^(a)?(b)?(c)?quay\.io/(.+)$"#, #"nginx"#, #"^(x)|(y)$"#,
        ].map { try PCRE2Pattern($0) }
        let subjects = ["ghcr.io/acme/tools/kubectl:1.30", "quay.io/prom/node", "docker.io/library/nginx", "y", ""]
        let buffer = try PCRE2MatchBuffer(capturesUpTo: patterns.map(\.captureCount).max() ?? 0, for: patterns[0])
        // Every pattern on every subject through the one buffer, in an order where a match with more groups is
        // followed by one with fewer: nothing of an earlier match may show through.
        for subject in subjects {
            for pattern in patterns {
                let shared = try pattern.firstMatch(in: subject, using: buffer)
                let own = try pattern.firstMatch(in: subject)
                #expect(shared?.wholeMatch == own?.wholeMatch, "\(pattern.pattern) on \(subject)")
                for group in 0...pattern.captureCount {
                    #expect(shared?.range(of: group) == own?.range(of: group), "group \(group) of \(pattern.pattern)")
                }
            }
        }
        #expect(try patterns[1].firstMatch(in: "quay.io/prom/node", using: buffer)?[4] == "prom/node")
        #expect(try patterns[3].firstMatch(in: "y", using: buffer)?.range(of: 1) == nil)
    }

    @Test func aBufferTooSmallForThePatternIsNotUsed() throws {
        let pattern = try PCRE2Pattern(#"^(?<registry>[^/]+)/(.+)$"#)
        let small = try PCRE2MatchBuffer(capturesUpTo: 0, for: pattern)
        #expect(small.pairs == 1)
        let match = try #require(try pattern.firstMatch(in: "quay.io/prom/node", using: small))
        #expect(match["registry"] == "quay.io")
        #expect(match[2] == "prom/node")
    }

    /// PCRE2 keeps the interpreter's frames in the buffer: frames grown under a large heap limit must not let a
    /// pattern with a small limit get further than it would alone.
    @Test func aBufferOfAnotherHeapLimitIsNotUsed() throws {
        var small = PCRE2Limits.default
        small.heapLimitKiB = 40
        let tight = try PCRE2Pattern(#"^(a|b)*c$"#, limits: small, useJIT: false)
        let roomy = try PCRE2Pattern(#"^(a|b)*c$"#, useJIT: false)
        let subject = String(repeating: "ab", count: 500) + "c"
        #expect(throws: PCRE2Error.self) { try tight.firstMatch(in: subject) }
        let grown = try PCRE2MatchBuffer(capturesUpTo: 1, for: roomy)
        #expect(try roomy.firstMatch(in: subject, using: grown) != nil)
        #expect(grown.heapLimitKiB != tight.limits.heapLimitKiB)
        #expect(throws: PCRE2Error.self) { try tight.firstMatch(in: subject, using: grown) }
    }

    @Test func nonParticipatingGroupsAreNilAndEmptyGroupsAreEmpty() throws {
        let pattern = try PCRE2Pattern(#"^([a-z]+)(?::(?<tag>[\w.]+))?(@sha256:[0-9a-f]+)?(x*)$"#)
        let match = try #require(try pattern.firstMatch(in: "nginx@sha256:abc"))
        #expect(match[1] == "nginx")
        #expect(match["tag"] == nil)
        #expect(match.range(of: 2) == nil)
        #expect(match[3] == "@sha256:abc")
        #expect(match[4] == "")  // Participated, matched nothing.
        #expect(match.range(of: 4) == 16..<16)
        // An unset group before a set one: the ovector has a hole, which must stay nil.
        let holes = try PCRE2Pattern("(a)|(b)")
        let second = try #require(try holes.firstMatch(in: "b"))
        #expect(second[1] == nil)
        #expect(second[2] == "b")
    }

    @Test func offsetsAreUTF8BytesInMultibyteSubjects() throws {
        // "é" is 2 bytes, "日本" 6 bytes, "🐳" 4 bytes.
        let subject = "registry.é/日本/🐳:v1"
        let pattern = try PCRE2Pattern(#"^registry\.(.)/(\p{Han}+)/(.):(v\d)$"#)
        let match = try #require(try pattern.firstMatch(in: subject))
        #expect(match[1] == "é")
        #expect(match.range(of: 1) == 9..<11)
        #expect(match[2] == "日本")
        #expect(match.range(of: 2) == 12..<18)
        #expect(match[3] == "🐳")
        #expect(match.range(of: 3) == 19..<23)
        #expect(match.range(of: 4) == 24..<26)
        #expect(match.wholeMatch == 0..<subject.utf8.count)
        // An unanchored match starting after multibyte text.
        let later = try #require(try PCRE2Pattern("v1").firstMatch(in: subject))
        #expect(later.wholeMatch == 24..<26)
        #expect(later.matchedText == "v1")
    }

    @Test func combiningMarksAreSeparateCodePoints() throws {
        // "e" + U+0301 is one Character but two code points; PCRE2's "." matches one code point.
        let subject = "e\u{301}x"
        let match = try #require(try PCRE2Pattern("^(.)(.)").firstMatch(in: subject))
        #expect(match[1] == "e")
        #expect(match[2] == "\u{301}")
        #expect(match.range(of: 2) == 1..<3)
    }

    @Test func emptySubjectsAndEmbeddedNULs() throws {
        #expect(try PCRE2Pattern("^$").firstMatch(in: "")?.wholeMatch == 0..<0)
        #expect(try PCRE2Pattern("a").firstMatch(in: "") == nil)
        let match = try #require(try PCRE2Pattern(#"b\x00(c)"#).firstMatch(in: "ab\u{0}c"))
        #expect(match.range(of: 1) == 3..<4)
        #expect(try PCRE2Pattern("").firstMatch(in: "x")?.wholeMatch == 0..<0)
    }

    @Test func caseInsensitiveOption() throws {
        let pattern = try PCRE2Pattern(#"^GHCR\.io/(\w+)"#, caseInsensitive: true)
        #expect(pattern.caseInsensitive)
        #expect(try pattern.firstMatch(in: "ghcr.IO/Acme")?[1] == "Acme")
        #expect(try PCRE2Pattern(#"^GHCR\.io/"#).firstMatch(in: "ghcr.io/") == nil)
    }

    @Test func duplicateNamesResolveToTheGroupThatParticipated() throws {
        let pattern = try PCRE2Pattern(#"(?J)^(?:(?<id>\d+)|x(?<id>[a-z]+))$"#)
        #expect(pattern.groupNames == ["id": 1])
        #expect(try pattern.firstMatch(in: "42")?["id"] == "42")
        #expect(try pattern.firstMatch(in: "xabc")?["id"] == "abc")
    }
}
