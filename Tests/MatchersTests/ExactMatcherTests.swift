import ReplacerCore
import Testing

@testable import ReplacerMatchers

@Suite struct ExactMatcherTests {
    static let stage = """
            rules:
              nginx: mirror.corp/hub/library/nginx:1.27.2
              "quay.io/prometheus/node-exporter:v1.8.0": mirror.corp/quay/prometheus/node-exporter:v1.8.0
              "registry.k8s.io/pause@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097": mirror.corp/pause:3.9
        """

    static let cases: [(String, String?)] = [
        ("nginx", "mirror.corp/hub/library/nginx:1.27.2"),
        ("library/nginx", "mirror.corp/hub/library/nginx:1.27.2"),
        ("docker.io/library/nginx:latest", "mirror.corp/hub/library/nginx:1.27.2"),
        ("index.docker.io/library/nginx", "mirror.corp/hub/library/nginx:1.27.2"),
        ("nginx:latest", "mirror.corp/hub/library/nginx:1.27.2"),
        ("nginx:1.25", nil),
        ("nginx@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097", nil),
        ("quay.io/prometheus/node-exporter:v1.8.0", "mirror.corp/quay/prometheus/node-exporter:v1.8.0"),
        ("quay.io/prometheus/node-exporter", nil),
        (
            "registry.k8s.io/pause@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097",
            "mirror.corp/pause:3.9"
        ),
        ("registry.k8s.io/pause:3.9", nil),
        ("mirror.corp/hub/library/nginx:1.27.2", nil),
    ]

    @Test(arguments: cases)
    func rewritesWholeReferencesInNormalizedForm(_ image: String, _ expected: String?) async throws {
        let (first, second) = await rewriteTwice(try await loadStage("exact", Self.stage), image)
        #expect(first.image == (expected ?? image))
        #expect(first.stages[safe: 0]?.outcome == (expected == nil ? .noMatch : .rewritten))
        #expect(!second.changed, "a second pass must not rewrite again")
    }

    @Test func traceNamesTheKeyAsWritten() async throws {
        let result = await (try await loadStage("exact", Self.stage)).run("library/nginx")
        #expect(result.stages[safe: 0]?.rule == "nginx")
    }

    static let errors: [(String, String)] = [
        (
            "    rules:\n      nginx: mirror.corp/a\n      docker.io/library/nginx:latest: mirror.corp/b\n",
            "same image as the key at line 8"
        ),
        ("    rules:\n      \"Not Valid\": mirror.corp/a\n", "key \"Not Valid\" is not a valid image reference"),
        ("    rules:\n      nginx: \"mirror corp\"\n", "replacement \"mirror corp\" is not a valid image reference"),
        ("    rules:\n      nginx: mirror.corp/nginx\n      mirror.corp/nginx: mirror.corp/other\n", "is itself a key"),
        ("    rules: [nginx]\n", "expected rules to be a mapping"),
        ("    options: {x: 1}\n    rules: {}\n", "unknown key \"x\""),
        ("", "needs \"rules\""),
    ]

    @Test(arguments: errors)
    func refusesBadRules(_ body: String, _ message: String) async throws {
        let error = try await stageError("exact", body)
        #expect(error.message.contains(message) || error.hint?.contains(message) == true, "\(error)")
        #expect(error.stage == "under-test")
    }
}
