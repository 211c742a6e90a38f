import Foundation
import NIOCore
import NIOSSL
import ReplacerServer
import Testing

@testable import ReplacerRegistry

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The registry client against a real distribution registry on loopback, one per test.
@Suite(.serialized) struct RegistryClientTests {
    func client(insecure: [String], credentials: RegistryCredentials = RegistryCredentials()) -> RegistryClient {
        var configuration = RegistryClient.Configuration()
        configuration.insecureRegistries = Set(insecure)
        configuration.credentials = credentials
        return RegistryClient(configuration: configuration)
    }

    func deadline(_ seconds: Int64 = 5) -> NIODeadline { .now() + .seconds(seconds) }

    @Test func resolvesAManifestAndAnIndexToTheirDigests() async throws {
        let registry = try await LocalRegistry()
        defer { registry.stop() }
        let pusher = ImagePusher(base: registry.base)
        let single = try await pusher.pushImage("team/app", reference: "v1")
        let index = try await pusher.pushIndex("team/multi", tag: "1.0")
        let client = client(insecure: [registry.host])
        #expect(
            try await client.resolveDigest(host: registry.host, repository: "team/app", tag: "v1", deadline: deadline())
                == single.digest)
        #expect(
            try await client.resolveDigest(
                host: registry.host, repository: "team/multi", tag: "1.0", deadline: deadline()) == index)
        await client.shutdown()
    }

    @Test func withoutADigestHeaderTheManifestIsFetchedAndHashed() async throws {
        let registry = try await LocalRegistry()
        defer { registry.stop() }
        let pushed = try await ImagePusher(base: registry.base).pushImage("team/app", reference: "v1")
        let proxy = try await CountingProxy(upstream: registry.base)
        proxy.stripDigestHeader.withLockedValue { $0 = true }
        let client = client(insecure: [proxy.host])
        #expect(
            try await client.resolveDigest(host: proxy.host, repository: "team/app", tag: "v1", deadline: deadline())
                == pushed.digest)
        #expect(proxy.manifestRequests.withLockedValue { $0 } == 2, "HEAD without a digest, then GET")
        await client.shutdown()
        await proxy.stop()
    }

    @Test func cacheStaysWithinItsCapacity() async {
        let cache = DigestCache(ttl: .seconds(60), capacity: 3)
        for index in 0..<10 {
            _ = await cache.value(for: "r/a:\(index)") { .success("sha256:\(index)") }
        }
        #expect(cache.count == 3)
        #expect(cache.cached("r/a:9") != nil, "the newest entries stay")
        #expect(cache.cached("r/a:0") == nil, "the oldest are evicted")
        let failing = DigestCache(ttl: .seconds(60), failureTTL: .zero)
        _ = await failing.value(for: "r/b:1") { .failure(RegistryError(.notFound, subject: "r/b:1")) }
        #expect(failing.cached("r/b:1") == nil, "failures expire on their own, shorter TTL")
    }

    @Test func missingTagAndUnknownRepositoryAreNotFound() async throws {
        let registry = try await LocalRegistry()
        defer { registry.stop() }
        _ = try await ImagePusher(base: registry.base).pushImage("team/app", reference: "v1")
        let client = client(insecure: [registry.host])
        for (repository, tag) in [("team/app", "v2"), ("nobody/here", "v1")] {
            do {
                _ = try await client.resolveDigest(
                    host: registry.host, repository: repository, tag: tag, deadline: deadline())
                Issue.record("expected not found for \(repository):\(tag)")
            } catch {
                #expect(error.isNotFound, "\(error)")
                #expect(error.description.contains("\(repository):\(tag)"))
            }
        }
        await client.shutdown()
    }

    @Test func registryDownIsUnreachable() async throws {
        let port = try freeLoopbackPort()
        let client = client(insecure: ["127.0.0.1:\(port)"])
        await #expect(throws: RegistryError.self) {
            _ = try await client.resolveDigest(
                host: "127.0.0.1:\(port)", repository: "a/b", tag: "1", deadline: deadline())
        }
        await client.shutdown()
    }

    @Test func registryThatNeverAnswersHitsTheDeadline() async throws {
        let hole = try BlackHole()
        defer { hole.close() }
        let client = client(insecure: ["127.0.0.1:\(hole.port)"])
        let started = ContinuousClock.now
        do {
            _ = try await client.resolveDigest(
                host: "127.0.0.1:\(hole.port)", repository: "a/b", tag: "1", deadline: .now() + .milliseconds(300))
            Issue.record("a registry that never answers cannot produce a digest")
        } catch {
            #expect(error.isTimeout, "\(error)")
        }
        #expect(ContinuousClock.now - started < .seconds(5), "the deadline bounds the lookup")
        await client.shutdown()
    }

    @Test func basicAuthUsesTheDockerConfigCredential() async throws {
        let registry = try await LocalRegistry(auth: .htpasswd(user: "puller", password: "s3cret-pass"))
        defer { registry.stop() }
        let basic = "Basic " + Data("puller:s3cret-pass".utf8).base64EncodedString()
        let pushed = try await ImagePusher(base: registry.base, authorization: basic).pushImage(
            "private/app", reference: "1")
        // `auths` keys are often written as URLs; the lookup must still find the host.
        let config =
            #"{"auths":{"http://\#(registry.host)/v1/":{"auth":"\#(Data("puller:s3cret-pass".utf8).base64EncodedString())"}}}"#
        let withCredentials = client(
            insecure: [registry.host], credentials: try RegistryCredentials(dockerConfig: Data(config.utf8)))
        #expect(
            try await withCredentials.resolveDigest(
                host: registry.host, repository: "private/app", tag: "1", deadline: deadline()) == pushed.digest)
        await withCredentials.shutdown()

        let anonymous = client(insecure: [registry.host])
        do {
            _ = try await anonymous.resolveDigest(
                host: registry.host, repository: "private/app", tag: "1", deadline: deadline())
            Issue.record("anonymous access must be refused")
        } catch {
            #expect(error.description.contains("refused the credentials"))
            #expect(!error.description.contains("s3cret"))
        }
        await anonymous.shutdown()
    }

    @Test func bearerTokenFlowAndTokenReuse() async throws {
        let tokens = try await TokenService(requiring: (user: "robot", password: "t0ken-pass"))
        let registry = try await LocalRegistry(
            auth: .token(
                realm: tokens.realm, service: tokens.service, issuer: tokens.issuer,
                rootCertificatePEM: tokens.certificates.caCertificatePEM))
        defer { registry.stop() }
        // Push with a push-scoped token from the same service.
        let pushToken = try await fetchPushToken(realm: tokens.realm, service: tokens.service, repository: "org/app")
        let pusher = ImagePusher(base: registry.base, authorization: "Bearer \(pushToken)")
        let v1 = try await pusher.pushImage("org/app", reference: "v1")
        let v2 = try await pusher.pushImage("org/app", reference: "v2", salt: "two")
        let before = tokens.requests.withLockedValue { $0 }

        var credentials = RegistryCredentials()
        credentials.set(RegistryCredential(username: "robot", password: "t0ken-pass"), for: registry.host)
        let client = client(insecure: [registry.host], credentials: credentials)
        #expect(
            try await client.resolveDigest(host: registry.host, repository: "org/app", tag: "v1", deadline: deadline())
                == v1.digest)
        #expect(
            try await client.resolveDigest(host: registry.host, repository: "org/app", tag: "v2", deadline: deadline())
                == v2.digest)
        #expect(tokens.requests.withLockedValue { $0 } - before == 1, "one token serves both lookups of the same scope")
        await client.shutdown()
        await tokens.stop()
    }

    func fetchPushToken(realm: String, service: String, repository: String) async throws -> String {
        var request = URLRequest(
            url: URL(string: "\(realm)?service=\(service)&scope=repository:\(repository):pull,push")!)
        request.setValue(
            "Basic " + Data("robot:t0ken-pass".utf8).base64EncodedString(), forHTTPHeaderField: "Authorization")
        let (data, _) = try await URLSession.shared.data(for: request)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return try #require(object?["token"] as? String)
    }

    @Test(arguments: [
        (
            #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#,
            "bearer",
            [
                "realm": "https://auth.docker.io/token", "service": "registry.docker.io",
                "scope": "repository:library/nginx:pull",
            ]
        ),
        (#"Basic realm="Registry Realm""#, "basic", ["realm": "Registry Realm"]),
        (
            #"Bearer realm="https://r.example/t", error="insufficient_scope", scope="a:b:pull,push""#, "bearer",
            ["realm": "https://r.example/t", "error": "insufficient_scope", "scope": "a:b:pull,push"]
        ),
        (#"Bearer realm="quo\"te""#, "bearer", ["realm": "quo\"te"]),
    ])
    func parsesChallenges(_ header: String, _ scheme: String, _ parameters: [String: String]) throws {
        let challenge = try #require(AuthChallenge(header: header))
        #expect(challenge.scheme == scheme)
        #expect(challenge.parameters == parameters)
    }

    @Test func dockerConfigHostForms() throws {
        let auth = Data("u:p".utf8).base64EncodedString()
        let config =
            #"{"auths":{"https://index.docker.io/v1/":{"auth":"\#(auth)"},"ghcr.io":{"username":"g","password":"h"},"helper.io":{"identitytoken":"x"}}}"#
        let credentials = try RegistryCredentials(dockerConfig: Data(config.utf8))
        #expect(credentials.credential(for: "docker.io")?.username == "u")
        #expect(credentials.credential(for: "ghcr.io")?.password == "h")
        #expect(credentials.credential(for: "helper.io") == nil)
        #expect(!"\(credentials.credential(for: "ghcr.io")!)".contains("h)"))
        #expect(throws: DockerConfigError.self) { try RegistryCredentials(dockerConfig: Data("[]".utf8)) }
        #expect(throws: DockerConfigError.self) {
            try RegistryCredentials(dockerConfig: Data(#"{"auths":{"x":{"auth":"!!"}}}"#.utf8))
        }
    }
}

@Suite(.serialized) struct RegistryTLSTests {
    @Test func verifiesTheRegistryCertificateAgainstAConfiguredCA() async throws {
        let certificates = try DevelopmentCertificates(
            commonName: "registry", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "registry-tls-\(UUID().uuidString)"
        ).path
        try certificates.write(to: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let registry = try await LocalRegistry(certificateDirectory: directory)
        defer { registry.stop() }
        // Push over TLS, trusting the test CA.
        let pushed = try await tlsPush(registry, certificates)

        var trusting = RegistryClient.Configuration()
        trusting.trustRoots[registry.host] = try NIOSSLCertificate.fromPEMBytes(
            Array(certificates.caCertificatePEM.utf8))
        let client = RegistryClient(configuration: trusting)
        #expect(
            try await client.resolveDigest(
                host: registry.host, repository: "secure/app", tag: "1", deadline: .now() + .seconds(5)) == pushed)
        await client.shutdown()

        let untrusting = RegistryClient()
        do {
            _ = try await untrusting.resolveDigest(
                host: registry.host, repository: "secure/app", tag: "1", deadline: .now() + .seconds(3))
            Issue.record("a registry certificate from an unknown CA must be refused")
        } catch {
            #expect(!error.isNotFound)
        }
        await untrusting.shutdown()
    }

    func tlsPush(_ registry: LocalRegistry, _ certificates: DevelopmentCertificates) async throws -> String {
        let pusher = ImagePusher(
            base: registry.base, tlsRoots: try NIOSSLCertificate.fromPEMBytes(Array(certificates.caCertificatePEM.utf8))
        )
        return try await pusher.pushImage("secure/app", reference: "1").digest
    }
}
