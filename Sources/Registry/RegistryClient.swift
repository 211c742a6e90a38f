import AsyncHTTPClient
import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOSSL
import ReplacerCore

/// Talks to OCI distribution registries: resolves a tag to the digest of what it names.
///
/// `HEAD /v2/<name>/manifests/<tag>` with an Accept header listing the OCI and Docker manifest and index types, so
/// a multi-architecture tag resolves to its index (the pod stays portable across node architectures); where the
/// registry sends no `Docker-Content-Digest`, the manifest is fetched and hashed. Anonymous access, bearer tokens
/// from the `WWW-Authenticate` challenge (Docker Hub, GHCR, Quay, Harbor), and basic auth are supported.
public final class RegistryClient: Sendable {
    public struct Configuration: Sendable {
        public var credentials = RegistryCredentials()
        /// Hosts (`host[:port]`, as in image references) reached over plain HTTP. Everything else is HTTPS with
        /// certificate verification.
        public var insecureRegistries: Set<String> = []
        /// Extra trust anchors per host, for registries with a private CA.
        public var trustRoots: [String: [NIOSSLCertificate]] = [:]
        /// The largest manifest read when a registry omits the digest header.
        public var maxManifestBytes = 4 << 20

        public init() {}
    }

    /// Media types a registry may answer a manifest request with; indexes first so a multi-arch tag pins to its
    /// index rather than to one platform's manifest.
    public static let acceptedManifestTypes = [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]

    let configuration: Configuration
    /// Bearer tokens by `host scope`, until they expire.
    let tokens = NIOLockedValueBox<[String: (token: String, expires: NIODeadline)]>([:])

    /// One connection pool for every registry lookup in the process. It is never shut down (it lives as long as
    /// the process), so no rule reload, failed load or plugin path can drop a client that still owns connections;
    /// per-host TLS settings travel with each request.
    static let sharedHTTP: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .follow(max: 3, allowCycles: false)
        configuration.decompression = .disabled
        // A refused connection should fail the lookup now, not be retried with backoff until the deadline: the
        // caller has a budget, and the cache and circuit breakers decide when to try again.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    var http: HTTPClient { Self.sharedHTTP }

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Forgets cached tokens. Connections belong to the process-wide pool and stay open for other clients.
    public func shutdown() async {
        tokens.withLockedValue { $0.removeAll() }
    }

    /// The API base URL for a registry host as written in image references.
    func baseURL(for host: String) -> String {
        let scheme = configuration.insecureRegistries.contains(host) ? "http" : "https"
        // Docker Hub's references say docker.io; its API lives elsewhere.
        let apiHost = host == "docker.io" ? "registry-1.docker.io" : host
        return "\(scheme)://\(apiHost)"
    }

    /// The digest (`sha256:…`) that `host/repository:tag` names now. Every request of the lookup, token
    /// included, must finish before `deadline`.
    public func resolveDigest(host: String, repository: String, tag: String, deadline: NIODeadline)
        async throws(RegistryError)
        -> String
    {
        let subject = "\(host)/\(repository):\(tag)"
        let url = "\(baseURL(for: host))/v2/\(repository)/manifests/\(tag)"
        let scope = "repository:\(repository):pull"
        var authorization = cachedToken(host: host, scope: scope).map { "Bearer \($0)" }
        var response = try await send(
            .HEAD, url, host: host, authorization: authorization, deadline: deadline, subject: subject)
        if response.status == .unauthorized {
            authorization = try await authorize(
                response.challenge, host: host, scope: scope, deadline: deadline, subject: subject)
            response = try await send(
                .HEAD, url, host: host, authorization: authorization, deadline: deadline, subject: subject)
        }
        switch response.status.code {
        case 200:
            if let digest = response.digest { return try Self.validated(digest, subject: subject) }
            // No digest header: fetch the manifest and hash exactly the bytes the registry serves.
            let full = try await send(
                .GET, url, host: host, authorization: authorization, deadline: deadline, subject: subject,
                readBody: true)
            guard full.status == .ok, let body = full.body else {
                throw RegistryError(.unexpectedStatus(Int(full.status.code)), subject: subject)
            }
            let computed = "sha256:" + SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
            if let header = full.digest, header != computed {
                throw RegistryError(
                    .badResponse("digest header \(header) does not match the manifest's \(computed)"), subject: subject)
            }
            return computed
        case 404: throw RegistryError(.notFound, subject: subject)
        case 401, 403: throw RegistryError(.unauthorized, subject: subject)
        case let status: throw RegistryError(.unexpectedStatus(Int(status)), subject: subject)
        }
    }

    static func validated(_ digest: String, subject: String) throws(RegistryError) -> String {
        guard ReferenceGrammar.isValidDigest(Substring(digest)) else {
            throw RegistryError(
                .badResponse("Docker-Content-Digest \"\(digest.prefix(80))\" is not a digest"), subject: subject)
        }
        return digest
    }
}

extension RegistryClient {
    /// Whether the registry's API root answers at all: 200 or 401 (it wants credentials, but it is up).
    public func ping(host: String, deadline: NIODeadline) async throws(RegistryError) {
        let subject = "\(host)/v2/"
        let answer = try await send(
            .GET, "\(baseURL(for: host))/v2/", host: host, authorization: nil, deadline: deadline, subject: subject)
        guard answer.status == .ok || answer.status == .unauthorized else {
            throw RegistryError(.unexpectedStatus(Int(answer.status.code)), subject: subject)
        }
    }
}

extension RegistryError {
    /// The registry itself is unwell (no answer, no connection, a server error), as opposed to answering that an
    /// image is missing or credentials are wrong. Only these count against a host's circuit breaker.
    public var isHostFailure: Bool {
        switch code {
        case .timeout, .unreachable: true
        case .unexpectedStatus(let status): status >= 500
        case .notFound, .unauthorized, .badResponse, .authFailed: false
        }
    }
}
