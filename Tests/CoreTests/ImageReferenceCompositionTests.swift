import ReplacerCore
import Testing

@Suite struct ImageReferenceCompositionTests {
    @Test func withTagReplacesAddsAndRemoves() throws {
        let plain = try ImageReference(parsing: "test.com:8000/foo")
        #expect(try plain.withTag("tag4").description == "test.com:8000/foo:tag4")
        #expect(try plain.withTag("TAG5").description == "test.com:8000/foo:TAG5")
        let tagged = try ImageReference(parsing: "foo:old")
        #expect(try tagged.withTag("new").description == "foo:new")
        #expect(try tagged.withTag(nil).description == "foo")
        let pinned = try ImageReference(parsing: "foo@" + ReferenceFixture.sha256)
        #expect(try pinned.withTag("v1").description == "foo:v1@" + ReferenceFixture.sha256, "keeps the digest")
        #expect(try plain.withTag(ReferenceFixture.run(128, "t")).tag?.utf8.count == 128)
    }

    @Test func withDigestReplacesAddsAndRemoves() throws {
        let tagged = try ImageReference(parsing: "test.com:8000/foo:latest")
        #expect(
            try tagged.withDigest(ReferenceFixture.sha256).description == "test.com:8000/foo:latest@"
                + ReferenceFixture.sha256)
        #expect(try tagged.withDigest(ReferenceFixture.sha512).digest == ReferenceFixture.sha512)
        let pinned = try ImageReference(parsing: "foo@" + ReferenceFixture.sha256)
        #expect(try pinned.withDigest(nil).description == "foo")
        #expect(try pinned.withDigest(ReferenceFixture.pauseDigest).digest == ReferenceFixture.pauseDigest)
    }

    static let rejectedTags: [RejectedReference] = [
        RejectedReference("-foo", .invalidTag, at: 0),
        RejectedReference("", .invalidTag, at: 0),
        RejectedReference("a b", .invalidTag, at: 1),
        RejectedReference("v1@sha", .invalidTag, at: 2),
        RejectedReference(ReferenceFixture.run(129, "t"), .invalidTag, at: 128),
    ]

    @Test(arguments: rejectedTags)
    func withTagRejects(_ c: RejectedReference) throws {
        let base = try ImageReference(parsing: "busybox")
        let error = try #require(capturedReferenceError { () throws(ReferenceError) in try base.withTag(c.input) })
        #expect(error.kind == c.expected.kind)
        #expect(error.offset == c.expected.offset)
        #expect(error.input == c.input, "the error names the tag, not the reference")
    }

    static let rejectedDigests: [RejectedReference] = [
        RejectedReference("foo", .invalidDigest, at: 3),
        RejectedReference("sha256:xyz", .invalidDigest, at: 7),
        RejectedReference("sha256:abc", .invalidDigest, at: 7, "grammar needs 32+ hex digits"),
        // Upstream WithDigest checks only the grammar; we also apply go-digest's rules so that
        // the result always parses.
        RejectedReference("sha256:" + ReferenceFixture.run(37), .invalidDigestLength, at: 7),
        RejectedReference("sha256:" + ReferenceFixture.run(64, "A"), .invalidDigest, at: 7),
        RejectedReference("SHA256:" + ReferenceFixture.run(64), .invalidDigest, at: 0),
        RejectedReference("md5:" + ReferenceFixture.run(32, "0"), .unsupportedDigestAlgorithm, at: 0),
    ]

    @Test(arguments: rejectedDigests)
    func withDigestRejects(_ c: RejectedReference) throws {
        let base = try ImageReference(parsing: "busybox")
        let error = try #require(capturedReferenceError { () throws(ReferenceError) in try base.withDigest(c.input) })
        #expect(error.kind == c.expected.kind)
        #expect(error.offset == c.expected.offset)
        #expect(error.input == c.input)
    }

    @Test func memberwiseBuildsValidReferences() throws {
        #expect(try ImageReference(domain: "", path: "nginx").description == "nginx")
        #expect(try ImageReference(domain: "", path: "my_org/app", tag: "1").description == "my_org/app:1")
        #expect(
            try ImageReference(domain: "docker.io", path: "library/nginx", tag: "1.25").description
                == "docker.io/library/nginx:1.25")
        let ipv6 = try ImageReference(domain: "[::1]:5000", path: "a/b", digest: ReferenceFixture.sha256)
        #expect(ipv6.description == "[::1]:5000/a/b@" + ReferenceFixture.sha256)
        #expect(try ImageReference(parsing: ipv6.description) == ipv6)
    }

    static let rejectedParts: [(MemberwiseReferenceCase, ExpectedReferenceError)] = [
        (MemberwiseReferenceCase("bad_host", "x"), ExpectedReferenceError(.invalidDomain, at: 0)),
        (MemberwiseReferenceCase("[::1", "x"), ExpectedReferenceError(.invalidDomain, at: 0)),
        (MemberwiseReferenceCase("", "foo/bar"), ExpectedReferenceError(.invalidDomain, at: 0)),
        (MemberwiseReferenceCase("ok.io", ""), ExpectedReferenceError(.invalidFormat, at: 6)),
        (MemberwiseReferenceCase("ok.io", "a//b"), ExpectedReferenceError(.invalidFormat, at: 8)),
        (MemberwiseReferenceCase("ok.io", "a:b"), ExpectedReferenceError(.invalidFormat, at: 7)),
        (MemberwiseReferenceCase("ok.io", "Foo"), ExpectedReferenceError(.nameContainsUppercase, at: 6)),
        (
            MemberwiseReferenceCase("ok.io", ReferenceFixture.run(256, "a")),
            ExpectedReferenceError(.nameTooLong, at: 261)
        ),
        (MemberwiseReferenceCase("ok.io", "a", tag: "-x"), ExpectedReferenceError(.invalidTag, at: 8)),
        (
            MemberwiseReferenceCase("ok.io", "a", tag: "v1", digest: "sha256:abc"),
            ExpectedReferenceError(.invalidDigest, at: 18)
        ),
        (
            MemberwiseReferenceCase("ok.io", "a", digest: "sha256:" + ReferenceFixture.run(63)),
            ExpectedReferenceError(.invalidDigestLength, at: 15)
        ),
    ]

    @Test(arguments: rejectedParts)
    func memberwiseRejects(_ c: MemberwiseReferenceCase, _ expected: ExpectedReferenceError) throws {
        let error = try #require(
            capturedReferenceError { () throws(ReferenceError) in
                try ImageReference(domain: c.domain, path: c.path, tag: c.tag, digest: c.digest)
            })
        #expect(error.kind == expected.kind)
        #expect(error.offset == expected.offset, "offset into \(error.input)")
    }
}

struct MemberwiseReferenceCase: Sendable, CustomTestStringConvertible {
    let domain: String
    let path: String
    let tag: String?
    let digest: String?

    init(_ domain: String, _ path: String, tag: String? = nil, digest: String? = nil) {
        self.domain = domain
        self.path = path
        self.tag = tag
        self.digest = digest
    }

    var testDescription: String {
        let shownPath = String(path.prefix(30)).debugDescription
        let shownDigest = digest.map { String($0.prefix(12)) } ?? "nil"
        return "domain: \(domain.debugDescription), path: \(shownPath), tag: \(tag ?? "nil"), digest: \(shownDigest)"
    }
}
