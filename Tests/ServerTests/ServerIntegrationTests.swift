import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Testing
import ReplacerAdmission
import ReplacerCore
import ReplacerRegistry
@testable import ReplacerServer

/// End-to-end over real TLS on loopback with a real HTTP client, one server per test.
@Suite(.serialized) struct ServerIntegrationTests {
    /// Runs `body` against a fresh server and always stops it.
    func withServer(
        rules: String = serverRules, clientCA: DevelopmentCertificates? = nil, _ body: (LiveServer) async throws -> Void
    ) async throws {
        let server = try await LiveServer(rules: rules, clientCA: clientCA)
        do {
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    func withClient(_ client: HTTPClient, _ body: (HTTPClient) async throws -> Void) async throws {
        do { try await body(client) } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    @Test(arguments: [false, true])
    func mutatesOverHTTP1AndHTTP2(http2: Bool) async throws {
        try await withServer { server in
            try await withClient(try server.client(http2: http2)) { client in
                let object = pod(containers: ["nginx:1.25"], initContainers: ["busybox"], ephemeralContainers: ["alpine:3"])
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
                #expect(String(decoding: huge.body, as: UTF8.self).contains("larger than 1048576 bytes"))
                // Counted like the 400s; other suites run in parallel in this process and share the counter, so
                // at least one more there; the warning logged beside the count is this server's alone.
                #expect(metricValue(try await server.probe("/metrics").body, rejected) >= before + 1)
                let logged = server.warnings.lines("admission request rejected").filter { $0.metadata["status"] == "413" }
                #expect(logged.count == 1)
                #expect(logged.first?.metadata["reason"]?.contains("larger than 1048576 bytes") == true)
            }
        }
    }

    @Test func explainTakesImagesAndPods() async throws {
        try await withServer { server in
            try await withClient(try server.client()) { client in
                let single = try await server.post(client, "/explain", Data(#"{"image":"redis:7","namespace":"x"}"#.utf8))
                #expect(single.status == 200)
                let document = try JSONDecoder().decode(ExplainDocument.self, from: single.body)
                #expect(document.results.map(\.image) == ["mirror.corp/hub/library/redis:7"])
                #expect(document.results[safe: 0]?.stages.map(\.outcome) == [.rewritten, .noMatch])

                let podBody = try JSONSerialization.data(withJSONObject: pod(containers: ["nginx"], initContainers: ["quay.io/broken/x:1"]))
                let fromPod = try JSONDecoder().decode(ExplainDocument.self, from: try await server.post(client, "/explain", podBody).body)
                #expect(fromPod.results.map(\.container) == ["containers/c0", "initContainers/i0"])
                #expect(fromPod.results[safe: 1]?.stages[safe: 1]?.outcome == .refused)

                let fromReview = try JSONDecoder().decode(ExplainDocument.self, from: try await server.post(client, "/explain", review(pod(containers: ["nginx"]))).body)
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
                    "spec": ["containers": [
                        ["name": "local", "image": "nginx", "imagePullPolicy": "Never"], ["name": "app", "image": "redis:7"],
                    ]],
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

                let optedOut = pod(containers: ["nginx"], annotations: [AdmissionReviewer.skipAnnotation: "true"])
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
                #expect(images(try apply(try #require(dry.patch), to: object), ["spec"]) == ["mirror.corp/hub/library/nginx"])

                let old = pod(containers: ["redis"], ephemeralContainers: ["alpine"])
                let new = pod(containers: ["redis"], ephemeralContainers: ["alpine", "busybox:1.36"])
                let body = review(new, subResource: "ephemeralcontainers", operation: "UPDATE", oldObject: old)
                let debug = try decodeAnswer(try await server.post(client, "/mutate", body).body)
                let patched = try apply(try #require(debug.patch), to: new)
                #expect(images(patched, ["spec"], "ephemeralContainers") == ["alpine", "mirror.corp/hub/library/busybox:1.36"])
                #expect(images(patched, ["spec"]) == ["redis"])
                #expect(annotations(patched)[AdmissionReviewer.originalImagesAnnotation] == nil)

                let service: [String: Any] = ["kind": "Service", "metadata": ["name": "s"], "spec": ["type": "ClusterIP"]]
                let other = try await server.post(client, "/mutate", review(service, kind: "Service", resource: "services"))
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
        let server = try await LiveServer(rules: rules, verifierFactory: MirrorVerifier.factory(health: RegistryHealth()))
        do {
            try await withClient(try server.client()) { client in
                for _ in 0..<4 {
                    let answer = try decodeAnswer(try await server.post(client, "/mutate", review(pod(containers: ["nginx"]))).body)
                    #expect(answer.patch == nil, "no mirror answers, so the pod keeps its image")
                    #expect(answer.warnings.first?.contains("no mirror passed verification") == true)
                }
            }
            let metrics = try await server.probe("/metrics").body
            #expect(metrics.contains(#"k8s_image_replacer_mirror_fallbacks_total{stage="verified-mirrors",to="original"}"#))
            #expect(metrics.contains(#"k8s_image_replacer_mirror_up{host="127.0.0.1:\#(down1)"} 0"#))
            #expect(metrics.contains(#"k8s_image_replacer_mirror_breaker_transitions_total{host="127.0.0.1:\#(down1)",to="open"}"#))
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
                let after = try decodeAnswer(try await server.post(client, "/mutate", review(pod(containers: ["nginx"]))).body)
                #expect(after.patch?.first?["value"] as? String == "mirror2.corp/hub/library/nginx")

                // Other suites' servers share this process's metrics: wait for this server's failure to be counted.
                let failures = #"k8s_image_replacer_reloads_total{file="rules",result="failure"}"#
                let before = metricValue(try await server.probe("/metrics").body, failures)
                try server.swapRules("apiVersion: k8s-image-replacer/v1\nkind: RuleSet\nstages: [{name: x, matcher: nope}]\n")
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

    @Test func rotatedCertificateIsServedToNewConnections() async throws {
        try await withServer { server in
            let oldClient = try server.client()
            let flowing = Task {
                var failures = 0
                for _ in 0..<40 {
                    if (try? await server.post(oldClient, "/mutate", review(pod(containers: ["nginx"]))).status) != 200 { failures += 1 }
                }
                return failures
            }
            let rotated = try DevelopmentCertificates(commonName: "rotated", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
            try rotated.write(to: server.directory.appendingPathComponent("tls").path)
            try await waitFor {
                let client = try server.client(trusting: rotated.caCertificatePEM, http2: false)
                defer { Task { try? await client.shutdown() } }
                return (try? await server.post(client, "/mutate", review(pod(containers: ["nginx"]))).status) == 200
            }
            // A broken rotation keeps the good certificate.
            let failures = #"k8s_image_replacer_reloads_total{file="certificate",result="failure"}"#
            let before = metricValue(try await server.probe("/metrics").body, failures)
            try "not a certificate".write(toFile: server.directory.appendingPathComponent("tls/tls.crt").path, atomically: true, encoding: .utf8)
            try await waitFor { metricValue(try await server.probe("/metrics").body, failures) > before }
            try await withClient(try server.client(trusting: rotated.caCertificatePEM)) { client in
                let status = try await server.post(client, "/mutate", review(pod(containers: ["nginx"]))).status
                #expect(status == 200)
            }
            // Requests on the connection opened before the rotation kept working throughout.
            #expect(await flowing.value == 0)
            try await oldClient.shutdown()
        }
    }

    @Test func onlyTLS12AndLaterWithForwardSecretAEADSuites() async throws {
        try await withServer { server in
            func attempt(_ adjust: (inout TLSConfiguration) -> Void) async -> Bool {
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.trustRoots = .certificates((try? NIOSSLCertificate.fromPEMBytes(Array(server.certificates.caCertificatePEM.utf8))) ?? [])
                adjust(&tls)
                var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
                configuration.httpVersion = .http1Only
                configuration.connectionPool.retryConnectionEstablishment = false
                let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
                let ok = (try? await server.post(client, "/explain", Data(#"{"image":"nginx"}"#.utf8)).status) == 200
                try? await client.shutdown()
                return ok
            }
            #expect(await attempt { $0.maximumTLSVersion = .tlsv12; $0.cipherSuiteValues = [.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256] })
            #expect(await attempt { $0.minimumTLSVersion = .tlsv13 })
            #expect(!(await attempt { $0.maximumTLSVersion = .tlsv11; $0.minimumTLSVersion = .tlsv1 }), "TLS 1.1 must be refused")
            #expect(!(await attempt { $0.maximumTLSVersion = .tlsv12; $0.cipherSuiteValues = [.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA] }), "CBC suites must be refused")
        }
    }

    @Test func clientVerifiesTheServerByDNSName() async throws {
        try await withServer { server in
            try await withClient(try server.client()) { client in
                var request = HTTPClientRequest(url: "https://localhost:\(server.tlsPort)/explain")
                request.method = .POST
                request.body = .bytes(ByteBuffer(string: #"{"image":"nginx"}"#))
                let response = try await client.execute(request, timeout: .seconds(10))
                #expect(response.status == .ok)
                _ = try await response.body.collect(upTo: 1 << 20)
            }
        }
    }

    @Test func clientCertificatesAreRequiredWhenAClientCAIsGiven() async throws {
        let clients = try DevelopmentCertificates(commonName: "apiserver", dnsNames: ["kube-apiserver"], clientAuth: true)
        try await withServer(clientCA: clients) { server in
            try await withClient(try server.client(identity: clients)) { client in
                let status = try await server.post(client, "/mutate", review(pod(containers: ["nginx"]))).status
                #expect(status == 200)
            }
            try await withClient(try server.client()) { client in
                await #expect(throws: (any Error).self) {
                    _ = try await server.post(client, "/mutate", review(pod(containers: ["nginx"])))
                }
            }
            // A certificate for client auth, but from a CA the server was not told to trust.
            let stranger = try DevelopmentCertificates(commonName: "apiserver", dnsNames: ["kube-apiserver"], clientAuth: true)
            for http2 in [false, true] {
                try await withClient(try server.client(http2: http2, identity: stranger)) { client in
                    await #expect(throws: (any Error).self) {
                        _ = try await server.post(client, "/mutate", review(pod(containers: ["nginx"])))
                    }
                }
            }
        }
    }

    /// The client CA bundle is a mounted file like the others: a rotated bundle applies to the next handshake, a
    /// broken one is counted and the last good one stays.
    @Test func aRotatedClientCAAppliesToNewHandshakes() async throws {
        let first = try DevelopmentCertificates(commonName: "apiserver", dnsNames: ["kube-apiserver"], clientAuth: true)
        let second = try DevelopmentCertificates(commonName: "apiserver-2", dnsNames: ["kube-apiserver"], clientAuth: true)
        try await withServer(clientCA: first) { server in
            func status(_ identity: DevelopmentCertificates) async throws -> Int {
                var result = 0
                try await withClient(try server.client(identity: identity)) { client in
                    result = try await server.post(client, "/mutate", review(pod(containers: ["nginx"]))).status
                }
                return result
            }
            #expect(try await status(first) == 200)
            let bundle = server.directory.appendingPathComponent("client-ca.crt").path
            try await server.installClientCA(second.caCertificatePEM)
            #expect(try await status(second) == 200)
            await #expect(throws: (any Error).self, "the old CA is no longer trusted") { _ = try await status(first) }

            let failures = #"k8s_image_replacer_reloads_total{file="client-ca",result="failure"}"#
            let failed = metricValue(try await server.probe("/metrics").body, failures)
            try "not a CA bundle".write(toFile: bundle, atomically: true, encoding: .utf8)
            try await waitFor { metricValue(try await server.probe("/metrics").body, failures) > failed }
            #expect(try await status(second) == 200)
        }
    }

    /// A resumed TLS session skips certificate verification, so the server looks at the session's certificate
    /// again when the handshake completes: a client whose CA was removed from the bundle cannot resume its way
    /// back in, while one still trusted resumes as before. `openssl s_client` is the client because it can save
    /// and offer sessions.
    @Test(.enabled(if: opensslPath != nil, "needs openssl"), arguments: ["-tls1_2", "-tls1_3"])
    func aResumedSessionIsCheckedAgainstTheCurrentClientCA(version: String) async throws {
        let first = try DevelopmentCertificates(commonName: "apiserver", dnsNames: ["kube-apiserver"], clientAuth: true)
        let second = try DevelopmentCertificates(commonName: "apiserver-2", dnsNames: ["kube-apiserver"], clientAuth: true)
        try await withServer(clientCA: first) { server in
            let files = server.directory.appendingPathComponent("s_client")
            try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
            try first.write(to: files.path)
            let request = files.appendingPathComponent("request")
            let body = #"{"image":"nginx"}"#
            try "POST /explain HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
                .write(to: request, atomically: true, encoding: .utf8)
            let session = files.appendingPathComponent("session").path
            func sClient(_ extra: [String]) async throws -> String {
                try await server.sClient(version, request: request, extra)
            }

            let full = try await sClient(["-cert", files.appendingPathComponent("tls.crt").path, "-key",
                                          files.appendingPathComponent("tls.key").path, "-sess_out", session])
            #expect(full.contains("HTTP/1.1 200"), "\(full.suffix(400))")
            let resumed = try await sClient(["-sess_in", session])
            #expect(resumed.contains("Reused,"), "the session must really resume: \(resumed.suffix(400))")
            #expect(resumed.contains("HTTP/1.1 200"), "a trusted resumed session is served: \(resumed.suffix(400))")

            // A new bundle that still holds the first CA: the session's certificate is verified again (the store
            // forgets what it verified under the old bundle) and passes, so the held request is answered.
            try await server.installClientCA(second.caCertificatePEM + first.caCertificatePEM)
            let reverified = try await sClient(["-sess_in", session])
            #expect(reverified.contains("Reused,") && reverified.contains("HTTP/1.1 200"), "\(reverified.suffix(400))")

            try await server.installClientCA(second.caCertificatePEM)
            let after = try await sClient(["-sess_in", session])
            #expect(after.contains("Reused,"), "the TLS layer still resumes: \(after.suffix(400))")
            #expect(!after.contains("HTTP/1.1"), "but no request is answered: \(after.suffix(400))")
            #expect(server.warnings.lines("TLS connection closed").count == 1)
        }
    }

    /// A client certificate issued by an intermediate CA: a resumed session presents only the leaf, so checking it
    /// again after a reload needs the intermediate its first handshake sent, which the server remembers.
    @Test(.enabled(if: opensslPath != nil, "needs openssl"))
    func aResumedSessionOfAnIntermediateIssuedCertificateSurvivesAReload() async throws {
        let unrelated = try DevelopmentCertificates(commonName: "other", dnsNames: ["other"], clientAuth: true)
        try await withServer(clientCA: unrelated) { server in
            let files = server.directory.appendingPathComponent("chain")
            try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
            func file(_ name: String) -> String { files.appendingPathComponent(name).path }
            try "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n".write(toFile: file("ca.ext"), atomically: true, encoding: .utf8)
            try "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n".write(toFile: file("leaf.ext"), atomically: true, encoding: .utf8)
            let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
            for step in [
                ["req", "-x509"] + newKey + ["-keyout", file("root.key"), "-out", file("root.crt"), "-subj", "/CN=test root",
                 "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"],
                ["req"] + newKey + ["-keyout", file("int.key"), "-out", file("int.csr"), "-subj", "/CN=test intermediate"],
                ["x509", "-req", "-in", file("int.csr"), "-CA", file("root.crt"), "-CAkey", file("root.key"),
                 "-CAcreateserial", "-out", file("int.crt"), "-days", "2", "-extfile", file("ca.ext")],
                ["req"] + newKey + ["-keyout", file("leaf.key"), "-out", file("leaf.csr"), "-subj", "/CN=apiserver"],
                ["x509", "-req", "-in", file("leaf.csr"), "-CA", file("int.crt"), "-CAkey", file("int.key"),
                 "-CAcreateserial", "-out", file("leaf.crt"), "-days", "1", "-extfile", file("leaf.ext")],
            ] {
                _ = try await runOpenSSL(step)
            }
            let root = try String(contentsOfFile: file("root.crt"), encoding: .utf8)
            let request = files.appendingPathComponent("request")
            try "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".write(to: request, atomically: true, encoding: .utf8)
            func sClient(_ extra: [String]) async throws -> String {
                try await server.sClient("-tls1_2", request: request, extra)
            }

            try await server.installClientCA(root)
            let full = try await sClient([
                "-cert", file("leaf.crt"), "-key", file("leaf.key"), "-cert_chain", file("int.crt"), "-sess_out", file("session"),
            ])
            #expect(full.contains("HTTP/1.1 200"), "the chain is trusted: \(full.suffix(400))")
            try await server.installClientCA(root + unrelated.caCertificatePEM)
            let resumed = try await sClient(["-sess_in", file("session")])
            #expect(resumed.contains("Reused,") && resumed.contains("HTTP/1.1 200"), "\(resumed.suffix(400))")
        }
    }

    /// A certificate from the trusted CA that is meant for servers only is not a client's.
    @Test func aServerOnlyCertificateIsNotAClientCertificate() async throws {
        let serverOnly = try DevelopmentCertificates(commonName: "not-a-client", dnsNames: ["x"], clientAuth: false)
        try await withServer(clientCA: serverOnly) { server in
            try await withClient(try server.client(identity: serverOnly)) { client in
                await #expect(throws: (any Error).self) {
                    _ = try await server.post(client, "/mutate", review(pod(containers: ["nginx"])))
                }
            }
        }
    }
}

extension LiveServer {
    /// Writes `bundle` as the client CA file and waits until the server reports it loaded.
    func installClientCA(_ bundle: String) async throws {
        let successes = #"k8s_image_replacer_reloads_total{file="client-ca",result="success"}"#
        let loaded = metricValue(try await probe("/metrics").body, successes)
        try bundle.write(toFile: directory.appendingPathComponent("client-ca.crt").path, atomically: true, encoding: .utf8)
        try await waitFor { metricValue(try await probe("/metrics").body, successes) > loaded }
    }

    /// `openssl s_client` (TLS `version`, e.g. `-tls1_2`) to the TLS port, trusting the test CA, sending the bytes
    /// of `request` and printing what comes back; `extra` adds a certificate, sessions and so on.
    func sClient(_ version: String, request: URL, _ extra: [String]) async throws -> String {
        try await runOpenSSL(
            ["s_client", version, "-connect", "127.0.0.1:\(tlsPort)", "-servername", "localhost",
             "-CAfile", directory.appendingPathComponent("tls/ca.crt").path, "-ign_eof"] + extra,
            stdin: request)
    }
}

/// Polls `condition` until it holds, failing after `timeout`.
func waitFor(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    struct TimedOut: Error {}
    throw TimedOut()
}

/// A loopback port that was free a moment ago: a registry that refuses connections.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}
