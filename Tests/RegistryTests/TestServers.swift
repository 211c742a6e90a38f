import AsyncHTTPClient
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ReplacerServer

/// Runs a Hummingbird responder on 127.0.0.1 with a kernel-chosen port until `stop()`.
final class LoopbackServer: @unchecked Sendable {
    private(set) var port = 0
    private var task: Task<Void, any Error>?

    init(_ respond: @escaping @Sendable (Request) async throws -> Response) async throws {
        var logger = Logger(label: "test-loopback")
        logger.logLevel = .critical
        let (ready, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            responder: CallbackResponder<BasicRequestContext> { request, _ in try await respond(request) },
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger)
        task = Task { try await app.runService() }
        for await bound in ready {
            port = bound
            break
        }
    }

    func stop() async {
        task?.cancel()
        _ = try? await task?.value
    }
}

/// A token service for the registry's `auth.token` mode: issues ES256 JWTs whose `x5c` certificate chains to the
/// root the registry trusts, granting what the scope asks for. Counts requests and can require basic credentials.
final class TokenService: @unchecked Sendable {
    let certificates: DevelopmentCertificates
    let requests = NIOLockedValueBox(0)
    let service = "test-registry"
    let issuer = "test-token-issuer"
    private var server: LoopbackServer?
    var realm: String { "http://127.0.0.1:\(server?.port ?? 0)/token" }

    init(requiring credential: (user: String, password: String)? = nil) async throws {
        certificates = try DevelopmentCertificates(
            commonName: "token signer", dnsNames: ["token-signer"], clientAuth: true)
        let key = try P256.Signing.PrivateKey(pemRepresentation: certificates.keyPEM)
        let leaf = certificates.certificatePEM.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let (service, issuer, requests) = (service, issuer, requests)
        server = try await LoopbackServer { request in
            requests.withLockedValue { $0 += 1 }
            if let credential {
                let expected = "Basic " + Data("\(credential.user):\(credential.password)".utf8).base64EncodedString()
                guard request.headers[.authorization] == expected else { return Response(status: .unauthorized) }
            }
            let query = URLComponents(string: "http://x\(request.uri.description)")?.queryItems ?? []
            let access = query.filter { $0.name == "scope" }.compactMap(\.value).compactMap { scope -> String? in
                let parts = scope.split(separator: ":")
                guard parts.count == 3 else { return nil }
                let actions = parts[2].split(separator: ",").map { "\"\($0)\"" }.joined(separator: ",")
                return #"{"type":"\#(parts[0])","name":"\#(parts[1])","actions":[\#(actions)]}"#
            }
            let now = Int(Date().timeIntervalSince1970)
            let header = #"{"typ":"JWT","alg":"ES256","x5c":["\#(leaf)"]}"#
            let claims =
                #"{"iss":"\#(issuer)","sub":"tester","aud":"\#(service)","exp":\#(now + 300),"nbf":\#(now - 10),"iat":\#(now),"jti":"\#(UUID().uuidString)","access":[\#(access.joined(separator: ","))]}"#
            let signingInput = base64URL(Data(header.utf8)) + "." + base64URL(Data(claims.utf8))
            let signature = try key.signature(for: Data(signingInput.utf8))
            let token = signingInput + "." + base64URL(signature.rawRepresentation)
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"token":"\#(token)","expires_in":300}"#)))
        }
    }

    func stop() async { await server?.stop() }
}

func base64URL(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

/// A reverse proxy in front of a registry that counts manifest requests and can delay every answer: how the tests
/// see how many lookups reach the registry, and play a slow registry.
final class CountingProxy: @unchecked Sendable {
    let manifestRequests = NIOLockedValueBox(0)
    let delay = NIOLockedValueBox(Duration.zero)
    /// Drops `Docker-Content-Digest` from answers, as some registries do, to exercise the fetch-and-hash path.
    let stripDigestHeader = NIOLockedValueBox(false)
    private var server: LoopbackServer?
    var host: String { "127.0.0.1:\(server?.port ?? 0)" }

    init(upstream: String) async throws {
        let (counter, delay, strip) = (manifestRequests, delay, stripDigestHeader)
        server = try await LoopbackServer { request in
            if request.uri.path.contains("/manifests/") { counter.withLockedValue { $0 += 1 } }
            let pause = delay.withLockedValue { $0 }
            if pause > .zero { try await Task.sleep(for: pause) }
            var forward = HTTPClientRequest(url: upstream + request.uri.description)
            forward.method = .init(rawValue: request.method.rawValue)
            for field in request.headers { forward.headers.add(name: field.name.rawName, value: field.value) }
            let response = try await HTTPClient.shared.execute(forward, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 8 << 20)
            var headers = HTTPFields()
            let dropDigest = strip.withLockedValue { $0 }
            for (name, value) in response.headers {
                if dropDigest && name.lowercased() == "docker-content-digest" { continue }
                if let field = HTTPField.Name(name), field != .contentLength, field != .transferEncoding {
                    headers.append(HTTPField(name: field, value: value))
                }
            }
            return Response(
                status: .init(code: Int(response.status.code)), headers: headers, body: .init(byteBuffer: body))
        }
    }

    func stop() async { await server?.stop() }
}
