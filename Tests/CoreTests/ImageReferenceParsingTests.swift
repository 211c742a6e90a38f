import ReplacerCore
import Testing

/// A string `init(parsing:)` accepts, with the parts it must yield.
struct ParsedReferenceCase: Sendable, CustomTestStringConvertible {
    let input: String
    let domain: String
    let path: String
    let tag: String?
    let digest: String?

    init(_ input: String, domain: String = "", path: String, tag: String? = nil, digest: String? = nil) {
        self.input = input
        self.domain = domain
        self.path = path
        self.tag = tag
        self.digest = digest
    }

    var testDescription: String {
        input.utf8.count > 70 ? String(input.prefix(50)) + "…(\(input.utf8.count) bytes)" : input
    }

    static let all: [ParsedReferenceCase] = [
        // No domain: Parse does not normalize.
        ParsedReferenceCase("nginx", path: "nginx"),
        ParsedReferenceCase("a", path: "a"),
        ParsedReferenceCase("0", path: "0"),
        ParsedReferenceCase("test_com", path: "test_com"),
        ParsedReferenceCase("nginx:1.25", path: "nginx", tag: "1.25"),
        ParsedReferenceCase("lowercase:Uppercase", path: "lowercase", tag: "Uppercase"),
        // Without a "/", a host:port reads as name:tag.
        ParsedReferenceCase("test.com:tag", path: "test.com", tag: "tag"),
        ParsedReferenceCase("test.com:5000", path: "test.com", tag: "5000"),
        ParsedReferenceCase("localhost:5000", path: "localhost", tag: "5000"),
        ParsedReferenceCase("foo_bar.com:8080", path: "foo_bar.com", tag: "8080"),
        ParsedReferenceCase("192.168.1.1", path: "192.168.1.1"),
        ParsedReferenceCase("192.168.1.1:5000", path: "192.168.1.1", tag: "5000"),
        // Any valid host before the first "/" is the domain, even without "." or ":".
        ParsedReferenceCase("foo/bar", domain: "foo", path: "bar"),
        ParsedReferenceCase("foo/foo_bar.com:8080", domain: "foo", path: "foo_bar.com", tag: "8080"),
        ParsedReferenceCase("Foo/bar", domain: "Foo", path: "bar"),
        ParsedReferenceCase("docker/stevvooe/app", domain: "docker", path: "stevvooe/app"),
        // ... but not a component with "_", which only a path allows.
        ParsedReferenceCase("test_com/foo", path: "test_com/foo"),
        ParsedReferenceCase("do__cker/docker", path: "do__cker/docker"),
        ParsedReferenceCase("test.com/repo:tag", domain: "test.com", path: "repo", tag: "tag"),
        ParsedReferenceCase("test:5000/repo", domain: "test:5000", path: "repo"),
        ParsedReferenceCase("test:5000/repo:tag", domain: "test:5000", path: "repo", tag: "tag"),
        ParsedReferenceCase(
            "test:5000/repo@" + ReferenceFixture.sha256, domain: "test:5000", path: "repo",
            digest: ReferenceFixture.sha256),
        ParsedReferenceCase(
            "test:5000/repo:tag@" + ReferenceFixture.sha256, domain: "test:5000", path: "repo", tag: "tag",
            digest: ReferenceFixture.sha256),
        ParsedReferenceCase("localhost/foo", domain: "localhost", path: "foo"),
        ParsedReferenceCase("localhost:5000/foo/bar:1", domain: "localhost:5000", path: "foo/bar", tag: "1"),
        ParsedReferenceCase(
            "sub-dom1.foo.com/bar/baz/quux:some-long-tag", domain: "sub-dom1.foo.com", path: "bar/baz/quux",
            tag: "some-long-tag"),
        ParsedReferenceCase(
            "b.gcr.io/test.example.com/my-app:test.example.com", domain: "b.gcr.io", path: "test.example.com/my-app",
            tag: "test.example.com"),
        ParsedReferenceCase(
            "xn--n3h.com/myimage:xn--n3h.com", domain: "xn--n3h.com", path: "myimage", tag: "xn--n3h.com"),
        ParsedReferenceCase("Asdf.com/foo/bar", domain: "Asdf.com", path: "foo/bar"),
        ParsedReferenceCase(
            "registry.io/foo/project--id.module--name.ver---sion--name", domain: "registry.io",
            path: "foo/project--id.module--name.ver---sion--name"),
        ParsedReferenceCase(
            "example.com/some_separator__underscore/myimage", domain: "example.com",
            path: "some_separator__underscore/myimage"),
        ParsedReferenceCase("ghcr.io/org/app:v1.2.3", domain: "ghcr.io", path: "org/app", tag: "v1.2.3"),
        ParsedReferenceCase(
            "registry.k8s.io/pause@" + ReferenceFixture.pauseDigest, domain: "registry.k8s.io", path: "pause",
            digest: ReferenceFixture.pauseDigest),
        // IPv4 and bracketed IPv6 domains, with and without port.
        ParsedReferenceCase("192.168.1.1/repo", domain: "192.168.1.1", path: "repo"),
        ParsedReferenceCase("192.168.1.1:5000/repo:5050", domain: "192.168.1.1:5000", path: "repo", tag: "5050"),
        ParsedReferenceCase("[2001:db8::1]/repo", domain: "[2001:db8::1]", path: "repo"),
        ParsedReferenceCase(
            "[2001:db8:1:2:3:4:5:6]/repo:tag", domain: "[2001:db8:1:2:3:4:5:6]", path: "repo", tag: "tag"),
        ParsedReferenceCase("[2001:db8::]:5000/repo", domain: "[2001:db8::]:5000", path: "repo"),
        ParsedReferenceCase("[::1]:5000/repo", domain: "[::1]:5000", path: "repo"),
        ParsedReferenceCase(
            "[2001:db8::1]:5000/repo:tag@" + ReferenceFixture.sha256, domain: "[2001:db8::1]:5000", path: "repo",
            tag: "tag",
            digest: ReferenceFixture.sha256),
        // Digests: sha384 and sha512 count as registered, as in any TLS-linked Go binary.
        ParsedReferenceCase("nginx@" + ReferenceFixture.sha384, path: "nginx", digest: ReferenceFixture.sha384),
        ParsedReferenceCase("nginx@" + ReferenceFixture.sha512, path: "nginx", digest: ReferenceFixture.sha512),
        // A bare image ID is a valid name to Parse (only normalization refuses it).
        ParsedReferenceCase(ReferenceFixture.run(64, "a"), path: ReferenceFixture.run(64, "a")),
        // Boundaries: 255-byte path (domain not counted), 128-character tag.
        ParsedReferenceCase(
            "example.com/" + ReferenceFixture.run(255, "a"), domain: "example.com", path: ReferenceFixture.run(255, "a")
        ),
        ParsedReferenceCase(
            ReferenceFixture.run(127, "a") + "/" + ReferenceFixture.run(127, "b") + ":t",
            domain: ReferenceFixture.run(127, "a"),
            path: ReferenceFixture.run(127, "b"), tag: "t"),
        ParsedReferenceCase(
            "nginx:" + ReferenceFixture.run(128, "t"), path: "nginx", tag: ReferenceFixture.run(128, "t")),
        ParsedReferenceCase(
            "nginx:_" + ReferenceFixture.run(127, "-"), path: "nginx", tag: "_" + ReferenceFixture.run(127, "-")),
    ]
}

@Suite struct ImageReferenceParsingTests {
    @Test(arguments: ParsedReferenceCase.all)
    func parsesComponents(_ c: ParsedReferenceCase) throws {
        let reference = try ImageReference(parsing: c.input)
        #expect(reference.domain == c.domain)
        #expect(reference.path == c.path)
        #expect(reference.tag == c.tag)
        #expect(reference.digest == c.digest)
        #expect(reference.name == (c.domain.isEmpty ? c.path : c.domain + "/" + c.path))
        #expect(reference.description == c.input)
    }

    static let rejected: [RejectedReference] = [
        RejectedReference("", .emptyReference, at: 0),
        RejectedReference(":justtag", .invalidFormat, at: 0, "no name"),
        RejectedReference("@" + ReferenceFixture.sha256, .invalidFormat, at: 0, "digest without name"),
        RejectedReference("-foo", .invalidFormat, at: 0, "leading separator"),
        RejectedReference("foo-", .invalidFormat, at: 4, "trailing separator"),
        RejectedReference("foo..bar", .invalidFormat, at: 4),
        RejectedReference("foo___bar", .invalidFormat, at: 5, "at most two underscores"),
        RejectedReference("foo_-bar", .invalidFormat, at: 4),
        RejectedReference("foo//bar", .invalidFormat, at: 4, "empty component"),
        RejectedReference("foo/", .invalidFormat, at: 4),
        RejectedReference("aa/asdf$$^/aa", .invalidFormat, at: 7),
        RejectedReference("ngi nx", .invalidFormat, at: 3),
        RejectedReference("ngïnx", .invalidFormat, at: 2, "non-ASCII"),
        RejectedReference("foo\0bar", .invalidFormat, at: 3, "NUL byte"),
        RejectedReference("nginx:", .invalidFormat, at: 6, "empty tag"),
        RejectedReference("nginx:-x", .invalidFormat, at: 6),
        RejectedReference("foo:bar/baz", .invalidFormat, at: 7, "'/' in a tag"),
        RejectedReference("nginx:" + ReferenceFixture.run(129, "t"), .invalidFormat, at: 134, "129-character tag"),
        RejectedReference("test.com:http/bar", .invalidFormat, at: 13, "not a host:port, so \"http/bar\" is a tag"),
        RejectedReference("bad_hostname.com:8080/myapp:tag", .invalidFormat, at: 21),
        RejectedReference("[2001:db8::1]", .invalidFormat, at: 0, "IPv6 domain needs a path"),
        RejectedReference("[2001:db8::1]:5000", .invalidFormat, at: 0),
        RejectedReference("[fe80::1%eth0]:5000/repo", .invalidFormat, at: 0, "zone identifier"),
        RejectedReference("[", .invalidFormat, at: 0),
        RejectedReference("nginx@sha256", .invalidFormat, at: 12),
        RejectedReference("nginx@sha256:xyz", .invalidFormat, at: 13),
        RejectedReference("nginx@sha256:" + ReferenceFixture.run(31), .invalidFormat, at: 13, "under 32 hex digits"),
        RejectedReference("nginx@2bad:" + ReferenceFixture.run(64), .invalidFormat, at: 6),
        RejectedReference("Uppercase:tag", .nameContainsUppercase, at: 0),
        RejectedReference("Nginx:1.0", .nameContainsUppercase, at: 0),
        RejectedReference("test:5000/Uppercase/lowercase:tag", .nameContainsUppercase, at: 10),
        RejectedReference("fooBar", .nameContainsUppercase, at: 3),
        RejectedReference("\u{212A}ube", .nameContainsUppercase, at: 0, "KELVIN SIGN lowercases to 'k' in Go"),
        RejectedReference("example.com/" + ReferenceFixture.run(256, "a"), .nameTooLong, at: 267, "256-byte path"),
        RejectedReference("repo@sha256:" + ReferenceFixture.run(34), .invalidDigestLength, at: 12),
        RejectedReference("repo@sha256:" + ReferenceFixture.run(63), .invalidDigestLength, at: 12),
        RejectedReference("repo@sha256:" + ReferenceFixture.run(65), .invalidDigestLength, at: 12),
        RejectedReference("repo@sha512:" + ReferenceFixture.run(64), .invalidDigestLength, at: 12),
        RejectedReference("repo@sha256:" + ReferenceFixture.run(64, "F"), .invalidDigest, at: 12, "uppercase hex"),
        RejectedReference("repo@SHA256:" + ReferenceFixture.run(64), .invalidDigest, at: 5, "uppercase algorithm"),
        RejectedReference("validname@invaliddigest:" + ReferenceFixture.run(64), .unsupportedDigestAlgorithm, at: 10),
        RejectedReference("repo@md5:" + ReferenceFixture.run(32), .unsupportedDigestAlgorithm, at: 5),
    ]

    @Test(arguments: rejected)
    func rejectsWithKindAndOffset(_ c: RejectedReference) throws {
        let error = try #require(
            capturedReferenceError { () throws(ReferenceError) in try ImageReference(parsing: c.input) })
        #expect(error.kind == c.expected.kind)
        #expect(error.offset == c.expected.offset)
        #expect(error.input == c.input)
    }

    /// Upstream checks the grammar first, then the path length, then the digest.
    @Test func reportsErrorsInUpstreamOrder() {
        let longAndBadDigest =
            "example.com/" + ReferenceFixture.run(256, "a") + "@sha256:abc" + ReferenceFixture.run(29)
        #expect(
            capturedReferenceError { () throws(ReferenceError) in try ImageReference(parsing: longAndBadDigest) }?.kind
                == .nameTooLong)
        let badFormatAndLong = ReferenceFixture.run(300, "a") + ":-"
        #expect(
            capturedReferenceError { () throws(ReferenceError) in try ImageReference(parsing: badFormatAndLong) }?.kind
                == .invalidFormat)
        let uppercaseAndBadDigest = "Repo@sha256:" + ReferenceFixture.run(10)
        #expect(
            capturedReferenceError { () throws(ReferenceError) in try ImageReference(parsing: uppercaseAndBadDigest) }?
                .kind
                == .invalidFormat)
    }

    /// The digest value is checked eight bytes at a time; a bad byte must be found wherever it
    /// falls relative to those blocks.
    static let digestDefects: [(Character, ReferenceError.Kind)] = [
        ("A", .invalidDigest), ("g", .invalidFormat), ("/", .invalidFormat),
    ]

    @Test(arguments: digestDefects)
    func digestDefectAtEveryPosition(_ replacement: Character, _ kind: ReferenceError.Kind) throws {
        let prefix = "registry.k8s.io/pause@sha256:"
        for position in 0..<64 {
            var hex = Array(ReferenceFixture.run(64, "e"))
            hex[position] = replacement
            let input = prefix + String(hex)
            let error = try #require(
                capturedReferenceError { () throws(ReferenceError) in try ImageReference(parsing: input) })
            #expect(error.kind == kind, "position \(position)")
            #expect(error.offset == prefix.utf8.count + position, "position \(position)")
        }
        let nonASCII = prefix + ReferenceFixture.run(20, "a") + "é" + ReferenceFixture.run(43, "a")
        #expect(
            capturedReferenceError { () throws(ReferenceError) in try ImageReference(parsing: nonASCII) }?.offset == 49)
    }

    @Test func tagAndDigestTogether() throws {
        let reference = try ImageReference(parsing: "busybox:latest@" + ReferenceFixture.pauseDigest)
        #expect(reference.tag == "latest")
        #expect(reference.digest == ReferenceFixture.pauseDigest)
    }
}
