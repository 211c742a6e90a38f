import Foundation
import NIOConcurrencyHelpers
import NIOCore
import ReplacerCore
import Testing

@testable import ReplacerRegistry

/// Registries that misbehave during a digest lookup (issue #8): answers dribbled out byte by byte, server errors,
/// digest headers that contradict the manifest served.
@Suite(.serialized) struct RegistryFaultTests {
    func pinStage(_ host: String, _ options: String = "") async throws -> RuleSet {
        try await rules(
            """
              - name: pin
                matcher: digest
                options: {insecureRegistries: ["\(host)"], timeout: 500ms\(options)}
            """)
    }

    enum Dribble: String, CaseIterable, Sendable {
        /// The HEAD answer, status line included, one byte at a time.
        case wholeAnswer
        /// HEAD at once without a digest header, then the manifest GET's body one byte at a time: AsyncHTTPClient's
        /// deadline stops at the response head, so this one is bounded by the client's own deadline on the body.
        case manifestBody
    }

    /// A registry answering one byte every 200 ms (the answer would take over a minute) costs the stage its
    /// timeout, not more: the tag is kept with a timeout warning.
    @Test(arguments: Dribble.allCases)
    func registryDribblingItsAnswerCostsAtMostTheStageTimeout(_ dribble: Dribble) async throws {
        let manifest = ScriptedRegistry.manifest()
        let registry = try await ScriptedRegistry { method, _ in
            switch dribble {
            case .wholeAnswer:
                return .init(
                    status: 200, headers: [("Docker-Content-Digest", manifest.digest)], body: manifest.body,
                    pace: .wholeAnswer(byteEvery: .milliseconds(200)))
            case .manifestBody:
                return .init(
                    status: 200, body: manifest.body,
                    pace: method == "GET" ? .bodyOnly(byteEvery: .milliseconds(200)) : .atOnce)
            }
        }
        let ruleSet = try await pinStage(registry.host)
        let started = ContinuousClock.now
        let result = await Pipeline(ruleSet).run("\(registry.host)/team/app:v1")
        #expect(ContinuousClock.now - started < .seconds(5), "the lookup outlived its 500 ms budget by far")
        #expect(result.image == "\(registry.host)/team/app:v1")
        #expect(result.warnings.first?.contains("did not answer within") == true, "\(result.warnings)")
        if dribble == .manifestBody {
            #expect(registry.requests.withLockedValue { $0 }.map { $0.prefix(4) } == ["HEAD", "GET "])
        }
        await ruleSet.shutdown()
        await registry.stop()
    }

    /// 500s keep the tag with a warning (`onError: keep`) or deny (`onError: deny`); the failure is remembered for
    /// `failureTTL` only, so a recovered registry is used again.
    @Test func serverErrorsFollowOnErrorAndAreNotCachedForever() async throws {
        let manifest = ScriptedRegistry.manifest()
        let healthy = NIOLockedValueBox(false)
        let registry = try await ScriptedRegistry { _, _ in
            healthy.withLockedValue { $0 }
                ? .init(status: 200, headers: [("Docker-Content-Digest", manifest.digest)])
                : .init(status: 500, body: Array("internal error".utf8))
        }
        let image = "\(registry.host)/team/app:v1"
        let keep = try await pinStage(registry.host, ", failureTTL: 300ms")
        let pipeline = Pipeline(keep)
        let kept = await pipeline.run(image)
        #expect(kept.image == image)
        #expect(kept.stages.first?.outcome == .failed)
        #expect(kept.warnings.first?.contains("HTTP 500") == true, "\(kept.warnings)")
        let asked = registry.requests.withLockedValue { $0.count }
        _ = await pipeline.run(image)
        #expect(
            registry.requests.withLockedValue { $0.count } == asked,
            "within failureTTL the failure is answered from memory")

        healthy.withLockedValue { $0 = true }
        let deadline = ContinuousClock.now + .seconds(10)
        var pinned = await pipeline.run(image)
        while !pinned.changed && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            pinned = await pipeline.run(image)
        }
        #expect(
            pinned.image == "\(image)@\(manifest.digest)", "the failure expired and the recovered registry was asked")

        healthy.withLockedValue { $0 = false }
        let deny = try await pinStage(registry.host, ", onError: deny")
        let denied = await Pipeline(deny).run(image)
        #expect(denied.stages.first?.outcome == .denied)
        #expect(denied.denial?.contains("HTTP 500") == true, "\(denied.denial ?? "")")
        await keep.shutdown()
        await deny.shutdown()
        await registry.stop()
    }

    /// A registry that sends no digest on HEAD, and on GET a `Docker-Content-Digest` that is not the hash of the
    /// manifest it serves: the contradiction is an error, and neither digest is pinned.
    @Test func digestHeaderContradictingTheManifestIsNotPinned() async throws {
        let manifest = ScriptedRegistry.manifest()
        let other = ScriptedRegistry.manifest(salt: "something else").digest
        let registry = try await ScriptedRegistry { method, _ in
            .init(status: 200, headers: method == "GET" ? [("Docker-Content-Digest", other)] : [], body: manifest.body)
        }
        let ruleSet = try await pinStage(registry.host)
        let result = await Pipeline(ruleSet).run("\(registry.host)/team/app:v1")
        #expect(result.image == "\(registry.host)/team/app:v1", "no digest may be pinned")
        #expect(result.warnings.first?.contains("does not match") == true, "\(result.warnings)")
        await ruleSet.shutdown()
        await registry.stop()
    }

    /// What the client does with a digest it cannot check: a HEAD answer carries no bytes to hash, so its
    /// `Docker-Content-Digest` is taken as is and no GET is made. A lying registry therefore gets its digest
    /// pinned; the pod then fails to pull (the runtime verifies content against the digest), failing closed
    /// rather than running other bytes.
    @Test func headDigestIsTakenWithoutFetchingTheManifest() async throws {
        let manifest = ScriptedRegistry.manifest()
        let claimed = ScriptedRegistry.manifest(salt: "claimed").digest
        let registry = try await ScriptedRegistry { _, _ in
            .init(status: 200, headers: [("Docker-Content-Digest", claimed)], body: manifest.body)
        }
        let client = RegistryClient(
            configuration: {
                var configuration = RegistryClient.Configuration()
                configuration.insecureRegistries = [registry.host]
                return configuration
            }())
        let digest = try await client.resolveDigest(
            host: registry.host, repository: "team/app", tag: "v1", deadline: .now() + .seconds(5))
        #expect(digest == claimed)
        #expect(registry.requests.withLockedValue { $0 } == ["HEAD /v2/team/app/manifests/v1"])
        await client.shutdown()
        await registry.stop()
    }
}
