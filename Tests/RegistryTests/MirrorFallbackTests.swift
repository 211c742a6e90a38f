import Foundation
import ReplacerCore
import ReplacerMatchers
import Testing

@testable import ReplacerRegistry

/// Mirror verification against real registries on loopback playing an upstream and two mirrors.
@Suite(.serialized) struct MirrorFallbackTests {
    static func health() -> RegistryHealth {
        var settings = RegistryHealth.Settings()
        settings.failureThreshold = 2
        settings.openDuration = .seconds(30)
        settings.probeInterval = .milliseconds(100)
        settings.probeTimeout = .milliseconds(500)
        return RegistryHealth(settings: settings)
    }

    static func rules(
        upstream: String, mirrors: [String], policy: String = "manifest", timeout: String = "1s", health: RegistryHealth
    )
        async throws -> RuleSet
    {
        let list = mirrors.map { "\"\($0)\"" }.joined(separator: ", ")
        let insecure = (mirrors + [upstream]).map { "\"\($0.split(separator: "/")[0])\"" }.joined(separator: ", ")
        let text = """
            apiVersion: k8s-image-replacer/v1
            kind: RuleSet
            stages:
              - name: mirrors
                matcher: prefix
                rules: {"\(upstream)": [\(list)]}
                verify: {policy: \(policy), timeout: \(timeout), insecureRegistries: [\(insecure)]}
            """
        return try await RuleSetLoader(
            registry: digestRegistry, verifierFactory: MirrorVerifier.factory(health: health)
        )
        .load(text: text, file: "rules.yaml")
    }

    @Test func usesTheFirstMirrorThatServesTheImage() async throws {
        let (a, b) = (try await LocalRegistry(), try await LocalRegistry())
        defer {
            a.stop()
            b.stop()
        }
        _ = try await ImagePusher(base: b.base).pushImage("lib/app", reference: "1")
        _ = try await ImagePusher(base: a.base).pushImage("lib/only-on-a", reference: "1")
        let health = Self.health()
        let ruleSet = try await Self.rules(upstream: "upstream.corp", mirrors: [a.host, b.host], health: health)
        let pipeline = Pipeline(ruleSet)

        let onA = await pipeline.run("upstream.corp/lib/only-on-a:1")
        #expect(onA.image == "\(a.host)/lib/only-on-a:1")
        #expect(onA.fellBackBy.isEmpty)

        let fallback = await pipeline.run("upstream.corp/lib/app:1")
        #expect(fallback.image == "\(b.host)/lib/app:1", "a lacks it (404), b has it")
        #expect(fallback.fellBackBy == ["mirrors"])
        let tried = try #require(fallback.stages.first?.alternatives)
        #expect(tried.map(\.passed) == [false, true])
        #expect(tried.first?.detail.contains("not found") == true)
        #expect(tried.map(\.source) == [.live, .live])
        #expect(health.state(of: a.host) == .closed, "a 404 is an answer, not a host failure")

        let cached = await pipeline.run("upstream.corp/lib/app:1")
        #expect(cached.stages.first?.alternatives?.map(\.source) == [.cache, .cache])
        await ruleSet.shutdown()
    }

    @Test func downMirrorOpensItsBreakerAndIsSkippedUntilItComesBack() async throws {
        var a = try await LocalRegistry()
        let b = try await LocalRegistry()
        defer { b.stop() }
        let port = a.port
        for name in ["x1", "x2", "x3", "x4"] {
            _ = try await ImagePusher(base: b.base).pushImage("lib/\(name)", reference: "1")
        }
        a.stop()
        let health = Self.health()
        let ruleSet = try await Self.rules(upstream: "upstream.corp", mirrors: [a.host, b.host], health: health)
        let pipeline = Pipeline(ruleSet)

        // Two refused connections (threshold 2) open the breaker; each costs little since refusals fail at once.
        for name in ["x1", "x2"] {
            let result = await pipeline.run("upstream.corp/lib/\(name):1")
            #expect(result.image == "\(b.host)/lib/\(name):1")
        }
        #expect(health.state(of: a.host) == .open)
        let skipped = await pipeline.run("upstream.corp/lib/x3:1")
        #expect(skipped.stages.first?.alternatives?.first?.source == .breaker)
        #expect(skipped.image == "\(b.host)/lib/x3:1")

        // The mirror comes back on the same address; the prober notices and closes the breaker.
        a = try await LocalRegistry(port: port)
        defer { a.stop() }
        _ = try await ImagePusher(base: a.base).pushImage("lib/x4", reference: "1")
        let deadline = ContinuousClock.now + .seconds(10)
        while health.state(of: a.host) != .closed, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(health.state(of: a.host) == .closed)
        #expect(await pipeline.run("upstream.corp/lib/x4:1").image == "\(a.host)/lib/x4:1")
        await ruleSet.shutdown()
        health.shutdown()
    }

    @Test func hangingMirrorCostsTheBudgetOnceThenTheBreakerProtects() async throws {
        let hole = try BlackHole()
        defer { hole.close() }
        let b = try await LocalRegistry()
        defer { b.stop() }
        _ = try await ImagePusher(base: b.base).pushImage("lib/app", reference: "1")
        _ = try await ImagePusher(base: b.base).pushImage("lib/app", reference: "2")
        let hung = "127.0.0.1:\(hole.port)"
        let health = Self.health()
        let ruleSet = try await Self.rules(
            upstream: "upstream.corp", mirrors: [hung, b.host], timeout: "400ms", health: health)
        let pipeline = Pipeline(ruleSet)

        let first = await pipeline.run("upstream.corp/lib/app:1")
        #expect(first.image == "upstream.corp/lib/app:1", "the hang used the whole budget, so b was not reached")
        #expect(first.stages.first?.alternatives?.last?.source == .budget)
        #expect(health.state(of: hung) == .open, "a timeout opens the breaker at once")

        let second = await pipeline.run("upstream.corp/lib/app:2")
        #expect(second.image == "\(b.host)/lib/app:2")
        #expect(second.stages.first?.alternatives?.first?.source == .breaker)
        await ruleSet.shutdown()
        health.shutdown()
    }

    @Test func allMirrorsDownKeepsTheOriginalWithAWarning() async throws {
        let (p1, p2) = (try freeLoopbackPort(), try freeLoopbackPort())
        let health = Self.health()
        let ruleSet = try await Self.rules(
            upstream: "docker.io", mirrors: ["127.0.0.1:\(p1)/hub", "127.0.0.1:\(p2)/hub"], health: health)
        let result = await Pipeline(ruleSet).run("nginx:1.27")
        #expect(result.image == "nginx:1.27")
        #expect(result.stages.first?.outcome == .unverified)
        #expect(result.warnings.first?.contains("no mirror passed verification") == true)
        await ruleSet.shutdown()
    }

    @Test func reachablePolicyNeedsOnlyTheAPIRoot() async throws {
        let a = try await LocalRegistry()
        defer { a.stop() }
        let health = Self.health()
        let ruleSet = try await Self.rules(
            upstream: "docker.io", mirrors: ["\(a.host)/hub"], policy: "reachable", health: health)
        let result = await Pipeline(ruleSet).run("nginx:1.27")
        #expect(result.image == "\(a.host)/hub/library/nginx:1.27")
        #expect(result.stages.first?.alternatives?.first?.detail.contains("answered") == true)
        await ruleSet.shutdown()
    }
}
