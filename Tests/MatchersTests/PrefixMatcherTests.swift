import ReplacerCore
import Testing

@testable import ReplacerMatchers

@Suite struct PrefixMatcherTests {
    static let stage = """
            rules:
              docker.io: mirror.corp/hub
              docker.io/bitnami: mirror.corp/bitnami
              gcr.io/foo: mirror.corp/gcr-foo
              quay.io/prometheus/node-exporter: mirror.corp/node-exporter
              "localhost:5000": mirror.corp/local
              "[::1]:5000/team": mirror.corp/v6
              index.docker.io/legacy: mirror.corp/legacy
        """

    static let cases: [(String, String?)] = [
        ("nginx", "mirror.corp/hub/library/nginx"),
        ("nginx:1.25", "mirror.corp/hub/library/nginx:1.25"),
        ("library/nginx:1.25", "mirror.corp/hub/library/nginx:1.25"),
        ("docker.io/library/nginx:1.25", "mirror.corp/hub/library/nginx:1.25"),
        ("index.docker.io/library/nginx", "mirror.corp/hub/library/nginx"),
        ("bitnami/redis:7", "mirror.corp/bitnami/redis:7"),
        ("bitnamilegacy/redis:7", "mirror.corp/hub/bitnamilegacy/redis:7"),
        ("gcr.io/foo/bar:1", "mirror.corp/gcr-foo/bar:1"),
        ("gcr.io/foobar/baz:1", nil),
        ("gcr.io/foo", "mirror.corp/gcr-foo"),
        ("quay.io/prometheus/node-exporter:v1.8.0", "mirror.corp/node-exporter:v1.8.0"),
        ("quay.io/prometheus/node-exporter-x:v1", nil),
        ("quay.io/prometheus/alertmanager", nil),
        (
            "localhost:5000/app@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097",
            "mirror.corp/local/app@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097"
        ),
        ("localhost/app", nil),
        ("[::1]:5000/team/app:v1", "mirror.corp/v6/app:v1"),
        ("docker.io/legacy/tool:2", "mirror.corp/legacy/tool:2"),
        (
            "nginx:1.25@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097",
            "mirror.corp/hub/library/nginx:1.25@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097"
        ),
        ("mirror.corp/hub/library/nginx", nil),
        // No valid host before the first "/" (an "_"), so upstream reads the whole name as a path with no domain.
        ("foo_bar.com/x", nil),
        ("foo_bar.com/x:1", nil),
        ("a_b.c/d/e@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097", nil),
    ]

    @Test(arguments: cases)
    func mirrorsWholeComponentsLongestFirst(_ image: String, _ expected: String?) async throws {
        let (first, second) = await rewriteTwice(try await loadStage("prefix", Self.stage), image)
        #expect(first.image == (expected ?? image))
        #expect(!second.changed, "a second pass must not rewrite again")
    }

    @Test func traceNamesTheMatchedKey() async throws {
        let result = await (try await loadStage("prefix", Self.stage)).run("bitnami/redis")
        #expect(result.stages[safe: 0]?.rule == "docker.io/bitnami")
    }

    @Test func manyRulesStillFindTheLongest() async throws {
        var body = "    rules:\n"
        for index in 0..<2_000 { body += "      registry\(index).example.com/team/app: mirror.corp/r\(index)\n" }
        body += "      registry7.example.com: mirror.corp/whole7\n"
        let pipeline = try await loadStage("prefix", body)
        #expect(await pipeline.run("registry1999.example.com/team/app:1").image == "mirror.corp/r1999:1")
        #expect(await pipeline.run("registry7.example.com/team/other:1").image == "mirror.corp/whole7/team/other:1")
        #expect(await pipeline.run("registry7.example.com/team/app:1").image == "mirror.corp/r7:1")
    }

    @Test func aMirrorBesideAKeyIsNotUnderIt() async throws {
        // Whole components: mirror.corp/teamx is not under mirror.corp/team.
        let pipeline = try await loadStage(
            "prefix", "    rules:\n      quay.io: mirror.corp/teamx\n      mirror.corp/team: other.corp\n")
        #expect(await pipeline.run("quay.io/app:1").image == "mirror.corp/teamx/app:1")
    }

    static let errors: [(String, String)] = [
        ("    rules:\n      gcr: mirror.corp/gcr\n", "does not start with a registry host"),
        ("    rules:\n      docker.io: mirror\n", "mirror \"mirror\" does not start with a registry host"),
        ("    rules:\n      docker.io: docker.io/mirror\n", "is itself matched by the key"),
        ("    rules:\n      quay.io: mirror.corp/q\n      mirror.corp: other.corp\n", "is itself matched by the key"),
        (
            "    rules:\n      quay.io: mirror.corp/team/q/x\n      mirror.corp/team: other.corp\n",
            "key \"mirror.corp/team\""
        ),
        (
            "    rules:\n      ghcr.io: index.docker.io/hub\n      docker.io/hub: a.corp\n",
            "is itself matched by the key"
        ),
        ("    rules:\n      docker.io: a.corp\n      index.docker.io: b.corp\n", "same prefix as the key at line 8"),
        ("    rules:\n      docker.io/Library: a.corp\n", "invalid repository path"),
        ("    rules:\n      \"docker.io/library/nginx:1.25\": a.corp\n", "tag or digest"),
    ]

    @Test(arguments: errors)
    func refusesBadRules(_ body: String, _ message: String) async throws {
        let error = try await stageError("prefix", body)
        #expect(error.message.contains(message), "\(error)")
    }
}

@Suite struct AlternativeOutputsTests {
    @Test func withoutVerifyTheFirstAlternativeIsUsed() async throws {
        let prefix = try await loadStage("prefix", "    rules:\n      docker.io: [a.corp/hub, b.corp/hub]\n")
        #expect(await prefix.run("nginx:1").image == "a.corp/hub/library/nginx:1")
        let exact = try await loadStage("exact", "    rules:\n      nginx: [a.corp/nginx:1, b.corp/nginx:1]\n")
        #expect(await exact.run("nginx").image == "a.corp/nginx:1")
        let regex = try await loadStage(
            "regex",
            "    rules:\n      - match: '^docker\\.io/library/(.+)$'\n        replace: ['a.corp/$1', 'b.corp/$1']\n")
        #expect(await regex.run("redis:7").image == "a.corp/redis:7")
    }

    @Test(arguments: [
        ("prefix", "    rules:\n      docker.io: [a.corp/hub, \"bad mirror\"]\n", "mirror \"bad mirror\""),
        ("prefix", "    rules:\n      docker.io: [a.corp/hub, docker.io/again]\n", "is itself matched by the key"),
        ("prefix", "    rules:\n      docker.io: []\n", "empty list"),
        ("exact", "    rules:\n      nginx: [a.corp/nginx, \"Not Valid\"]\n", "replacement \"Not Valid\""),
        (
            "regex", "    rules:\n      - match: '^(a)$'\n        replace: ['x.corp/$1', 'x.corp/$7']\n",
            "replacement does not parse"
        ),
    ])
    func everyAlternativeIsValidatedAtLoad(_ matcher: String, _ body: String, _ message: String) async throws {
        let error = try await stageError(matcher, body)
        #expect(error.message.contains(message), "\(error)")
    }
}
