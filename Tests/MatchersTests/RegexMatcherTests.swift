import ReplacerCore
import Testing

@testable import ReplacerMatchers

@Suite struct RegexMatcherTests {
    static let stage = #"""
            rules:
              - match: '^ghcr\.io/(?<org>[a-z0-9-]+)/(.+)$'
                replace: 'mirror.corp/ghcr/${org}/$2'
              - match: '^ghcr\.io/.*$'
                replace: 'never.corp/second-rule-must-not-win'
              - match: '^(?:k8s\.gcr\.io|gcr\.io/google[-_]containers)/(?<image>.+)$'
                replace: 'registry.k8s.io/${image}'
              - match: '/library/(redis|valkey)(:.*)?$'
                replace: 'mirror.corp/kv/$1$2'
              - match: '^quay\.io/(.+)$'
                replace: 'mirror.corp/quay/$1'
        """#

    static let cases: [(String, String?)] = [
        ("ghcr.io/acme/api:v1", "mirror.corp/ghcr/acme/api:v1"),
        (
            "ghcr.io/acme/team/api@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097",
            "mirror.corp/ghcr/acme/team/api@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097"
        ),
        ("k8s.gcr.io/pause:3.9", "registry.k8s.io/pause:3.9"),
        ("gcr.io/google_containers/kube-proxy:v1.20.0", "registry.k8s.io/kube-proxy:v1.20.0"),
        ("gcr.io/google-containers/etcd", "registry.k8s.io/etcd"),
        ("gcr.io/google-containersx/etcd", nil),
        ("redis:7", "mirror.corp/kv/redis:7"),
        ("redis", "mirror.corp/kv/redis"),
        ("docker.io/library/valkey:8", "mirror.corp/kv/valkey:8"),
        ("redisx:7", nil),
        ("quay.io/prometheus/node-exporter:v1.8.0", "mirror.corp/quay/prometheus/node-exporter:v1.8.0"),
        ("nginx", nil),
        ("mirror.corp/ghcr/acme/api:v1", nil),
    ]

    @Test(arguments: cases)
    func rewritesByFirstMatchingPattern(_ image: String, _ expected: String?) async throws {
        let (first, second) = await rewriteTwice(try await loadStage("regex", Self.stage), image)
        #expect(first.image == (expected ?? image))
        #expect(!second.changed, "a second pass must not rewrite again")
    }

    @Test func traceNamesTheRuleIndexAndPattern() async throws {
        let result = await (try await loadStage("regex", Self.stage)).run("ghcr.io/a/b")
        #expect(result.stages[safe: 0]?.rule == #"rules[0] ^ghcr\.io/(?<org>[a-z0-9-]+)/(.+)$"#)
    }

    @Test func matchesTheWrittenFormWhenAsked() async throws {
        let body = """
                options: {matchOn: written}
                rules:
                  - match: '^nginx(:.*)?$'
                    replace: 'mirror.corp/nginx$1'
            """
        let pipeline = try await loadStage("regex", body)
        #expect(await pipeline.run("nginx:1.25").image == "mirror.corp/nginx:1.25")
        #expect(await pipeline.run("docker.io/library/nginx:1.25").image == "docker.io/library/nginx:1.25")
    }

    @Test func outputThatIsNotAReferenceIsRefused() async throws {
        let body = """
                rules:
                  - match: '^quay\\.io/(.+)$'
                    replace: 'mirror.corp/q/$1:extra'
            """
        let result = await (try await loadStage("regex", body)).run("quay.io/app:1")
        #expect(result.image == "quay.io/app:1")
        #expect(result.stages[safe: 0]?.outcome == .refused)
        #expect(result.warnings.count == 1)
    }

    @Test func runawayPatternFailsTheStageNotTheWebhook() async throws {
        let body = """
                options: {matchLimit: 10000, matchOn: written}
                rules:
                  - match: '^(?:[a-z]+/?)+$'
                    replace: 'x.corp/y'
            """
        let result = await (try await loadStage("regex", body)).run("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:1")
        #expect(result.image == "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:1")
        #expect(result.stages[safe: 0]?.outcome == .failed)
        #expect(result.warnings[safe: 0]?.contains("match limit") == true, "\(result.warnings)")
    }

    /// The host index must never change which rule wins: compare against trying every rule in order.
    @Test func hostIndexKeepsFileOrder() async throws {
        let body = """
                rules:
                  - match: '^docker\\.io/library/a(.*)$'
                    replace: 'one.corp/a$1'
                  - match: 'library/(.*)$'
                    replace: 'two.corp/$1'
                  - match: '^docker\\.io/(.*)$'
                    replace: 'three.corp/$1'
                  - match: '^quay\\.io/(.*)$'
                    replace: 'four.corp/$1'
            """
        let pipeline = try await loadStage("regex", body)
        #expect(await pipeline.run("alpine").image == "one.corp/alpine")
        #expect(await pipeline.run("busybox").image == "two.corp/busybox")
        #expect(await pipeline.run("bitnami/redis").image == "three.corp/bitnami/redis")
        #expect(await pipeline.run("quay.io/library/x").image == "two.corp/x")
        #expect(await pipeline.run("quay.io/x").image == "four.corp/x")
    }

    /// Rules with different numbers of groups share one match buffer per image; a later rule with more groups
    /// than the first one tried must still see all of its captures.
    @Test func rulesWithMoreGroupsThanTheFirstStillCapture() async throws {
        let body = """
                rules:
                  - match: '^docker\\.io/library/nothing$'
                    replace: 'zero.corp/x'
                  - match: '^docker\\.io/(?<ns>[^/]+)/(?<repo>[^:]+)(?<tag>:.+)?$'
                    replace: 'three.corp/${ns}/${repo}${tag}'
            """
        let pipeline = try await loadStage("regex", body)
        // Sized for the largest pattern, not the first: a too-small buffer would only fall back, so check the size.
        #expect((pipeline.ruleSet.stages.first?.matcher as? RegexMatcher)?.maxCaptureCount == 3)
        #expect(await pipeline.run("bitnami/redis:7.2", trace: false).image == "three.corp/bitnami/redis:7.2")
        #expect(await pipeline.run("library/nothing").image == "zero.corp/x")
    }

    /// Each group reference can fill a different part of the reference: a digest after a literal `@` must not make
    /// the loader refuse the template because a path sample there does not parse.
    @Test func templatesWhoseGroupsFillDifferentPartsLoad() async throws {
        let hex = String(repeating: "4f", count: 32)
        let body = """
                rules:
                  - match: '^gcr\\.io/([^@:]+)(?::[^@]+)?@(sha256:[0-9a-f]{64})$'
                    replace: 'mirror.example.com/$1@$2'
                  - match: '^quay\\.io/([^@:]+)(?::[^@]+)?@sha256:([0-9a-f]{64})$'
                    replace: 'mirror.example.com/quay/$1@sha256:$2'
                  - match: '^ghcr\\.io/([^@:]+):([^@]+)@(sha256:[0-9a-f]{64})$'
                    replace: 'mirror.example.com/ghcr/$1:$2@$3'
                  - match: '^docker\\.io/([^@:]+)@sha512:([0-9a-f]{128})$'
                    replace: 'mirror.example.com/hub/$1@sha512:$2'
                  - match: '^docker\\.io/([^@:]+)@sha384:([0-9a-f]{96})$'
                    replace: 'mirror.example.com/hub/$1@sha384:$2'
            """
        let pipeline = try await loadStage("regex", body)
        #expect(await pipeline.run("gcr.io/a/b:1@sha256:\(hex)").image == "mirror.example.com/a/b@sha256:\(hex)")
        #expect(await pipeline.run("quay.io/c/d:2@sha256:\(hex)").image == "mirror.example.com/quay/c/d@sha256:\(hex)")
        // No one sample for all three groups parses (a tag and a digest differ): only per-group samples load it.
        #expect(await pipeline.run("ghcr.io/e:3@sha256:\(hex)").image == "mirror.example.com/ghcr/e:3@sha256:\(hex)")
        let hex512 = String(repeating: "4f", count: 64)
        #expect(
            await pipeline.run("docker.io/f/g@sha512:\(hex512)").image == "mirror.example.com/hub/f/g@sha512:\(hex512)")
        let hex384 = String(repeating: "4f", count: 48)
        #expect(
            await pipeline.run("docker.io/f/g@sha384:\(hex384)").image == "mirror.example.com/hub/f/g@sha384:\(hex384)")
    }

    @Test func reasonsAreGivenWhenExplaining() async throws {
        let pipeline = try await loadStage("regex", Self.stage)
        #expect(
            await pipeline.run("nginx:1.27").stages.first?.detail == "no pattern matched docker.io/library/nginx:1.27")
        let matcher = try #require(pipeline.ruleSet.stages.first?.matcher)
        #expect(try await matcher.evaluate(try ImageInput("nginx:1.27"), context: EvaluationContext()).detail == nil)
    }

    static let errors: [(String, String, Int?)] = [
        ("    rules:\n      - match: '^ghcr\\.io/(abc'\n        replace: x.corp/$1\n", "does not compile", 31),
        ("    rules:\n      - match: '^(a)$'\n        replace: x.corp/$2\n", "replacement does not parse", nil),
        (
            "    rules:\n      - match: '^(?<org>a)$'\n        replace: x.corp/${team}\n", "replacement does not parse",
            nil
        ),
        (
            "    rules:\n      - match: '^(a)$'\n        replace: 'x.corp/UPPER/$1'\n",
            "can never be a valid image reference", nil
        ),
        (
            "    rules:\n      - match: '^(a)$'\n        replace: 'not a reference'\n",
            "can never be a valid image reference", nil
        ),
        // However its two groups are filled, the literal upper-case component rules the result out.
        (
            "    rules:\n      - match: '^(a)(b)$'\n        replace: 'x.corp/$1/UPPER@$2'\n",
            "can never be a valid image reference", nil
        ),
        ("    rules:\n      - match: '^(a)$'\n", "needs \"replace\"", nil),
        (
            "    rules:\n      - match: '^(a)$'\n        replace: x.corp/a\n        flags: i\n",
            "unknown key \"flags\"", nil
        ),
        ("    options: {matchOn: both}\n    rules: []\n", "matchOn must be", nil),
        // A limit high enough to let one runaway pattern hold an event loop for seconds is refused.
        ("    options: {matchLimit: 4294967295}\n    rules: []\n", "matchLimit must be between 1000 and 10000000", nil),
        ("    options: {matchLimit: 0}\n    rules: []\n", "matchLimit must be between", nil),
        ("    options: {depthLimit: 5}\n    rules: []\n", "depthLimit must be between 10 and 1000000", nil),
        ("    rules: {a: b}\n", "expected rules to be a list", nil),
    ]

    @Test(arguments: errors)
    func refusesBadRulesWithPositions(_ body: String, _ message: String, _ column: Int?) async throws {
        let error = try await stageError("regex", body)
        #expect(error.message.contains(message), "\(error)")
        #expect(error.stage == "under-test")
        if let column { #expect(error.location.column == column, "\(error)") }
    }
}
