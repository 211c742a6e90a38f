import ReplacerCore
import Testing

/// Messages must say what is wrong, where, and how to fix it.
@Suite struct ReferenceErrorTests {
    private func parseError(_ input: String) throws -> ReferenceError {
        try #require(capturedReferenceError { () throws(ReferenceError) in try ImageReference(parsing: input) })
    }

    @Test func uppercaseSuggestsTheLowercaseName() throws {
        let error = try parseError("Nginx:1.0")
        #expect(
            error.description
                == #"invalid reference "Nginx:1.0": repository name must be lowercase (at byte 0); write "nginx:1.0""#)
    }

    @Test func uppercaseSuggestionKeepsTheTag() throws {
        let error = try parseError("ghcr.io/Org/App:V1")
        #expect(error.offset == 8)
        #expect(error.description.hasSuffix(#"write "ghcr.io/org/app:V1""#))
    }

    @Test func normalizedUppercaseAlgorithmSuggestsLowercasingIt() throws {
        let error = try #require(
            capturedReferenceError { () throws(ReferenceError) in
                try ImageReference.normalized("repo@SHA256:" + ReferenceFixture.run(64))
            })
        #expect(error.description.hasSuffix(#"write "repo@sha256:"# + ReferenceFixture.run(64) + #"""#))
    }

    static let messageFragments: [(String, String)] = [
        ("aa/asdf$$^/aa", "'$' is not allowed in a repository path (at byte 7)"),
        ("foo//bar", "found '/' (at byte 4)"),
        ("nginx:", "found the end of the input (at byte 6)"),
        ("ngïnx", "U+00EF is not allowed in a repository path (at byte 2)"),
        ("foo\u{0}bar", "U+0000"),
        ("", "the reference is empty (at byte 0); name an image"),
        ("nginx:" + ReferenceFixture.run(129, "t"), "the tag is 129 characters long, more than 128"),
        (
            "repo@sha256:" + ReferenceFixture.run(63),
            "a sha256 digest has 64 hex digits, this one has 63 (at byte 12); copy the complete digest"
        ),
        (
            "repo@md5:" + ReferenceFixture.run(32),
            #"unsupported digest algorithm "md5" (at byte 5); use sha256, sha384 or sha512"#
        ),
        (
            "example.com/" + ReferenceFixture.run(256, "a"),
            "the repository path is 256 bytes long, more than 255 (at byte 267)"
        ),
    ]

    @Test(arguments: messageFragments)
    func saysWhatAndWhere(_ input: String, _ fragment: String) throws {
        let error = try parseError(input)
        #expect(error.description.contains(fragment), "\(error.description)")
        #expect(error.description.hasPrefix("invalid reference "))
    }

    @Test func controlCharactersAreEscapedAndLongInputsShortened() throws {
        let error = try parseError("foo\nbar")
        #expect(error.description.contains(#""foo\nbar""#))
        let long = try parseError(ReferenceFixture.run(5000, "a") + "!")
        #expect(long.description.utf8.count < 600)
        #expect(long.description.contains("(5001 bytes)"))
    }

    @Test func componentErrorsNameTheComponent() throws {
        let base = try ImageReference(parsing: "nginx")
        let tagError = try #require(capturedReferenceError { () throws(ReferenceError) in try base.withTag("-x") })
        #expect(tagError.description.hasPrefix(#"invalid tag "-x": "#))
        let digestError = try #require(
            capturedReferenceError { () throws(ReferenceError) in try base.withDigest("sha256:1") })
        #expect(digestError.description.hasPrefix(#"invalid digest "sha256:1": "#))
        let domainError = try #require(
            capturedReferenceError { () throws(ReferenceError) in try ImageReference(domain: "", path: "foo/bar") })
        #expect(domainError.description.contains(#""foo" would be read as the registry"#))
    }

    @Test func kindsHaveReadableNames() {
        #expect("\(ReferenceError.Kind.nameContainsUppercase)" == "nameContainsUppercase")
        #expect(ReferenceError.Kind.invalidFormat != .invalidTag)
    }
}
