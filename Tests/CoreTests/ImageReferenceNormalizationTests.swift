import ReplacerCore
import Testing

/// An input to `normalized(_:)` with the canonical and familiar forms it must yield.
struct NormalizedReferenceCase: Sendable, CustomTestStringConvertible {
    let input: String
    let normalized: String
    let domain: String
    let familiarName: String
    let familiarString: String

    init(
        _ input: String, _ normalized: String, domain: String = "docker.io", familiarName: String,
        familiarString: String? = nil
    ) {
        self.input = input
        self.normalized = normalized
        self.domain = domain
        self.familiarName = familiarName
        self.familiarString = familiarString ?? familiarName
    }

    var testDescription: String {
        input.utf8.count > 70 ? String(input.prefix(50)) + "…" : input
    }

    static let all: [NormalizedReferenceCase] = [
        NormalizedReferenceCase("nginx", "docker.io/library/nginx", familiarName: "nginx"),
        NormalizedReferenceCase(
            "nginx:1.25", "docker.io/library/nginx:1.25", familiarName: "nginx", familiarString: "nginx:1.25"),
        NormalizedReferenceCase("library/nginx", "docker.io/library/nginx", familiarName: "nginx"),
        NormalizedReferenceCase("docker.io/nginx", "docker.io/library/nginx", familiarName: "nginx"),
        NormalizedReferenceCase(
            "docker.io/library/nginx:1.25", "docker.io/library/nginx:1.25", familiarName: "nginx",
            familiarString: "nginx:1.25"),
        NormalizedReferenceCase("index.docker.io/nginx", "docker.io/library/nginx", familiarName: "nginx"),
        NormalizedReferenceCase("index.docker.io/foo/bar", "docker.io/foo/bar", familiarName: "foo/bar"),
        NormalizedReferenceCase("foo/bar", "docker.io/foo/bar", familiarName: "foo/bar"),
        NormalizedReferenceCase("store/foo/bar", "docker.io/store/foo/bar", familiarName: "store/foo/bar"),
        NormalizedReferenceCase("library/foo/bar", "docker.io/library/foo/bar", familiarName: "library/foo/bar"),
        NormalizedReferenceCase("other/library", "docker.io/other/library", familiarName: "other/library"),
        NormalizedReferenceCase("test_com/foo", "docker.io/test_com/foo", familiarName: "test_com/foo"),
        NormalizedReferenceCase("dock__er/docker", "docker.io/dock__er/docker", familiarName: "dock__er/docker"),
        NormalizedReferenceCase(
            "ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base", familiarName: "ubuntu-12.04-base"),
        NormalizedReferenceCase("192.168.0.1", "docker.io/library/192.168.0.1", familiarName: "192.168.0.1"),
        NormalizedReferenceCase(
            "192.168.0.1:80", "docker.io/library/192.168.0.1:80", familiarName: "192.168.0.1",
            familiarString: "192.168.0.1:80"),
        NormalizedReferenceCase(
            ReferenceFixture.run(63, "a"), "docker.io/library/" + ReferenceFixture.run(63, "a"),
            familiarName: ReferenceFixture.run(63, "a")),
        NormalizedReferenceCase(
            "docker.io/" + ReferenceFixture.run(64, "a"), "docker.io/library/" + ReferenceFixture.run(64, "a"),
            familiarName: ReferenceFixture.run(64, "a")),
        NormalizedReferenceCase(
            "busybox:latest@" + ReferenceFixture.pauseDigest,
            "docker.io/library/busybox:latest@" + ReferenceFixture.pauseDigest,
            familiarName: "busybox", familiarString: "busybox:latest@" + ReferenceFixture.pauseDigest),
        // Other registries keep their domain and get no "library/".
        NormalizedReferenceCase("localhost/foo", "localhost/foo", domain: "localhost", familiarName: "localhost/foo"),
        NormalizedReferenceCase(
            "localhost:5000/foo:1", "localhost:5000/foo:1", domain: "localhost:5000",
            familiarName: "localhost:5000/foo", familiarString: "localhost:5000/foo:1"),
        NormalizedReferenceCase(
            "gcr.io/library/busybox", "gcr.io/library/busybox", domain: "gcr.io", familiarName: "gcr.io/library/busybox"
        ),
        NormalizedReferenceCase(
            "127.0.0.1:5000/debian", "127.0.0.1:5000/debian", domain: "127.0.0.1:5000",
            familiarName: "127.0.0.1:5000/debian"),
        NormalizedReferenceCase(
            "[fc00::1]:5000/docker", "[fc00::1]:5000/docker", domain: "[fc00::1]:5000",
            familiarName: "[fc00::1]:5000/docker"),
        // Uppercase first component: docker takes it for a registry.
        NormalizedReferenceCase("Foo/bar", "Foo/bar", domain: "Foo", familiarName: "Foo/bar"),
        NormalizedReferenceCase(
            "LOCALDOMAIN/library/debian", "LOCALDOMAIN/library/debian", domain: "LOCALDOMAIN",
            familiarName: "LOCALDOMAIN/library/debian"),
        // Quirk kept from upstream: looks like a host to docker, isn't one to Parse.
        NormalizedReferenceCase("my_host.com/app", "my_host.com/app", domain: "", familiarName: "my_host.com/app"),
    ]

    static let rejected: [RejectedReference] = [
        RejectedReference("", .emptyReference, at: 0, "upstream reports invalid format"),
        RejectedReference(ReferenceFixture.run(64, "a"), .identifierNotName, at: 0),
        RejectedReference("Nginx", .nameContainsUppercase, at: 0),
        RejectedReference("docker/Docker", .nameContainsUppercase, at: 7),
        RejectedReference("docker.io/docker/Docker", .nameContainsUppercase, at: 17),
        RejectedReference(
            "repo@SHA256:" + ReferenceFixture.run(64), .nameContainsUppercase, at: 5,
            "upstream checks up to the first ':'"),
        RejectedReference("-docker", .invalidFormat, at: 0),
        RejectedReference("docker///docker", .invalidFormat, at: 7),
        RejectedReference("https://github.com/docker/docker", .invalidFormat, at: 6),
        RejectedReference("[fc00::1]", .invalidFormat, at: 0),
        RejectedReference("fc00::1:5000/debian", .invalidFormat, at: 5),
        RejectedReference("docker.io/", .invalidFormat, at: 10),
        RejectedReference("localhost/", .invalidFormat, at: 10),
        RejectedReference(ReferenceFixture.run(248, "a"), .nameTooLong, at: 247, "\"library/\" counts toward 255"),
        RejectedReference(
            "a/" + ReferenceFixture.run(254, "b"), .nameTooLong, at: 255, "no domain in the input: it is all path"),
    ]
}

@Suite struct ImageReferenceNormalizationTests {
    @Test(arguments: NormalizedReferenceCase.all)
    func normalizes(_ c: NormalizedReferenceCase) throws {
        let reference = try ImageReference.normalized(c.input)
        #expect(reference.description == c.normalized)
        #expect(reference.domain == c.domain)
        #expect(reference.familiarName == c.familiarName)
        #expect(reference.familiarString == c.familiarString)
        #expect(reference.isNormalized)
        #expect(try ImageReference.normalized(reference.description) == reference, "idempotent")
    }

    @Test(arguments: NormalizedReferenceCase.rejected)
    func rejects(_ c: RejectedReference) throws {
        let error = try #require(
            capturedReferenceError { () throws(ReferenceError) in try ImageReference.normalized(c.input) })
        #expect(error.kind == c.expected.kind)
        #expect(error.offset == c.expected.offset)
    }

    @Test func libraryPathAtTheLimit() throws {
        let reference = try ImageReference.normalized(ReferenceFixture.run(247, "a"))
        #expect(reference.path.utf8.count == 255)
    }

    static let defaultTagCases: [(String, String)] = [
        ("nginx", "nginx:latest"),
        ("nginx:1.25", "nginx:1.25"),
        ("nginx@" + ReferenceFixture.sha256, "nginx@" + ReferenceFixture.sha256),
        ("nginx:1@" + ReferenceFixture.sha256, "nginx:1@" + ReferenceFixture.sha256),
        ("docker.io/library/nginx", "docker.io/library/nginx:latest"),
    ]

    @Test(arguments: defaultTagCases)
    func defaultTag(_ input: String, _ expected: String) throws {
        #expect(try ImageReference(parsing: input).withDefaultTag().description == expected)
    }

    static let dockerReferenceCases: [(String, String)] = [
        ("busybox", "docker.io/library/busybox:latest"),
        ("busybox:1.36", "docker.io/library/busybox:1.36"),
        ("busybox@" + ReferenceFixture.pauseDigest, "docker.io/library/busybox@" + ReferenceFixture.pauseDigest),
        (
            "gcr.io/library/busybox:latest@" + ReferenceFixture.pauseDigest,
            "gcr.io/library/busybox@" + ReferenceFixture.pauseDigest
        ),
    ]

    @Test(arguments: dockerReferenceCases)
    func dockerReference(_ input: String, _ expected: String) throws {
        #expect(try ImageReference.dockerReference(input).description == expected)
    }

    static let isNormalizedCases: [(String, Bool)] = [
        ("docker.io/library/nginx", true),
        ("docker.io/foo/bar:1", true),
        ("docker.io/nginx", false),
        ("index.docker.io/library/nginx", false),
        ("nginx", false),
        ("library/nginx", false),
        ("foo/bar", false),
        ("localhost/foo", true),
        ("localhost:5000/foo", true),
        ("ghcr.io/org/app", true),
        ("[::1]:5000/repo", true),
        ("Foo/bar", true),
        ("my_host.com/app", true),
        ("my_host/app", false),
    ]

    @Test(arguments: isNormalizedCases)
    func isNormalized(_ input: String, _ expected: Bool) throws {
        let reference = try ImageReference(parsing: input)
        #expect(reference.isNormalized == expected)
        #expect(reference.isNormalized == ((try? ImageReference.normalized(input)) == reference))
    }

    @Test func familiarFormsKeepNonHubDomains() throws {
        let reference = try ImageReference(parsing: "ghcr.io/library/app:1")
        #expect(reference.familiarName == "ghcr.io/library/app")
        #expect(reference.familiarString == "ghcr.io/library/app:1")
    }
}
