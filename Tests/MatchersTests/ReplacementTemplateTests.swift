import ReplacerMatchers
import Testing

@Suite struct ReplacementTemplateTests {
    static let ghcr = try! PCRE2Pattern(#"^ghcr\.io/(?<org>[a-z0-9-]+)/(.+?)(?::(?<tag>[\w.-]+))?$"#)

    struct Valid: Sendable, CustomStringConvertible {
        let template: String
        let literalPrefix: String
        let isLiteral: Bool
        let expansion: String
        var description: String { template }
    }

    // Subject for every expansion below: "ghcr.io/acme/tools/kubectl" (no tag, so group 3 / "tag" does not participate).
    @Test(arguments: [
        Valid(
            template: "mirror.corp/ghcr/${org}/$2", literalPrefix: "mirror.corp/ghcr/", isLiteral: false,
            expansion: "mirror.corp/ghcr/acme/tools/kubectl"),
        Valid(template: "m/${1}/${2}", literalPrefix: "m/", isLiteral: false, expansion: "m/acme/tools/kubectl"),
        Valid(template: "$1$2", literalPrefix: "", isLiteral: false, expansion: "acmetools/kubectl"),
        Valid(template: "${1}0", literalPrefix: "", isLiteral: false, expansion: "acme0"),
        Valid(template: "$0", literalPrefix: "", isLiteral: false, expansion: "ghcr.io/acme/tools/kubectl"),
        Valid(template: "${0}@x", literalPrefix: "", isLiteral: false, expansion: "ghcr.io/acme/tools/kubectl@x"),
        Valid(template: "$$1", literalPrefix: "$1", isLiteral: true, expansion: "$1"),
        Valid(template: "a$$b$$", literalPrefix: "a$b$", isLiteral: true, expansion: "a$b$"),
        Valid(template: "$$$1", literalPrefix: "$", isLiteral: false, expansion: "$acme"),
        Valid(
            template: "pinned/nginx:1.25", literalPrefix: "pinned/nginx:1.25", isLiteral: true,
            expansion: "pinned/nginx:1.25"),
        Valid(template: "", literalPrefix: "", isLiteral: true, expansion: ""),
        // A group that did not participate expands to "".
        Valid(template: "m/$2:${tag}", literalPrefix: "m/", isLiteral: false, expansion: "m/tools/kubectl:"),
        Valid(template: "m/$2$3", literalPrefix: "m/", isLiteral: false, expansion: "m/tools/kubectl"),
        // Non-ASCII literal text is kept intact.
        Valid(template: "miroir-é/${org}", literalPrefix: "miroir-é/", isLiteral: false, expansion: "miroir-é/acme"),
        // "}" and "{" outside a reference are plain text.
        Valid(template: "{x}/$01", literalPrefix: "{x}/", isLiteral: false, expansion: "{x}/acme"),
    ])
    func parsesAndExpands(_ valid: Valid) throws {
        let template = try ReplacementTemplate(valid.template, for: Self.ghcr)
        #expect(template.template == valid.template)
        #expect(template.literalPrefix == valid.literalPrefix)
        #expect(template.isLiteral == valid.isLiteral)
        let subject = "ghcr.io/acme/tools/kubectl"
        let match = try #require(try Self.ghcr.firstMatch(in: subject))
        let expanded = template.expand(match, subject: subject)
        #expect(expanded == valid.expansion)
        #expect(expanded.utf8.starts(with: template.literalPrefix.utf8))
    }

    /// Found by the template fuzzer: an empty group followed by a combining mark. The expansion holds the
    /// literal prefix byte for byte even though, as Characters, the mark joins the prefix's last character.
    @Test func aCombiningMarkAfterAnEmptyGroupKeepsTheLiteralPrefixBytes() throws {
        let pattern = try PCRE2Pattern("")
        let template = try ReplacementTemplate("9$000\u{0361}\u{06CF}0(=9", for: pattern)
        #expect(template.literalPrefix == "9")
        let match = try #require(try pattern.firstMatch(in: ""))
        let expanded = template.expand(match, subject: "")
        #expect(expanded == "9\u{0361}\u{06CF}0(=9")
        #expect(expanded.utf8.starts(with: template.literalPrefix.utf8))
        #expect(!expanded.hasPrefix(template.literalPrefix))  // why the fuzz property compares bytes
    }

    @Test func expandsParticipatingOptionalGroupsAndMultibyteCaptures() throws {
        let template = try ReplacementTemplate("m/${org}/$2:${tag}", for: Self.ghcr)
        let subject = "ghcr.io/ac-é/日本:v1"
        let match = try #require(
            try PCRE2Pattern(#"^ghcr\.io/(?<org>[^/]+)/(.+?)(?::(?<tag>[\w.-]+))?$"#)
                .firstMatch(in: subject))
        #expect(template.expand(match, subject: subject) == "m/ac-é/日本:v1")
    }

    struct Invalid: Sendable, CustomStringConvertible {
        let template: String
        let code: ReplacementTemplateError.Code
        let offset: Int
        var description: String { template }
    }

    @Test(arguments: [
        Invalid(template: "mirror/$", code: .danglingDollar, offset: 7),
        Invalid(template: "$", code: .danglingDollar, offset: 0),
        Invalid(template: "a/$org", code: .danglingDollar, offset: 2),
        Invalid(template: "a/$-", code: .danglingDollar, offset: 2),
        Invalid(template: "x${", code: .unterminatedBrace, offset: 1),
        Invalid(template: "x${org", code: .unterminatedBrace, offset: 1),
        Invalid(template: "x/${}", code: .emptyReference, offset: 2),
        Invalid(template: "m/${unknown}", code: .unknownGroupName, offset: 2),
        Invalid(template: "m/${Org}", code: .unknownGroupName, offset: 2),
        Invalid(template: "m/$9", code: .unknownGroupNumber, offset: 2),
        Invalid(template: "m/$4", code: .unknownGroupNumber, offset: 2),  // Pattern has exactly 3 groups.
        Invalid(template: "m/${10}", code: .unknownGroupNumber, offset: 2),
        Invalid(template: "$10", code: .unknownGroupNumber, offset: 0),  // All digits are taken; ${1}0 is the fix.
        Invalid(template: "$99999999999999999999999", code: .unknownGroupNumber, offset: 0),  // No overflow trap.
        // Offsets are UTF-8 bytes: "é" is two bytes.
        Invalid(template: "é/$9", code: .unknownGroupNumber, offset: 3),
        // The first faulty reference is reported.
        Invalid(template: "$1/$$/${x}/$", code: .unknownGroupName, offset: 6),
    ])
    func rejectsWithByteOffset(_ invalid: Invalid) throws {
        let error = try #require(templateError(invalid.template, for: Self.ghcr))
        #expect(error.code == invalid.code)
        #expect(error.offset == invalid.offset)
        #expect(error.template == invalid.template)
        #expect(!error.message.isEmpty)
        #expect(!error.hint.isEmpty)
    }

    @Test func errorDescriptionSaysWhatWhereAndHow() throws {
        let error = try #require(templateError("mirror/$9", for: Self.ghcr))
        #expect(
            error.description == """
                invalid replacement template: group 9 does not exist (the pattern has 3), at byte offset 7
                  mirror/$9
                         ^
                valid group numbers are 0 to 3; write ${1}0 for group 1 followed by a literal 0
                """)
        let named = try #require(templateError("${nope}", for: Self.ghcr))
        #expect(named.hint.contains("named groups are org, tag"))
        let none = try #require(templateError("$1", for: try PCRE2Pattern("^nginx$")))
        #expect(none.hint.contains("no capturing groups"))
    }

    @Test func charactersBeforeReferencesAreWhatTheLiteralsEndWith() throws {
        #expect(try ReplacementTemplate("m/$1@$2", for: Self.ghcr).charactersBeforeReferences == ["/", "@"])
        #expect(try ReplacementTemplate("$1$2:x", for: Self.ghcr).charactersBeforeReferences == [nil, nil])
    }

    @Test func expandingEveryGroupSubstitutesTheSample() throws {
        let template = try ReplacementTemplate("m/${org}/$2$$${0}", for: Self.ghcr)
        #expect(template.expandingEveryGroup(as: "x") == "m/x/x$x")
        #expect(template.expandingEveryGroup(as: "") == "m//$")
        #expect(try ReplacementTemplate("pinned/nginx", for: Self.ghcr).expandingEveryGroup(as: "x") == "pinned/nginx")
    }

    @Test func duplicateNamesExpandTheGroupThatParticipated() throws {
        let pattern = try PCRE2Pattern(#"(?J)^(?:docker\.io/(?<repo>.+)|quay\.io/(?<repo>.+))$"#)
        let template = try ReplacementTemplate("mirror/${repo}", for: pattern)
        for (subject, expected) in [("docker.io/a/b", "mirror/a/b"), ("quay.io/c", "mirror/c")] {
            let match = try #require(try pattern.firstMatch(in: subject))
            #expect(template.expand(match, subject: subject) == expected)
        }
    }
}
