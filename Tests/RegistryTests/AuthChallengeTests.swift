import ReplacerRegistry
import Testing

/// `WWW-Authenticate` parsing on inputs the fuzzer (Fuzz/, FuzzRegistryAuth) found, written out as literals.
@Suite struct AuthChallengeTests {
    /// A space followed by a combining mark is one `Character` but a space byte: it must end a parameter name, as
    /// any space does, and be trimmed from values.
    @Test func spaceBeforeACombiningMarkIsStillASpace() throws {
        let name = try #require(AuthChallenge(header: "Bearev realm=\"r\",svi] \u{0659}x=\"v\""))
        #expect(name.parameters == ["realm": "r"])

        let value = try #require(AuthChallenge(header: "Bearer realm=\" \u{301}r\t\""))
        #expect(value.parameters["realm"] == "\u{301}r")
    }
}
