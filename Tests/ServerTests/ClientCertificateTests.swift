import AsyncHTTPClient
import Foundation
import Testing

@testable import ReplacerServer

/// `--client-ca` end to end: the certificates a client must present, a rotated bundle, and resumed TLS sessions,
/// over real TLS on loopback with AsyncHTTPClient and `openssl s_client` as clients.
@Suite(.serialized) struct ClientCertificateTests {
    @Test func clientCertificatesAreRequiredWhenAClientCAIsGiven() async throws {
        let clients = try DevelopmentCertificates(
            commonName: "apiserver", dnsNames: ["kube-apiserver"], clientAuth: true)
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
            let stranger = try DevelopmentCertificates(
                commonName: "apiserver", dnsNames: ["kube-apiserver"], clientAuth: true)
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
        let second = try DevelopmentCertificates(
            commonName: "apiserver-2", dnsNames: ["kube-apiserver"], clientAuth: true)
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
        let second = try DevelopmentCertificates(
            commonName: "apiserver-2", dnsNames: ["kube-apiserver"], clientAuth: true)
        try await withServer(clientCA: first) { server in
            let files = server.directory.appendingPathComponent("s_client")
            try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
            try first.write(to: files.path)
            let request = files.appendingPathComponent("request")
            let body = #"{"image":"nginx"}"#
            try
                "POST /explain HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
                .write(to: request, atomically: true, encoding: .utf8)
            let session = files.appendingPathComponent("session").path
            func sClient(_ extra: [String]) async throws -> String {
                try await server.sClient(version, request: request, extra)
            }

            let full = try await sClient([
                "-cert", files.appendingPathComponent("tls.crt").path, "-key",
                files.appendingPathComponent("tls.key").path, "-sess_out", session,
            ])
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
            try "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n".write(
                toFile: file("ca.ext"), atomically: true, encoding: .utf8)
            try "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n".write(
                toFile: file("leaf.ext"), atomically: true, encoding: .utf8)
            let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
            for step in [
                ["req", "-x509"] + newKey + [
                    "-keyout", file("root.key"), "-out", file("root.crt"), "-subj", "/CN=test root",
                    "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                    "keyUsage=critical,keyCertSign",
                ],
                ["req"] + newKey + [
                    "-keyout", file("int.key"), "-out", file("int.csr"), "-subj", "/CN=test intermediate",
                ],
                [
                    "x509", "-req", "-in", file("int.csr"), "-CA", file("root.crt"), "-CAkey", file("root.key"),
                    "-CAcreateserial", "-out", file("int.crt"), "-days", "2", "-extfile", file("ca.ext"),
                ],
                ["req"] + newKey + ["-keyout", file("leaf.key"), "-out", file("leaf.csr"), "-subj", "/CN=apiserver"],
                [
                    "x509", "-req", "-in", file("leaf.csr"), "-CA", file("int.crt"), "-CAkey", file("int.key"),
                    "-CAcreateserial", "-out", file("leaf.crt"), "-days", "1", "-extfile", file("leaf.ext"),
                ],
            ] {
                _ = try await runOpenSSL(step)
            }
            let root = try String(contentsOfFile: file("root.crt"), encoding: .utf8)
            let request = files.appendingPathComponent("request")
            try "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".write(
                to: request, atomically: true, encoding: .utf8)
            func sClient(_ extra: [String]) async throws -> String {
                try await server.sClient("-tls1_2", request: request, extra)
            }

            try await server.installClientCA(root)
            let full = try await sClient([
                "-cert", file("leaf.crt"), "-key", file("leaf.key"), "-cert_chain", file("int.crt"), "-sess_out",
                file("session"),
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
