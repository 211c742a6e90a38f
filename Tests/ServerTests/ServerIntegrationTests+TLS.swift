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

/// The TLS port over real TLS on loopback: certificate rotation, protocol versions and suites, and the server's name
/// as clients verify it. An extension, not a suite of its own, so these run serialized with the other integration
/// tests as before: run beside them, the rotation test's requests on its old connection time out (seen
/// 2026-12-08; not yet understood).
extension ServerIntegrationTests {
    @Test func rotatedCertificateIsServedToNewConnections() async throws {
        try await withServer { server in
            let oldClient = try server.client()
            let flowing = Task {
                var failures = 0
                for _ in 0..<40 {
                    if (try? await server.post(oldClient, "/mutate", review(pod(containers: ["nginx"]))).status) != 200
                    {
                        failures += 1
                    }
                }
                return failures
            }
            let rotated = try DevelopmentCertificates(
                commonName: "rotated", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
            try rotated.write(to: server.directory.appendingPathComponent("tls").path)
            try await waitFor {
                let client = try server.client(trusting: rotated.caCertificatePEM, http2: false)
                defer { Task { try? await client.shutdown() } }
                return (try? await server.post(client, "/mutate", review(pod(containers: ["nginx"]))).status) == 200
            }
            // A broken rotation keeps the good certificate.
            let failures = #"k8s_image_replacer_reloads_total{file="certificate",result="failure"}"#
            let before = metricValue(try await server.probe("/metrics").body, failures)
            try "not a certificate".write(
                toFile: server.directory.appendingPathComponent("tls/tls.crt").path, atomically: true, encoding: .utf8)
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
                tls.trustRoots = .certificates(
                    (try? NIOSSLCertificate.fromPEMBytes(Array(server.certificates.caCertificatePEM.utf8))) ?? [])
                adjust(&tls)
                var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
                configuration.httpVersion = .http1Only
                configuration.connectionPool.retryConnectionEstablishment = false
                let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
                let ok = (try? await server.post(client, "/explain", Data(#"{"image":"nginx"}"#.utf8)).status) == 200
                try? await client.shutdown()
                return ok
            }
            #expect(
                await attempt {
                    $0.maximumTLSVersion = .tlsv12
                    $0.cipherSuiteValues = [.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
                })
            #expect(await attempt { $0.minimumTLSVersion = .tlsv13 })
            #expect(
                !(await attempt {
                    $0.maximumTLSVersion = .tlsv11
                    $0.minimumTLSVersion = .tlsv1
                }), "TLS 1.1 must be refused")
            #expect(
                !(await attempt {
                    $0.maximumTLSVersion = .tlsv12
                    $0.cipherSuiteValues = [.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA]
                }), "CBC suites must be refused")
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

    /// The API server reaches the webhook as `<service>.<namespace>.svc`, so that name must be in the serving
    /// certificate. Checked with OpenSSL, which matches a host name strictly (NIOSSL also accepts the certificate's
    /// 127.0.0.1 SAN for any name, so a test through it could not fail); a name the certificate lacks is refused.
    @Test(.enabled(if: opensslPath != nil, "needs openssl"))
    func theServiceNameIsInTheServingCertificate() async throws {
        try await withServer { server in
            let request = server.directory.appendingPathComponent("healthz-request")
            try "GET /healthz HTTP/1.1\r\nHost: webhook.replacer.svc\r\nConnection: close\r\n\r\n"
                .write(to: request, atomically: true, encoding: .utf8)
            func connect(as name: String) async throws -> String {
                try await server.sClient(
                    "-tls1_3", serverName: name, request: request, ["-verify_hostname", name, "-verify_return_error"])
            }
            let service = try await connect(as: "webhook.replacer.svc")
            #expect(service.contains("Verification: OK") && service.contains("HTTP/1.1 200"), "\(service.suffix(400))")
            let other = try await connect(as: "other.replacer.svc")
            #expect(!other.contains("HTTP/1.1 200") && other.contains("hostname mismatch"), "\(other.suffix(400))")
        }
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
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
