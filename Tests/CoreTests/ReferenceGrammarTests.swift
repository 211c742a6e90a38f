import ReplacerCore
import Testing

@Suite struct ReferenceGrammarTests {
    static let validDomainCases: [String] = [
        "test.com", "test.com:10304", "localhost", "localhost:8080", "a", "a.b", "ab.cd.com", "a-b.com", "ab.c-om",
        "a--b.com", "0101.com", "001a.com", "b.gbc.io:443", "xn--n3h.com", "Asdf.com", "LOCALDOMAIN", "192.168.1.1",
        // Port and IPv6 structure are not checked, only their alphabet.
        "192.168.1.1:75050", "[fd00:1:2::3]:75050", "[fd00123123123]:75050", "[::1]", "[::1]:5000",
        "[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:750505",
    ]

    @Test(arguments: validDomainCases)
    func validDomains(_ domain: String) {
        #expect(ReferenceGrammar.isValidDomain(domain[...]))
    }

    static let invalidDomainCases: [String] = [
        "", "test.com:http", "test.com:", "-ab.com", "ab-.com", "ab.-com", "ab.com-", "a..b", "a.", ".a", "a_b.com",
        "[fd00:1:2::3]75050", "[fd00:1:2::3]::75050", "[fd00:1:2::3%eth0]:75050", "fd00:1:2::3:75050",
        "[]", "[", "[::1", "::1]", "[::g]", "host/path", "hôst.com",
    ]

    @Test(arguments: invalidDomainCases)
    func invalidDomains(_ domain: String) {
        #expect(!ReferenceGrammar.isValidDomain(domain[...]))
    }

    static let pathCases: [(String, Bool)] = [
        ("a", true), ("0", true), ("library/nginx", true), ("a/b/c", true), ("foo_bar", true), ("do__cker", true),
        ("a-b", true), ("a---b", true), ("a.b", true), ("xn--7o8h.com/myimage", true),
        ("", false), ("A", false), ("a/", false), ("/a", false), ("a//b", false), ("_a", false), ("a_", false),
        ("a___b", false), ("a._b", false), ("a-", false), ("-a", false), ("a.-b", false), ("a..b", false),
        ("foo:bar", false), ("foo@bar", false), ("ä", false),
    ]

    @Test(arguments: pathCases)
    func paths(_ path: String, _ valid: Bool) {
        #expect(ReferenceGrammar.isValidPath(path[...]) == valid)
    }

    @Test func pathLengthIsNotPartOfThePathGrammar() {
        #expect(ReferenceGrammar.isValidPath(ReferenceFixture.run(300, "a")[...]))
    }

    static let tagCases: [(String, Bool)] = [
        ("latest", true), ("1.25", true), ("_x", true), ("X", true), ("v1.2.3-rc.1", true), ("a__b--c..d", true),
        (ReferenceFixture.run(128, "a"), true),
        ("", false), ("-x", false), (".x", false), ("a/b", false), ("a:b", false), ("a@b", false), ("ü", false),
        (ReferenceFixture.run(129, "a"), false),
    ]

    @Test(arguments: tagCases)
    func tags(_ tag: String, _ valid: Bool) {
        #expect(ReferenceGrammar.isValidTag(tag[...]) == valid)
    }

    static let digestCases: [(String, Bool)] = [
        (ReferenceFixture.sha256, true), (ReferenceFixture.sha384, true), (ReferenceFixture.sha512, true),
        (ReferenceFixture.pauseDigest, true),
        ("sha256:" + ReferenceFixture.run(63), false), ("sha256:" + ReferenceFixture.run(65), false),
        ("sha256:" + ReferenceFixture.run(64, "F"), false), ("SHA256:" + ReferenceFixture.run(64), false),
        ("md5:" + ReferenceFixture.run(32), false), ("sha256", false), (":" + ReferenceFixture.run(64), false),
        ("sha256:" + ReferenceFixture.run(64, "g"), false), ("", false),
    ]

    @Test(arguments: digestCases)
    func digests(_ digest: String, _ valid: Bool) {
        #expect(ReferenceGrammar.isValidDigest(digest[...]) == valid)
    }

    static let looksLikeDomainCases: [(String, Bool)] = [
        ("docker.io", true), ("localhost", true), ("localhost:5000", true), ("foo:5000", true), ("Foo", true),
        ("[::1]", true), ("my_host.com", true), ("Émile", true),
        ("foo", false), ("library", false), ("local", false), ("localhost1", false), ("my_org", false), ("", false),
    ]

    @Test(arguments: looksLikeDomainCases)
    func looksLikeDomain(_ component: String, _ expected: Bool) {
        #expect(ReferenceGrammar.looksLikeDomain(component[...]) == expected)
    }

    @Test func predicatesAcceptSubstringsOfLargerStrings() {
        let prefix = "mirror.corp:5000/hub"
        let slash = prefix.firstIndex(of: "/")!
        #expect(ReferenceGrammar.isValidDomain(prefix[..<slash]))
        #expect(ReferenceGrammar.isValidPath(prefix[prefix.index(after: slash)...]))
        #expect(!ReferenceGrammar.isValidPath(prefix[...]))
    }
}
