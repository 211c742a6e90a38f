import ReplacerCore
import ReplacerPluginTagPolicy
import Testing

@Suite struct TagPolicyTests {
    static let rules = ruleFile(
        """
          - name: floating
            matcher: tag-policy
            options:
              floatingTags: [latest, main]
            rules:
              - {repositories: [docker.io/library/nginx, "mirror.corp/library/nginx"], pin: "1.27.2"}
              - {repositories: "docker.io/library/busybox", action: allow}
              - {repositories: ["registry.corp/*"], action: deny, message: "see https://wiki.corp/pinning"}
              - {repositories: ["*"], action: warn}
        """)

    @Test(arguments: [
        ("nginx", "nginx:1.27.2"),
        ("nginx:latest", "nginx:1.27.2"),
        ("docker.io/library/nginx:main", "docker.io/library/nginx:1.27.2"),
        ("mirror.corp/library/nginx", "mirror.corp/library/nginx:1.27.2"),
    ])
    func pinsFloatingTagsKeepingTheSpelling(image: String, expected: String) async throws {
        let ruleSet = try await loadRules(Self.rules)
        let result = await run(ruleSet, image)
        #expect(result.image == expected)
        #expect(result.stages.first?.rule == "rules[0]")
        #expect(result.warnings.isEmpty)
        #expect(!(await run(ruleSet, result.image).changed))  // the pinned tag does not float
        await ruleSet.shutdown()
    }

    @Test(arguments: [
        "nginx:1.25", "redis:7", "nginx@sha256:" + String(repeating: "c", count: 64),
        "nginx:latest@sha256:" + String(repeating: "c", count: 64),
    ])
    func fixedTagsAndDigestsAreLeftAlone(image: String) async throws {
        let ruleSet = try await loadRules(Self.rules)
        let result = await run(ruleSet, image)
        #expect(!result.changed)
        #expect(result.stages.first?.outcome == .noMatch)
        #expect(result.warnings.isEmpty && result.denial == nil)
        await ruleSet.shutdown()
    }

    @Test func warnKeepsTheImageAndWarns() async throws {
        let ruleSet = try await loadRules(Self.rules)
        let result = await run(ruleSet, "redis")
        #expect(!result.changed)
        #expect(result.denial == nil)
        #expect(result.warnings.count == 1)
        #expect(
            result.warnings.first?.contains(#"image redis has no tag (so "latest") (rules[3]); pin a version"#) == true)
        #expect(result.warnings.first?.hasPrefix("stage floating:") == true)
    }

    @Test func denyRefusesThePodWithTheMessage() async throws {
        let ruleSet = try await loadRules(Self.rules)
        let result = await run(ruleSet, "registry.corp/app:latest")
        #expect(result.stages.first?.outcome == .denied)
        #expect(
            result.denial
                == #"stage floating: image registry.corp/app:latest has the floating tag "latest"; see https://wiki.corp/pinning"#
        )
    }

    @Test func allowMatchesAndFiresOnMatch() async throws {
        let ruleSet = try await loadRules(Self.rules)
        let result = await run(ruleSet, "busybox")
        #expect(!result.changed)
        #expect(result.stages.first?.outcome == .matched)
        #expect(result.stages.first?.detail == #"no tag (so "latest") allowed"#)
    }

    @Test(arguments: [
        ("{repositories: [\"*\"], pin: latest}", 7, "itself a floating tag"),
        ("{repositories: [\"*\"], pin: \"bad tag\"}", 7, "is not a valid tag"),
        ("{repositories: [\"*\"], pin: \"1\", action: warn}", 7, "either \"pin\" or \"action\""),
        ("{repositories: [\"*\"]}", 7, "a rule needs \"pin\""),
        ("{repositories: [\"*\"], action: shout}", 7, "unknown action \"shout\""),
        ("{pin: \"1\"}", 7, "needs \"repositories\""),
        ("{repositories: [\"*\"], pin: \"1\", colour: red}", 7, "unknown key \"colour\""),
    ])
    func badRulesFailTheLoadWithAPosition(rule: String, line: Int, message: String) async throws {
        let error = try await loadError(
            ruleFile(
                """
                  - name: tp
                    matcher: tag-policy
                    rules:
                      - \(rule)
                """))
        #expect(error.location.line == line)
        #expect(error.stage == "tp")
        #expect(error.description.contains(message), "\(error)")
    }
}
