import Testing

@testable import ReplacerCore

@Suite struct RuleSetLoaderTests {
    @Test func loadsStagesInFileOrder() async throws {
        let rules = try await loadRules(
            header + """
                metadata: {name: demo}
                stages:
                  - name: first
                    matcher: append
                    onMatch: stop
                    rules: app
                    options: {suffix: -one}
                  - name: second
                    matcher: literal
                    rules: example.com/x
                """)
        #expect(rules.stages.map(\.name) == ["first", "second"])
        #expect(rules.stages[safe: 0]?.onMatch == .stop)
        #expect(rules.stages[safe: 1]?.onMatch == .continue)
        #expect(rules.stages[safe: 0]?.location == SourceLocation(file: "rules.yaml", line: 5, column: 5))
        #expect(rules.name == "demo")
    }

    @Test func readsJSON() async throws {
        let rules = try await loadRules(
            """
            {"apiVersion": "k8s-image-replacer/v1", "kind": "RuleSet",
             "stages": [
            \t{"name": "only", "matcher": "literal", "rules": "example.com/x"}
             ]}
            """)
        #expect(rules.stages.count == 1)
    }

    /// Each case: a rule file, the line and column the error must point at, the stage it must name, and a
    /// fragment of the message.
    static let errorCases: [(yaml: String, line: Int, column: Int, stage: String?, message: String)] = [
        ("kind: RuleSet\nstages: []\n", 1, 1, nil, "needs \"apiVersion\""),
        ("apiVersion: v2\nkind: RuleSet\nstages: []\n", 1, 13, nil, "unsupported apiVersion"),
        (header + "stages: []\nextra: 1\n", 4, 1, nil, "unknown key \"extra\""),
        (header + "stages:\n  - name: a\n    matcher: nope\n", 5, 14, "a", "unknown matcher \"nope\""),
        (
            header + "stages:\n  - name: a\n    matcher: literal\n    rules: x.io/a\n    colour: red\n", 7, 5, "a",
            "unknown key \"colour\""
        ),
        (
            header
                + "stages:\n  - name: a\n    matcher: literal\n    rules: x.io/a\n  - name: a\n    matcher: literal\n    rules: x.io/b\n",
            7, 5, "a", "duplicate stage name"
        ),
        (
            header + "stages:\n  - name: a\n    matcher: literal\n    onMatch: halt\n    rules: x.io/a\n", 6, 14, "a",
            "onMatch must be"
        ),
        (
            header + "stages:\n  - name: a\n    matcher: append\n    rules: x\n    options: {suffix: [1]}\n", 7, 23,
            "a",
            "expected suffix to be a string"
        ),
        (header + "stages:\n  - name: a\n    matcher: refusing\n", 4, 5, "a", "refused this stage: not today"),
        (header + "stages:\n  - matcher: literal\n", 4, 5, nil, "needs \"name\""),
        (
            header
                + "stages:\n  - name: a\n    matcher: literal\n    when: {containerKinds: [sidecars]}\n    rules: x.io/a\n",
            6, 29, "a", "unknown container kind"
        ),
        (header + "stages: [\n", 4, 1, nil, "invalid YAML/JSON"),
        (
            header
                + "stages:\n  - name: a\n    matcher: literal\n    when: {labels: {a: 1, a: 2}}\n    rules: x.io/a\n",
            6, 21,
            nil, "duplicate key \"a\""
        ),
        ("", 1, 1, nil, "empty"),
    ]

    @Test(arguments: errorCases)
    func reportsErrorsWithPositions(_ testCase: (yaml: String, line: Int, column: Int, stage: String?, message: String))
        async throws
    {
        let error = try await loadError(testCase.yaml)
        #expect(error.location.line == testCase.line, "\(error)")
        #expect(error.location.column == testCase.column, "\(error)")
        #expect(error.stage == testCase.stage, "\(error)")
        #expect(error.message.contains(testCase.message), "\(error)")
        #expect(error.description.hasPrefix("rules.yaml:\(testCase.line):\(testCase.column): "))
    }

    @Test func aliasBombIsBounded() async throws {
        var yaml = header + "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...8 {
            yaml +=
                "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
                + "]\n"
        }
        yaml += "stages: *a8\n"
        let reader = ConfigReader(maxNodes: 10_000)
        #expect(throws: RuleFileError.self) { try reader.read(yaml, file: "bomb.yaml") }
    }

    @Test func duplicateMatcherIDIsRejected() {
        #expect(throws: MatcherRegistryError.self) { try MatcherRegistry([LiteralMatcher.self, LiteralMatcher.self]) }
    }
}
