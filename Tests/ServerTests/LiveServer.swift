import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import NIOSSL
import Prometheus
import ReplacerCore
import ReplacerRegistry
import ReplacerServer
import Synchronization

/// A real server on loopback: certificates made for the test, a rule file on disk laid out like a mounted
/// ConfigMap (a `..data` symlink swapped atomically), ports picked by the kernel.
final class LiveServer: @unchecked Sendable {
    let directory: URL
    let rulesPath: String
    let certificates: DevelopmentCertificates
    var tlsPort = 0
    var probePort = 0
    private var task: Task<Void, any Error>?
    let rules: RulesStore
    /// What this server logged at warning level and above, so a test can check its own server's lines while other
    /// suites share the process.
    let warnings = LogRecord()
    /// This server's own metrics, as its `/metrics` shows them: no other server in the process counts into them.
    let prometheus = PrometheusCollectorRegistry()

    init(
        rules yaml: String = serverRules, clientCA: DevelopmentCertificates? = nil, maxBodyBytes: Int = 1 << 20,
        verifiesMirrors: Bool = false, configure: (inout WebhookServer.Configuration) -> Void = { _ in }
    ) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "replacer-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        rulesPath = directory.appendingPathComponent("rules.yaml").path
        certificates = try DevelopmentCertificates(
            commonName: "test", dnsNames: ["webhook.replacer.svc", "localhost"], ipAddresses: ["127.0.0.1"])
        try certificates.write(to: directory.appendingPathComponent("tls").path)
        try Self.swapRules(yaml, in: directory, rulesPath: rulesPath)
        var clientCAPath: String?
        if let clientCA {
            clientCAPath = directory.appendingPathComponent("client-ca.crt").path
            try clientCA.caCertificatePEM.write(toFile: clientCAPath!, atomically: true, encoding: .utf8)
        }
        // Mirror health and the stages count into this server's registry, as in `serve`.
        let metrics = PrometheusMetricsFactory(registry: prometheus)
        let loader = RuleSetLoader(
            registry: registry,
            verifierFactory: verifiesMirrors ? MirrorVerifier.factory(health: RegistryHealth(metrics: metrics)) : nil,
            metrics: metrics)
        let baseline = FileManager.default.contents(atPath: rulesPath)
        rules = RulesStore(try await loader.load(contentsOf: rulesPath), drainDelay: .milliseconds(100))
        var configuration = WebhookServer.Configuration(
            certificatePath: directory.appendingPathComponent("tls/tls.crt").path,
            keyPath: directory.appendingPathComponent("tls/tls.key").path)
        configuration.host = "127.0.0.1"
        configuration.probeHost = "127.0.0.1"
        configuration.port = 0
        configuration.probePort = 0
        configuration.rulesPath = rulesPath
        configuration.rulesBaseline = baseline
        configuration.clientCAPath = clientCAPath
        configuration.maxBodyBytes = maxBodyBytes
        configuration.reloadInterval = .milliseconds(50)
        configure(&configuration)
        var logger = Logger(label: "test-server") { [warnings] _ in RecordingLogHandler(warnings) }
        logger.logLevel = .warning
        let server = WebhookServer(
            configuration: configuration, rules: rules, loader: loader, prometheus: prometheus, logger: logger)
        let (ready, continuation) = AsyncStream<WebhookServer.BoundPorts>.makeStream()
        task = Task { try await server.run(handleSignals: false) { ports in continuation.yield(ports) } }
        for await ports in ready {
            tlsPort = ports.tls
            probePort = ports.probe
            break
        }
    }

    /// Replaces the rule file the way the kubelet updates a ConfigMap volume: write a new directory, then swap
    /// the `..data` symlink in one rename.
    func swapRules(_ yaml: String) throws {
        try Self.swapRules(yaml, in: directory, rulesPath: rulesPath)
    }

    static func swapRules(_ yaml: String, in directory: URL, rulesPath: String) throws {
        let manager = FileManager.default
        let version = directory.appendingPathComponent("..\(UUID().uuidString)")
        try manager.createDirectory(at: version, withIntermediateDirectories: true)
        try yaml.write(to: version.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        let temporary = directory.appendingPathComponent("..data_tmp").path
        try? manager.removeItem(atPath: temporary)
        try manager.createSymbolicLink(atPath: temporary, withDestinationPath: version.lastPathComponent)
        guard rename(temporary, directory.appendingPathComponent("..data").path) == 0 else {
            throw CocoaError(.fileWriteUnknown)
        }
        if !manager.fileExists(atPath: rulesPath) {
            try manager.createSymbolicLink(atPath: rulesPath, withDestinationPath: "..data/rules.yaml")
        }
    }

    func stop() async {
        task?.cancel()
        _ = try? await task?.value
        try? FileManager.default.removeItem(at: directory)
    }

    /// A client that trusts only `ca` and checks the server's name, speaking HTTP/1.1 only or negotiating by ALPN.
    func client(trusting ca: String? = nil, http2: Bool = true, identity: DevelopmentCertificates? = nil) throws
        -> HTTPClient
    {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(
            try NIOSSLCertificate.fromPEMBytes(Array((ca ?? certificates.caCertificatePEM).utf8)))
        tls.certificateVerification = .fullVerification
        if let identity {
            tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(identity.certificatePEM.utf8)).map {
                .certificate($0)
            }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.keyPEM.utf8), format: .pem))
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.httpVersion = http2 ? .automatic : .http1Only
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(10))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func post(_ client: HTTPClient, _ path: String, _ body: Data) async throws -> (
        status: Int, body: Data, version: HTTPVersion
    ) {
        let (status, body, version, _) = try await send(client, .POST, path, body)
        return (status, body, version)
    }

    /// Any method on the TLS port; the answer with its headers.
    func send(
        _ client: HTTPClient, _ method: HTTPMethod, _ path: String, _ body: Data? = nil,
        headers: [(String, String)] = []
    ) async throws -> (status: Int, body: Data, version: HTTPVersion, headers: HTTPHeaders) {
        var request = HTTPClientRequest(url: "https://127.0.0.1:\(tlsPort)\(path)")
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await client.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), Data(bytes.readableBytesView), response.version, response.headers)
    }

    func probe(_ path: String) async throws -> (status: Int, body: String) {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let response = try await client.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(probePort)\(path)"), timeout: .seconds(5))
            let bytes = try await response.body.collect(upTo: 4 << 20)
            try await client.shutdown()
            return (Int(response.status.code), String(buffer: bytes))
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}

/// Log entries, in order, from the `RecordingLogHandler`s that share it.
final class LogRecord: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let entries = Mutex<[Entry]>([])

    func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }

    /// The entries whose message is `message`.
    func lines(_ message: String) -> [Entry] { entries.withLock { $0.filter { $0.message == message } } }
}

/// A log handler that keeps what it is given in a `LogRecord`.
struct RecordingLogHandler: LogHandler {
    let record: LogRecord
    var logLevel: Logger.Level = .warning
    var metadata: Logger.Metadata = [:]

    init(_ record: LogRecord) { self.record = record }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        record.append(
            .init(level: event.level, message: event.message.description, metadata: merged.mapValues(\.description)))
    }
}

/// Runs `body` against a fresh server (made with `rules`, `clientCA` and `configure`) and always stops it.
func withServer(
    rules: String = serverRules, clientCA: DevelopmentCertificates? = nil,
    configure: (inout WebhookServer.Configuration) -> Void = { _ in }, _ body: (LiveServer) async throws -> Void
) async throws {
    let server = try await LiveServer(rules: rules, clientCA: clientCA, configure: configure)
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

/// Runs `body` with `client` and always shuts the client down.
func withClient(_ client: HTTPClient, _ body: (HTTPClient) async throws -> Void) async throws {
    do { try await body(client) } catch {
        try? await client.shutdown()
        throw error
    }
    try await client.shutdown()
}

extension LiveServer {
    /// Writes `bundle` as the client CA file and waits until the server reports it loaded.
    func installClientCA(_ bundle: String) async throws {
        let successes = #"k8s_image_replacer_reloads_total{file="client-ca",result="success"}"#
        let loaded = metricValue(try await probe("/metrics").body, successes)
        try bundle.write(
            toFile: directory.appendingPathComponent("client-ca.crt").path, atomically: true, encoding: .utf8)
        try await waitFor { metricValue(try await probe("/metrics").body, successes) > loaded }
    }

    /// `openssl s_client` (TLS `version`, e.g. `-tls1_2`) to the TLS port, asking for `serverName`, trusting the
    /// test CA, sending the bytes of `request` and printing what comes back; `extra` adds a certificate, sessions,
    /// a name to verify and so on.
    func sClient(_ version: String, serverName: String = "localhost", request: URL, _ extra: [String]) async throws
        -> String
    {
        try await runOpenSSL(
            [
                "s_client", version, "-connect", "127.0.0.1:\(tlsPort)", "-servername", serverName,
                "-CAfile", directory.appendingPathComponent("tls/ca.crt").path, "-ign_eof",
            ] + extra,
            stdin: request)
    }
}
