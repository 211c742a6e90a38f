import ReplacerCore
import ReplacerPluginPullThroughCache
import Testing

@Suite struct PullThroughCacheTests {
    static let rules = ruleFile(
        """
          - name: pull-through
            matcher: pull-through-cache
            options:
              exclude: ["docker.io/mycorp/*"]
            rules:
              docker.io: {ecr: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub}
              public.ecr.aws: {ecr: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecr-public}
              quay.io: {harbor: "harbor.corp:8443/quay-proxy"}
              "*.azurecr.io": {harbor: harbor.corp/acr-proxy}
              "*": {hostPath: cache.corp/mirror}
        """)

    @Test(arguments: [
        // Docker Hub official images keep library/, which ECR and Harbor both require.
        ("nginx:1.27", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/library/nginx:1.27"),
        ("nginx", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/library/nginx"),
        ("docker.io/nginx", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/library/nginx"),
        ("index.docker.io/library/redis:7", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/library/redis:7"),
        (
            "registry-1.docker.io/bitnami/redis:7",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/bitnami/redis:7"
        ),
        ("bitnami/redis:7.2", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/bitnami/redis:7.2"),
        (
            "public.ecr.aws/eks-distro/kubernetes/pause:3.9",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecr-public/eks-distro/kubernetes/pause:3.9"
        ),
        // Harbor: the project replaces the upstream host; the cache's own port stays in the host.
        ("quay.io/prometheus/node-exporter:v1.8.0", "harbor.corp:8443/quay-proxy/prometheus/node-exporter:v1.8.0"),
        ("myteam.azurecr.io/app:2", "harbor.corp/acr-proxy/app:2"),
        // One cache for every other upstream: the host is a path component, its port joined with "-".
        ("ghcr.io/org/tool:v1", "cache.corp/mirror/ghcr.io/org/tool:v1"),
        ("registry.local:5000/team/app:1", "cache.corp/mirror/registry.local-5000/team/app:1"),
        ("localhost:5000/app", "cache.corp/mirror/localhost-5000/app"),
        // Digests are carried over, with or without a tag.
        (
            "nginx@sha256:" + String(repeating: "a", count: 64),
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/library/nginx@sha256:"
                + String(repeating: "a", count: 64)
        ),
        (
            "ghcr.io/o/t:1@sha256:" + String(repeating: "b", count: 64),
            "cache.corp/mirror/ghcr.io/o/t:1@sha256:" + String(repeating: "b", count: 64)
        ),
    ])
    func namesImagesTheWayTheCacheServesThem(image: String, expected: String) async throws {
        let ruleSet = try await loadRules(Self.rules)
        let result = await run(ruleSet, image)
        #expect(result.image == expected, "\(result.stages)")
        // Idempotent: a reinvoked webhook leaves the cached name alone.
        let second = await run(ruleSet, result.image)
        #expect(second.image == result.image)
        #expect(second.stages.first?.detail?.hasPrefix("already named by the cache") == true)
        await ruleSet.shutdown()
    }

    @Test func traceNamesTheRuleAndTheProduct() async throws {
        let ruleSet = try await loadRules(Self.rules)
        let result = await run(ruleSet, "quay.io/a/b:1")
        let trace = try #require(result.stages.first)
        #expect(trace.matcher == "pull-through-cache")
        #expect(trace.outcome == .rewritten)
        #expect(trace.rule == "quay.io")
        #expect(trace.detail == "Harbor proxy-cache project quay-proxy")
        #expect(result.rewrittenBy == ["pull-through"])  // what the rewrites_total metric counts
        await ruleSet.shutdown()
    }

    @Test func excludedAndUnmatchedImagesStay() async throws {
        let ruleSet = try await loadRules(
            ruleFile(
                """
                  - name: pt
                    matcher: pull-through-cache
                    options: {exclude: ["docker.io/mycorp/*"]}
                    rules:
                      docker.io: {harbor: harbor.corp/hub}
                """))
        let excluded = await run(ruleSet, "mycorp/app:1")
        #expect(!excluded.changed)
        #expect(excluded.stages.first?.detail == "excluded by docker.io/mycorp/*")
        let other = await run(ruleSet, "quay.io/a/b:1")
        #expect(!other.changed)
        #expect(other.stages.first?.detail == "no cache for quay.io")
        // No valid host before the first "/": upstream reads it all as a path, so there is no registry to cache.
        let hostless = await run(ruleSet, "foo_bar.com/x:1")
        #expect(!hostless.changed)
        #expect(hostless.stages.first?.detail == "foo_bar.com/x names no registry host")
        await ruleSet.shutdown()
    }

    @Test func portSeparatorIsConfigurable() async throws {
        let ruleSet = try await loadRules(
            ruleFile(
                """
                  - name: pt
                    matcher: pull-through-cache
                    rules:
                      "*": {hostPath: "localhost:7439", portSeparator: "_"}
                """))
        #expect(await run(ruleSet, "registry.local:5000/app:1").image == "localhost:7439/registry.local_5000/app:1")
        #expect(await run(ruleSet, "nginx:1").image == "localhost:7439/docker.io/library/nginx:1")
        // The cache itself is never sent through the cache.
        #expect(!(await run(ruleSet, "localhost:7439/docker.io/library/nginx:1").changed))
        // An IPv6 host cannot be a path component: no rewrite, and the trace says why.
        let ipv6 = await run(ruleSet, "[::1]:5000/app:1")
        #expect(!ipv6.changed)
        #expect(ipv6.stages.first?.detail?.contains("cannot be written as a path component") == true)
        await ruleSet.shutdown()
    }

    @Test func ecrRootPrefixOnlyForAnECRUpstream() async throws {
        let ruleSet = try await loadRules(
            ruleFile(
                """
                  - name: ecr-to-ecr
                    matcher: pull-through-cache
                    rules:
                      111111111111.dkr.ecr.us-east-1.amazonaws.com: {ecr: 222222222222.dkr.ecr.eu-west-1.amazonaws.com}
                """))
        #expect(
            await run(ruleSet, "111111111111.dkr.ecr.us-east-1.amazonaws.com/team/app:3").image
                == "222222222222.dkr.ecr.eu-west-1.amazonaws.com/team/app:3")
        await ruleSet.shutdown()
    }

    @Test(arguments: [
        ("docker.io: {ecr: mirror.corp/docker-hub}", 7, "\"mirror.corp\" is not an ECR registry"),
        (
            "docker.io: {ecr: 123456789012.dkr.ecr.eu-west-1.amazonaws.com}", 7,
            "an ECR target needs the rule's repository prefix"
        ),
        ("docker.io: {ecr: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/x}", 7, "must be 2 to 30 characters"),
        ("quay.io: {harbor: harbor.corp/a/b}", 7, "exactly one project"),
        ("quay.io: {harbor: harbor.corp}", 7, "exactly one project"),
        ("quay.io: {harbor: harbor.corp/p, ecr: x}", 7, "give exactly one of ecr, harbor or hostPath"),
        ("quay.io: {harbor: harbor.corp/p, portSeparator: \"-\"}", 7, "portSeparator applies to hostPath only"),
        ("\"*\": {hostPath: cache.corp, portSeparator: \":\"}", 7, "portSeparator must be one of"),
        ("\"*\": {hostPath: \"cache.corp/Upper\"}", 7, "is not a valid repository path"),
        ("nginx: {hostPath: cache.corp}", 7, "\"nginx\" is not a registry host"),
        (
            "docker.io: {hostPath: a.corp}\n      index.docker.io: {hostPath: b.corp}", 8,
            "is the same registry as \"docker.io\""
        ),
    ])
    func badRulesFailTheLoadWithAPosition(rule: String, line: Int, message: String) async throws {
        let error = try await loadError(
            ruleFile(
                """
                  - name: pt
                    matcher: pull-through-cache
                    rules:
                      \(rule)
                """))
        #expect(error.location.line == line)
        #expect(error.stage == "pt")
        #expect(error.description.contains(message), "\(error)")
    }
}
