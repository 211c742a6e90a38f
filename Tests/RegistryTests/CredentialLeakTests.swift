import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOSSL
import Prometheus
import ReplacerCore
import ReplacerServer
import Testing

@testable import ReplacerMatchers
@testable import ReplacerRegistry

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Credentials never reach logs, traces, metrics, admission answers or error messages (security review, issue
/// #8): digest lookups that succeed and fail against registries with basic and token auth, every output
/// collected, then searched for the passwords in every form they travel in.
@Suite(.serialized) struct CredentialLeakTests {
    // Distinctive, so a hit cannot be a coincidence.
    static let basicPassword = "Leak-Zebra-7781-basic"
    static let tokenPassword = "Leak-Quokka-4412-token"
    static let wrongBasicPassword = "Leak-Narwhal-9903-wrong"
    static let wrongTokenPassword = "Leak-Ibis-5530-wrongtoken"

    @Test func passwordsAppearInNoOutput() async throws {
        let basicRegistry = try await LocalRegistry(auth: .htpasswd(user: "puller", password: Self.basicPassword))
        defer { basicRegistry.stop() }
        let tokens = try await TokenService(requiring: (user: "robot", password: Self.tokenPassword))
        let tokenRegistry = try await LocalRegistry(
            auth: .token(
                realm: tokens.realm, service: tokens.service, issuer: tokens.issuer,
                rootCertificatePEM: tokens.certificates.caCertificatePEM))
        defer { tokenRegistry.stop() }
        // The same registries under other names, so the docker config can hold a wrong password for each.
        let wrongBasic = try await CountingProxy(upstream: basicRegistry.base)
        let wrongToken = try await CountingProxy(upstream: tokenRegistry.base)
        let basicImage = try await ImagePusher(
            base: basicRegistry.base, authorization: basic("puller", Self.basicPassword)
        )
        .pushImage("private/app", reference: "1")
        let pushToken = try await fetchPushToken(tokens, repository: "org/app")
        let tokenImage = try await ImagePusher(base: tokenRegistry.base, authorization: "Bearer \(pushToken)")
            .pushImage("org/app", reference: "v1")

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("leak-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = """
            {"auths": {
              "\(basicRegistry.host)": {"auth": "\(base64("puller:\(Self.basicPassword)"))"},
              "\(tokenRegistry.host)": {"username": "robot", "password": "\(Self.tokenPassword)"},
              "\(wrongBasic.host)": {"auth": "\(base64("puller:\(Self.wrongBasicPassword)"))"},
              "\(wrongToken.host)": {"username": "robot", "password": "\(Self.wrongTokenPassword)"}
            }}
            """
        let configPath = directory.appendingPathComponent("config.json").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let hosts = [basicRegistry.host, tokenRegistry.host, wrongBasic.host, wrongToken.host]
        let insecure = hosts.map { "\"\($0)\"" }.joined(separator: ", ")
        let images = [
            "\(basicRegistry.host)/private/app:1", "\(basicRegistry.host)/private/missing:1",
            "\(tokenRegistry.host)/org/app:v1", "\(tokenRegistry.host)/org/missing:v9",
            "\(wrongBasic.host)/private/app:1", "\(wrongToken.host)/org/app:v1",
        ]

        var corpus: [String] = []
        // Logs at trace level, every field, through the handler the server is given.
        let logs = NIOLockedValueBox<[String]>([])
        var logger = Logger(label: "leak-test") { _ in CollectingLogHandler(lines: logs) }
        logger.logLevel = .trace

        let rulesPath = directory.appendingPathComponent("rules.yaml").path
        try """
        apiVersion: k8s-image-replacer/v1
        kind: RuleSet
        stages:
          - name: pin
            matcher: digest
            options: {insecureRegistries: [\(insecure)], dockerConfig: "\(configPath)"}
        """.write(toFile: rulesPath, atomically: true, encoding: .utf8)
        let server = try await InProcessServer(rulesPath: rulesPath, directory: directory, logger: logger)
        do {
            for image in images {
                corpus.append(try await server.post("/mutate", admissionReview(image: image)))
                corpus.append(try await server.post("/explain", Data(#"{"image":"\#(image)"}"#.utf8)))
            }
            corpus.append(try await server.get(probe: "/metrics"))
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()

        // Denials carry the error into the API server's answer and events.
        let deny = try await rules(
            """
              - name: pin
                matcher: digest
                options: {insecureRegistries: [\(insecure)], dockerConfig: "\(configPath)", onError: deny}
            """)
        for image in images {
            let result = await Pipeline(deny).run(image)
            corpus.append(result.denial ?? "")
            corpus += result.warnings
            corpus.append(ExplainDocument(rules: deny.source, results: [result]).json())
        }
        await deny.shutdown()

        // Every error the client can produce for these, in every rendering.
        let client = RegistryClient(
            configuration: try {
                var configuration = RegistryClient.Configuration()
                configuration.insecureRegistries = Set(hosts)
                configuration.credentials = try RegistryCredentials(dockerConfig: Data(config.utf8))
                return configuration
            }())
        for image in images {
            let reference = try ImageReference.normalized(image)
            do {
                corpus.append(
                    try await client.resolveDigest(
                        host: reference.domain, repository: reference.path, tag: reference.tag ?? "latest",
                        deadline: .now() + .seconds(5)))
            } catch {
                corpus += [error.description, String(reflecting: error), "\(error)"]
                var dumped = ""
                dump(error, to: &dumped)
                corpus.append(dumped)
            }
        }
        await client.shutdown()
        // A docker config that cannot be parsed names the entry, not the secret.
        do {
            _ = try RegistryCredentials(
                dockerConfig: Data(#"{"auths":{"x":{"auth":"\#(Self.wrongBasicPassword)!!"}}}"#.utf8))
        } catch {
            corpus.append("\(error)")
        }
        corpus += logs.withLockedValue { $0 }

        let text = corpus.joined(separator: "\n")
        // The collection reached every path: pinned digests, both auth failures, a missing tag, metrics, logs.
        #expect(text.contains(basicImage.digest) && text.contains(tokenImage.digest))
        #expect(text.contains("refused the credentials"))
        #expect(text.contains("not found"))
        #expect(text.contains("k8s_image_replacer_digest_lookups_total"))
        #expect(logs.withLockedValue { $0.count } >= images.count)
        for (user, password) in [
            ("puller", Self.basicPassword), ("robot", Self.tokenPassword), ("puller", Self.wrongBasicPassword),
            ("robot", Self.wrongTokenPassword),
        ] {
            for form in [password, base64("\(user):\(password)"), base64(password), String(password.dropLast(3))] {
                #expect(!text.contains(form), "\(form) leaked")
            }
        }
        await wrongBasic.stop()
        await wrongToken.stop()
        await tokens.stop()
    }

    func basic(_ user: String, _ password: String) -> String { "Basic " + base64("\(user):\(password)") }

    func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    func fetchPushToken(_ tokens: TokenService, repository: String) async throws -> String {
        var request = URLRequest(
            url: URL(string: "\(tokens.realm)?service=\(tokens.service)&scope=repository:\(repository):pull,push")!)
        request.setValue(basic("robot", Self.tokenPassword), forHTTPHeaderField: "Authorization")
        let (data, _) = try await URLSession.shared.data(for: request)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return try #require(object?["token"] as? String)
    }
}

/// Keeps every log line with all its metadata, as text.
struct CollectingLogHandler: LogHandler {
    let lines: NIOLockedValueBox<[String]>
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = metadata.merging(event.metadata ?? [:]) { _, new in new }
        lines.withLockedValue {
            $0.append("\(event.level) \(event.message) \(fields) \(event.source) \(event.function)")
        }
    }
}

/// The webhook server in this process, on loopback, with a test certificate and a caller-supplied logger.
final class InProcessServer: @unchecked Sendable {
    private var task: Task<Void, any Error>?
    private var ports: (tls: Int, probe: Int) = (0, 0)
    private let client: HTTPClient

    init(rulesPath: String, directory: URL, logger: Logger) async throws {
        let certificates = try DevelopmentCertificates(
            commonName: "leak", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
        let tls = directory.appendingPathComponent("tls").path
        try certificates.write(to: tls)
        // The digest stage counts its lookups into the registry /metrics shows, which the test searches too.
        let prometheus = PrometheusCollectorRegistry()
        let loader = RuleSetLoader(registry: digestRegistry, metrics: PrometheusMetricsFactory(registry: prometheus))
        let rules = RulesStore(try await loader.load(contentsOf: rulesPath), drainDelay: .milliseconds(100))
        var configuration = WebhookServer.Configuration(certificatePath: tls + "/tls.crt", keyPath: tls + "/tls.key")
        configuration.host = "127.0.0.1"
        configuration.probeHost = "127.0.0.1"
        configuration.port = 0
        configuration.probePort = 0
        configuration.rulesPath = rulesPath
        let server = WebhookServer(
            configuration: configuration, rules: rules, loader: loader, prometheus: prometheus, logger: logger)
        let (ready, continuation) = AsyncStream<WebhookServer.BoundPorts>.makeStream()
        task = Task { try await server.run(handleSignals: false) { continuation.yield($0) } }
        var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
        tlsConfiguration.trustRoots = .certificates(
            try NIOSSLCertificate.fromPEMBytes(Array(certificates.caCertificatePEM.utf8)))
        var clientConfiguration = HTTPClient.Configuration(tlsConfiguration: tlsConfiguration)
        clientConfiguration.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        for await bound in ready {
            ports = (bound.tls, bound.probe)
            break
        }
    }

    func post(_ path: String, _ body: Data) async throws -> String {
        var request = HTTPClientRequest(url: "https://127.0.0.1:\(ports.tls)\(path)")
        request.method = .POST
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(20))
        return String(buffer: try await response.body.collect(upTo: 4 << 20))
    }

    func get(probe path: String) async throws -> String {
        let response = try await client.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(ports.probe)\(path)"), timeout: .seconds(5))
        return String(buffer: try await response.body.collect(upTo: 4 << 20))
    }

    func stop() async {
        try? await client.shutdown()
        task?.cancel()
        _ = try? await task?.value
    }
}
