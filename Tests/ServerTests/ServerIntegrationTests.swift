import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import ReplacerAdmission
import ReplacerCore
import ReplacerRegistry
import Testing

@testable import ReplacerServer

/// End-to-end over real TLS on loopback with a real HTTP client, one server per test.
@Suite(.serialized) struct ServerIntegrationTests {
    @Test(arguments: [false, true])
    func mutatesOverHTTP1AndHTTP2(http2: Bool) async throws {
        try await withServer { server in
            try await withClient(try server.client(http2: http2)) { client in
                let object = pod(
                    containers: ["nginx:1.25"], initContainers: ["busybox"], ephemeralContainers: ["alpine:3"])
                let response = try await server.post(client, "/mutate", review(object))
                #expect(response.status == 200)
                #expect(response.version.major == (http2 ? 2 : 1))
                let answer = try decodeAnswer(response.body)
                let patched = try apply(try #require(answer.patch), to: object)
                #expect(images(patched, ["spec"]) == ["mirror.corp/hub/library/nginx:1.25"])
                #expect(images(patched, ["spec"], "initContainers") == ["mirror.corp/hub/library/busybox"])
                #expect(images(patched, ["spec"], "ephemeralContainers") == ["mirror.corp/hub/library/alpine:3"])
                // Keep-alive: a second request on the same client reuses the connection and still works.
                let again = try await server.post(client, "/mutate", review(patched as! [String: Any]))
                #expect(try decodeAnswer(again.body).patch == nil)
            }
        }
    }

    @Test(arguments: [false, true])
    func malformedAndOversizedBodiesGet4xx(http2: Bool) async throws {
        try await withServer { server in
            try await withClient(try server.client(http2: http2)) { client in
                let malformed = try await server.post(client, "/mutate", Data("{\"request\": 12}".utf8))
                #expect(malformed.version.major == (http2 ? 2 : 1))
                #expect(malformed.status == 400)
                #expect(String(decoding: malformed.body, as: UTF8.self).contains("not an AdmissionReview"))
                let rejected = #"k8s_image_replacer_admission_requests_total{outcome="rejected"}"#
                let before = metricValue(try await server.probe("/metrics").body, rejected)
                let huge = try await server.post(client, "/mutate", Data(repeating: UInt8(ascii: " "), count: 2 << 20))
                #expect(huge.status == 413)
                // Both refusals in the one shape a client parses: {"error": "message"}.
                for refused in [malformed, huge] {
                    let error =
                        (try JSONSerialization.jsonObject(with: refused.body) as? [String: Any])?["error"] as? String
                    #expect(error?.isEmpty == false, "\(String(decoding: refused.body, as: UTF8.self))")
                }
                #expect(String(decoding: huge.body, as: UTF8.self).contains("larger than 1048576 bytes"))
                // A compressed body is refused for what it is, not as JSON that fails at byte 0.
                let gzipped = try await server.send(
                    client, .POST, "/mutate", review(pod(containers: ["nginx"])),
                    headers: [("Content-Encoding", "gzip")])
                #expect(gzipped.status == 415)
                #expect(
                    String(decoding: gzipped.body, as: UTF8.self).contains("Content-Encoding gzip is not supported"))
                // Another method than POST is told what the endpoint takes, on the same connection.
                let wrong = try await server.send(client, .GET, "/mutate")
                #expect(wrong.status == 405 && wrong.headers["Allow"] == ["POST"])
                #expect(String(decoding: wrong.body, as: UTF8.self).contains("/mutate takes POST"))
                for method: NIOHTTP1.HTTPMethod in [.HEAD, .OPTIONS, .DELETE] {
                    #expect(try await server.send(client, method, "/explain").status == 405, "\(method)")
                }
                // Counted like the 400s; other suites run in parallel in this process and share the counter, so
                // at least one more there; the warning logged beside the count is this server's alone.
                #expect(metricValue(try await server.probe("/metrics").body, rejected) >= before + 1)
                let logged = server.warnings.lines("admission request rejected").filter {
                    $0.metadata["status"] == "413"
                }
                #expect(logged.count == 1)
                #expect(logged.first?.metadata["reason"]?.contains("larger than 1048576 bytes") == true)
            }
        }
    }

    @Test func explainTakesImagesAndPods() async throws {
        try await withServer { server in
            try await withClient(try server.client()) { client in
                let single = try await server.post(
                    client, "/explain", Data(#"{"image":"redis:7","namespace":"x"}"#.utf8))
                #expect(single.status == 200)
                let document = try JSONDecoder().decode(ExplainDocument.self, from: single.body)
                #expect(document.results.map(\.image) == ["mirror.corp/hub/library/redis:7"])
                #expect(document.results[safe: 0]?.stages.map(\.outcome) == [.rewritten, .noMatch])

                let podBody = try JSONSerialization.data(
                    withJSONObject: pod(containers: ["nginx"], initContainers: ["quay.io/broken/x:1"]))
                let fromPod = try JSONDecoder().decode(
                    ExplainDocument.self, from: try await server.post(client, "/explain", podBody).body)
                #expect(fromPod.results.map(\.container) == ["containers/c0", "initContainers/i0"])
                #expect(fromPod.results[safe: 1]?.stages[safe: 1]?.outcome == .refused)

                let fromReview = try JSONDecoder().decode(
                    ExplainDocument.self,
                    from: try await server.post(client, "/explain", review(pod(containers: ["nginx"]))).body)
                #expect(fromReview.results.count == 1)

                let empty = try await server.post(client, "/explain", Data("{}".utf8))
                #expect(empty.status == 400)
            }
        }
    }

    /// `/explain` on a Pod or a review shows what `/mutate` does to it: the same containers, the same context
    /// (`imagePullPolicy: Never` is left alone), the same pods and kinds left alone.
    @Test func explainAnswersAsMutateWould() async throws {
        try await withServer { server in
            try await withClient(try server.client()) { client in
                let object: [String: Any] = [
                    "kind": "Pod", "metadata": ["name": "p", "namespace": "team-a"],
                    "spec": [
                        "containers": [
                            ["name": "local", "image": "nginx", "imagePullPolicy": "Never"],
                            ["name": "app", "image": "redis:7"],
                        ]
                    ],
                ]
                let mutated = try decodeAnswer(try await server.post(client, "/mutate", review(object)).body)
                let patched = try apply(try #require(mutated.patch), to: object)
                for body in [try JSONSerialization.data(withJSONObject: object), review(object)] {
                    let explained = try await server.post(client, "/explain", body)
                    #expect(explained.status == 200)
                    let document = try JSONDecoder().decode(ExplainDocument.self, from: explained.body)
                    #expect(document.results.map(\.image) == images(patched, ["spec"]))
                    #expect(document.results.map(\.container) == ["containers/local", "containers/app"])
                }

                // Admitted again (a reinvocation): /mutate leaves its own answer alone, and /explain says so.
                let again = patched as! [String: Any]
                #expect(try decodeAnswer(try await server.post(client, "/mutate", review(again)).body).patch == nil)
                let reexplained = try JSONDecoder().decode(
                    ExplainDocument.self, from: try await server.post(client, "/explain", review(again)).body)
                let app = try #require(reexplained.results.last)
                #expect(
                    app.container == "containers/app" && app.image == "mirror.corp/hub/library/redis:7" && !app.changed)
                #expect(!app.stages.isEmpty)
                #expect(
                    app.stages.allSatisfy {
                        $0.outcome == .notReached && $0.detail?.contains("own rewrite of redis:7") == true
                    })
                // Changed against the annotation, the image is the user's again: both rewrite it.
                let edited: [String: Any] = [
                    "kind": "Pod",
                    "metadata": [
                        "name": "p", "namespace": "team-a",
                        "annotations": [AdmissionAnnotations.originalImages: #"{"containers/app":"redis:7"}"#],
                    ],
                    "spec": ["containers": [["name": "app", "image": "redis:8"]]],
                ]
                let editedPatch = try #require(
                    try decodeAnswer(try await server.post(client, "/mutate", review(edited)).body).patch)
                let editedExplained = try JSONDecoder().decode(
                    ExplainDocument.self, from: try await server.post(client, "/explain", review(edited)).body)
                #expect(editedExplained.results.map(\.image) == images(try apply(editedPatch, to: edited), ["spec"]))
                #expect(editedExplained.results.first?.image == "mirror.corp/hub/library/redis:8")

                let optedOut = pod(containers: ["nginx"], annotations: [AdmissionAnnotations.skip: "true"])
                for body in [try JSONSerialization.data(withJSONObject: optedOut), review(optedOut)] {
                    let refused = try await server.post(client, "/explain", body)
                    #expect(refused.status == 400)
                    #expect(String(decoding: refused.body, as: UTF8.self).contains("opted out"))
                }
                let deployment = review(
                    AdmissionReviewerTests.deployment(), kind: "Deployment", group: "apps", resource: "deployments")
                let templates = try await server.post(client, "/explain", deployment)
                #expect(templates.status == 400, "these rules leave pod templates alone, as /mutate does")
                #expect(String(decoding: templates.body, as: UTF8.self).contains("podTemplates"))
                // The same for the bare manifest, as the CREATE the API server would send for it.
                let manifest = try JSONSerialization.data(withJSONObject: AdmissionReviewerTests.deployment())
                let bare = try await server.post(client, "/explain", manifest)
                #expect(bare.status == 400 && String(decoding: bare.body, as: UTF8.self).contains("podTemplates"))
            }
        }
    }

    /// The review shapes the API server sends besides a plain CREATE, over real TLS, with the patch applied.
    @Test(arguments: [false, true])
    func dryRunEphemeralContainersAndOtherKindsOverTLS(http2: Bool) async throws {
        try await withServer { server in
            try await withClient(try server.client(http2: http2)) { client in
                let object = pod(containers: ["nginx"])
                let dry = try decodeAnswer(try await server.post(client, "/mutate", review(object, dryRun: true)).body)
                #expect(
                    images(try apply(try #require(dry.patch), to: object), ["spec"]) == [
                        "mirror.corp/hub/library/nginx"
                    ])

                let old = pod(containers: ["redis"], ephemeralContainers: ["alpine"])
                let new = pod(containers: ["redis"], ephemeralContainers: ["alpine", "busybox:1.36"])
                let body = review(new, subResource: "ephemeralcontainers", operation: "UPDATE", oldObject: old)
                let debug = try decodeAnswer(try await server.post(client, "/mutate", body).body)
                let patched = try apply(try #require(debug.patch), to: new)
                #expect(
                    images(patched, ["spec"], "ephemeralContainers") == [
                        "alpine", "mirror.corp/hub/library/busybox:1.36",
                    ])
                #expect(images(patched, ["spec"]) == ["redis"])
                #expect(annotations(patched)[AdmissionAnnotations.originalImages] == nil)

                let service: [String: Any] = [
                    "kind": "Service", "metadata": ["name": "s"], "spec": ["type": "ClusterIP"],
                ]
                let other = try await server.post(
                    client, "/mutate", review(service, kind: "Service", resource: "services"))
                #expect(other.status == 200)
                let answer = try decodeAnswer(other.body)
                #expect(answer.allowed && answer.patch == nil)
            }
        }
    }

    @Test func probesAndMetrics() async throws {
        try await withServer { server in
            #expect(try await server.probe("/healthz").status == 200)
            #expect(try await server.probe("/readyz").status == 200)
            let series = [
                #"k8s_image_replacer_admission_requests_total{outcome="patched"}"#,
                #"k8s_image_replacer_rewrites_total{stage="hub"}"#,
                #"k8s_image_replacer_refused_rewrites_total{stage="quay-broken"}"#,
            ]
            let before = try await server.probe("/metrics").body
            try await withClient(try server.client()) { client in
                _ = try await server.post(client, "/mutate", review(pod(containers: ["nginx"])))
                _ = try await server.post(client, "/mutate", review(pod(containers: ["quay.io/broken/y:1"])))
            }
            let metrics = try await server.probe("/metrics").body
            // Counters are process-wide and other suites run alongside: each went up by at least this server's part.
            for name in series { #expect(metricValue(metrics, name) >= metricValue(before, name) + 1, "\(name)") }
            #expect(metrics.contains("k8s_image_replacer_admission_duration_seconds_bucket"))
            #expect(metrics.contains("k8s_image_replacer_rules_generation"))
        }
    }

    @Test func mirrorHealthAndFallbacksReachTheMetrics() async throws {
        let (down1, down2) = (try freePort(), try freePort())
        let rules = """
            apiVersion: k8s-image-replacer/v1
            kind: RuleSet
            stages:
              - name: verified-mirrors
                matcher: prefix
                rules: {docker.io: ["127.0.0.1:\(down1)/hub", "127.0.0.1:\(down2)/hub"]}
                verify: {policy: reachable, timeout: 1s, insecureRegistries: ["127.0.0.1:\(down1)", "127.0.0.1:\(down2)"]}
            """
        let server = try await LiveServer(rules: rules, verifiesMirrors: true)
        do {
            try await withClient(try server.client()) { client in
                for _ in 0..<4 {
                    let answer = try decodeAnswer(
                        try await server.post(client, "/mutate", review(pod(containers: ["nginx"]))).body)
                    #expect(answer.patch == nil, "no mirror answers, so the pod keeps its image")
                    #expect(answer.warnings.first?.contains("no mirror passed verification") == true)
                }
            }
            let metrics = try await server.probe("/metrics").body
            #expect(
                metrics.contains(#"k8s_image_replacer_mirror_fallbacks_total{stage="verified-mirrors",to="original"}"#))
            #expect(metrics.contains(#"k8s_image_replacer_mirror_up{host="127.0.0.1:\#(down1)"} 0"#))
            #expect(
                metrics.contains(
                    #"k8s_image_replacer_mirror_breaker_transitions_total{host="127.0.0.1:\#(down1)",to="open"}"#))
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func rulesReloadWhileRequestsFlowAndBadFilesAreIgnored() async throws {
        try await withServer { server in
            try await withClient(try server.client()) { client in
                let flowing = Task {
                    var failures = 0
                    for _ in 0..<60 {
                        let response = try await server.post(client, "/mutate", review(pod(containers: ["nginx"])))
                        if response.status != 200 { failures += 1 }
                    }
                    return failures
                }
                try server.swapRules(serverRules.replacingOccurrences(of: "mirror.corp/hub", with: "mirror2.corp/hub"))
                try await waitFor { server.rules.current.generation == 2 }
                let after = try decodeAnswer(
                    try await server.post(client, "/mutate", review(pod(containers: ["nginx"]))).body)
                #expect(after.patch?.first?["value"] as? String == "mirror2.corp/hub/library/nginx")

                // Other suites' servers share this process's metrics: wait for this server's failure to be counted.
                let failures = #"k8s_image_replacer_reloads_total{file="rules",result="failure"}"#
                let before = metricValue(try await server.probe("/metrics").body, failures)
                try server.swapRules(
                    "apiVersion: k8s-image-replacer/v1\nkind: RuleSet\nstages: [{name: x, matcher: nope}]\n")
                try await waitFor { metricValue(try await server.probe("/metrics").body, failures) > before }
                #expect(server.rules.current.generation == 2)
                try server.swapRules("garbage: [")
                try await Task.sleep(for: .milliseconds(200))
                #expect(server.rules.current.generation == 2)
                #expect(try await server.probe("/readyz").status == 200)
                #expect(try await flowing.value == 0)
            }
        }
    }

}
