import CoreMetrics
import Foundation
import Prometheus
import ReplacerAdmission
import ReplacerCore
import ReplacerMatchers
import ReplacerServer
import Testing

@testable import ReplacerDigest

let digestRegistry: MatcherRegistry = {
    do {
        return try MatcherRegistry([ExactMatcher.self, PrefixMatcher.self, RegexMatcher.self, DigestMatcher.self])
    } catch {
        fatalError("the built-in matchers must register: \(error)")
    }
}()

func rules(_ stages: String, metrics: any MetricsFactory = NOOPMetricsHandler.instance) async throws -> RuleSet {
    try await RuleSetLoader(registry: digestRegistry, metrics: metrics).load(
        text: "apiVersion: k8s-image-replacer/v1\nkind: RuleSet\nstages:\n" + stages, file: "rules.yaml")
}

/// The `digest` stage end to end: rule file → pipeline → real registry on loopback.
@Suite(.serialized) struct DigestMatcherTests {
    @Test func pinsTagsAndLeavesDigestsAlone() async throws {
        let registry = try await LocalRegistry()
        defer { registry.stop() }
        let pushed = try await ImagePusher(base: registry.base).pushImage("team/app", reference: "v1")
        let index = try await ImagePusher(base: registry.base).pushIndex("team/multi", tag: "latest")
        // The stage counts its lookups through the factory the loader is given, not the process-wide one.
        let prometheus = PrometheusCollectorRegistry()
        let ruleSet = try await rules(
            """
              - name: pin
                matcher: digest
                options: {insecureRegistries: ["\(registry.host)"], repositories: ["\(registry.host)/team/*"]}
            """, metrics: PrometheusMetricsFactory(registry: prometheus))
        let pipeline = Pipeline(ruleSet)
        let first = await pipeline.run("\(registry.host)/team/app:v1")
        #expect(first.image == "\(registry.host)/team/app:v1@\(pushed.digest)")
        #expect(first.stages.first?.detail?.contains("(registry)") == true)
        #expect(
            await pipeline.run("\(registry.host)/team/multi").image == "\(registry.host)/team/multi:latest@\(index)")
        let again = await pipeline.run(first.image)
        #expect(!again.changed, "an image with a digest is left alone, so a second pass changes nothing")
        #expect(await pipeline.run("\(registry.host)/other/app:v1").stages.first?.outcome == .noMatch)
        var exposition: [UInt8] = []
        prometheus.emit(into: &exposition)
        let text = String(decoding: exposition, as: UTF8.self)
        #expect(text.contains(#"k8s_image_replacer_digest_lookups_total{stage="pin",result="miss"} 2"#), "\(text)")
        #expect(text.contains(#"k8s_image_replacer_digest_lookups_total{stage="pin",result="hit"} 0"#), "\(text)")
        await ruleSet.shutdown()
    }

    /// `foo_bar.com/x` has no valid host before its first "/", so upstream reads it all as a path: there is no
    /// registry to ask, and the stage says so instead of asking one called "".
    /// An image volume is pinned like a container image: `repo:tag@sha256:…` at its `reference`.
    @Test func pinsAnImageVolumeReference() async throws {
        let registry = try await LocalRegistry()
        defer { registry.stop() }
        let pushed = try await ImagePusher(base: registry.base).pushImage("team/models", reference: "v3")
        let ruleSet = try await rules(
            """
              - name: pin
                matcher: digest
                when: {containerKinds: [volumes]}
                options: {insecureRegistries: ["\(registry.host)"]}
            """)
        let outcome = await AdmissionReviewer().review(
            admissionReview(volumeReference: "\(registry.host)/team/models:v3"), ruleSet: ruleSet)
        guard case .answer(let data, let summary) = outcome else {
            Issue.record("expected an answer")
            return
        }
        let response =
            try #require(
                try JSONSerialization.jsonObject(with: data) as? [String: Any])["response"] as? [String: Any]
        let encoded = try #require(response?["patch"] as? String)
        let patch = try #require(Data(base64Encoded: encoded))
        let operations = try #require(try JSONSerialization.jsonObject(with: patch) as? [[String: Any]])
        let replaced = operations.first { $0["path"] as? String == "/spec/volumes/0/image/reference" }
        #expect(replaced?["value"] as? String == "\(registry.host)/team/models:v3@\(pushed.digest)")
        #expect(summary.rewrites.map(\.container) == ["volumes/models"])
        await ruleSet.shutdown()
    }

    @Test func aNameWithNoRegistryHostIsLeftAlone() async throws {
        let ruleSet = try await rules(
            """
              - name: pin
                matcher: digest
            """)
        let result = await Pipeline(ruleSet).run("foo_bar.com/x:1")
        #expect(!result.changed && result.warnings.isEmpty)
        #expect(result.stages.first?.outcome == .noMatch)
        #expect(
            result.stages.first?.detail
                == "foo_bar.com/x names no registry host, so there is no registry to resolve its tag")
        await ruleSet.shutdown()

        // Under onError: deny an image that cannot be pinned stops the pod, whatever the reason.
        let strict = try await rules(
            """
              - name: pin
                matcher: digest
                options: {onError: deny}
            """)
        let denied = await Pipeline(strict).run("foo_bar.com/x:1")
        #expect(denied.denial?.contains("names no registry host") == true, "\(String(describing: denied.denial))")
        await strict.shutdown()
    }

    @Test func digestOnlyOutputDropsTheTag() async throws {
        let registry = try await LocalRegistry()
        defer { registry.stop() }
        let pushed = try await ImagePusher(base: registry.base).pushImage("team/app", reference: "v1")
        let ruleSet = try await rules(
            """
              - name: pin
                matcher: digest
                options: {insecureRegistries: ["\(registry.host)"], output: digest}
            """)
        #expect(
            await Pipeline(ruleSet).run("\(registry.host)/team/app:v1").image
                == "\(registry.host)/team/app@\(pushed.digest)")
        await ruleSet.shutdown()
    }

    @Test func cacheHitsExpiryAndOneLookupForConcurrentAdmissions() async throws {
        let registry = try await LocalRegistry()
        defer { registry.stop() }
        _ = try await ImagePusher(base: registry.base).pushImage("team/app", reference: "v1")
        let proxy = try await CountingProxy(upstream: registry.base)
        let ruleSet = try await rules(
            """
              - name: pin
                matcher: digest
                options: {insecureRegistries: ["\(proxy.host)"], cacheTTL: 400ms}
            """)
        let pipeline = Pipeline(ruleSet)
        let image = "\(proxy.host)/team/app:v1"
        proxy.delay.withLockedValue { $0 = .milliseconds(100) }
        let results = await withTaskGroup(of: PipelineResult.self) { group in
            for _ in 0..<20 { group.addTask { await pipeline.run(image) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(results.map(\.image)).count == 1)
        #expect(results.allSatisfy { $0.changed })
        #expect(proxy.manifestRequests.withLockedValue { $0 } == 1, "twenty concurrent admissions share one lookup")
        proxy.delay.withLockedValue { $0 = .zero }

        let cached = await pipeline.run(image)
        #expect(cached.stages.first?.detail?.contains("(cache)") == true)
        #expect(proxy.manifestRequests.withLockedValue { $0 } == 1)
        try await Task.sleep(for: .milliseconds(600))
        _ = await pipeline.run(image)
        #expect(proxy.manifestRequests.withLockedValue { $0 } == 2, "an expired entry is looked up again")
        await ruleSet.shutdown()
        await proxy.stop()
    }

    @Test func resolvesAgainstTheUpstreamWhenAsked() async throws {
        let upstream = try await LocalRegistry()
        defer { upstream.stop() }
        let mirror = try await LocalRegistry()
        defer { mirror.stop() }
        let published = try await ImagePusher(base: upstream.base).pushImage(
            "lib/app", reference: "1.0", salt: "upstream")
        let substituted = try await ImagePusher(base: mirror.base).pushImage(
            "lib/app", reference: "1.0", salt: "mirror")
        #expect(published.digest != substituted.digest)
        let insecure = #"["\#(upstream.host)", "\#(mirror.host)"]"#
        let stages = """
              - name: mirror
                matcher: prefix
                rules: {"\(upstream.host)": "\(mirror.host)"}
              - name: pin
                matcher: digest
                options: {insecureRegistries: \(insecure), resolveFrom: RESOLVE}
            """
        let fromOriginal = try await rules(stages.replacingOccurrences(of: "RESOLVE", with: "original"))
        #expect(
            await Pipeline(fromOriginal).run("\(upstream.host)/lib/app:1.0").image
                == "\(mirror.host)/lib/app:1.0@\(published.digest)")
        let fromCurrent = try await rules(stages.replacingOccurrences(of: "RESOLVE", with: "current"))
        #expect(
            await Pipeline(fromCurrent).run("\(upstream.host)/lib/app:1.0").image
                == "\(mirror.host)/lib/app:1.0@\(substituted.digest)")
        await fromOriginal.shutdown()
        await fromCurrent.shutdown()
    }

    @Test func failuresKeepTheTagWithAWarningOrDenyWhenAsked() async throws {
        let registry = try await LocalRegistry()
        defer { registry.stop() }
        let keep = try await rules(
            """
              - name: pin
                matcher: digest
                options: {insecureRegistries: ["\(registry.host)"]}
            """)
        let kept = await Pipeline(keep).run("\(registry.host)/team/missing:v1")
        #expect(kept.image == "\(registry.host)/team/missing:v1")
        #expect(kept.stages.first?.outcome == .failed)
        #expect(kept.warnings.first?.contains("not found") == true, "\(kept.warnings)")

        let deny = try await rules(
            """
              - name: pin
                matcher: digest
                options: {insecureRegistries: ["\(registry.host)"], onError: deny}
            """)
        let denied = await Pipeline(deny).run("\(registry.host)/team/missing:v1")
        #expect(denied.stages.first?.outcome == .denied)
        #expect(denied.denial?.contains("cannot pin") == true)

        let outcome = await AdmissionReviewer().review(
            admissionReview(image: "\(registry.host)/team/missing:v1"), ruleSet: deny)
        guard case .answer(let data, let summary) = outcome else {
            Issue.record("expected an answer")
            return
        }
        let response =
            try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])["response"] as? [String: Any]
        #expect(response?["allowed"] as? Bool == false)
        #expect(((response?["status"] as? [String: Any])?["message"] as? String)?.contains("cannot pin") == true)
        #expect(summary.denial != nil)
        await keep.shutdown()
        await deny.shutdown()
    }

    @Test func slowRegistryCostsAtMostTheStageTimeout() async throws {
        let hole = try BlackHole()
        defer { hole.close() }
        let ruleSet = try await rules(
            """
              - name: pin
                matcher: digest
                options: {insecureRegistries: ["127.0.0.1:\(hole.port)"], timeout: 300ms}
            """)
        let started = ContinuousClock.now
        let result = await Pipeline(ruleSet).run("127.0.0.1:\(hole.port)/a/b:1")
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(result.image == "127.0.0.1:\(hole.port)/a/b:1")
        #expect(result.warnings.first?.contains("did not answer within") == true, "\(result.warnings)")
        await ruleSet.shutdown()
    }

    @Test(arguments: [
        ("    rules: {a: b}\n", "takes `options`, not `rules`"),
        ("    options: {timeout: soon}\n", "expected timeout to be a duration"),
        ("    options: {timeout: 30s}\n", "at most 8s"),
        ("    options: {onError: panic}\n", "unknown onError"),
        ("    options: {dockerConfig: /nonexistent/config.json}\n", "cannot read docker config"),
        ("    options: {caBundles: {r.corp: /nonexistent.pem}}\n", "cannot read a PEM CA bundle"),
    ])
    func refusesBadOptions(_ body: String, _ message: String) async throws {
        do {
            _ = try await rules("  - name: pin\n    matcher: digest\n" + body)
            Issue.record("expected a load error")
        } catch let error as RuleFileError {
            #expect(error.message.contains(message), "\(error)")
            #expect(error.stage == "pin")
        }
    }
}

/// A Pod review whose only image is an image volume's `reference`.
func admissionReview(volumeReference reference: String) -> Data {
    let body: [String: Any] = [
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": [
            "uid": "u-2", "kind": ["group": "", "version": "v1", "kind": "Pod"],
            "resource": ["group": "", "version": "v1", "resource": "pods"], "operation": "CREATE", "namespace": "x",
            "object": [
                "metadata": ["name": "p"],
                "spec": [
                    "containers": [] as [Any],
                    "volumes": [["name": "models", "image": ["reference": reference, "pullPolicy": "IfNotPresent"]]],
                ],
            ],
        ] as [String: Any],
    ]
    return try! JSONSerialization.data(withJSONObject: body)
}

func admissionReview(image: String) -> Data {
    let body: [String: Any] = [
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": [
            "uid": "u-1", "kind": ["group": "", "version": "v1", "kind": "Pod"],
            "resource": ["group": "", "version": "v1", "resource": "pods"], "operation": "CREATE", "namespace": "x",
            "object": ["metadata": ["name": "p"], "spec": ["containers": [["name": "c", "image": image]]]],
        ] as [String: Any],
    ]
    return try! JSONSerialization.data(withJSONObject: body)
}
