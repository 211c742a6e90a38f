import ArgumentParser
import Foundation
import Logging
import Prometheus
import ReplacerCore
import ReplacerRegistry
import ReplacerServer

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// `serve`: runs the admission webhook.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the admission webhook (/mutate, /explain over TLS; probes and /metrics on the probe port).",
        discussion: """
            With --dev, a CA and a serving certificate for localhost, 127.0.0.1 and ::1 are made (or reused) in \
            --dev-cert-dir and the server listens on 127.0.0.1 only: the quick start, not for clusters.
            """)

    @OptionGroup var rules: RulesOptions
    @OptionGroup var plugins: PluginOptions

    @Option(help: "PEM serving certificate chain (the Secret's tls.crt).")
    var tlsCert: String?

    @Option(help: "PEM private key (the Secret's tls.key).")
    var tlsKey: String?

    @Option(help: "PEM CA bundle; when given, clients must present a certificate signed by it.")
    var clientCA: String?

    @Flag(help: "Make a development CA and certificate and serve on loopback.")
    var dev = false

    @Option(help: "Where --dev keeps its certificates.")
    var devCertDir: String = FileManager.default.temporaryDirectory.appendingPathComponent("k8s-image-replacer-dev")
        .path

    @Option(help: "Address to listen on (default 0.0.0.0, or 127.0.0.1 with --dev).")
    var host: String?

    @Option(help: "TLS port for /mutate and /explain.")
    var port = 8443

    @Option(help: "Plain HTTP port for /healthz, /readyz and /metrics.")
    var probePort = 8080

    @Option(help: "Largest request body accepted, in bytes.")
    var maxBodyBytes = 8 << 20

    @Option(
        help: "Seconds one admission may take before the pod is admitted unchanged; below the webhook's timeoutSeconds."
    )
    var requestTimeout: Double = 8

    @Option(help: "Seconds between checks of the rule and certificate files.")
    var reloadInterval: Double = 2

    @Option(help: ArgumentHelp("Seconds an idle keep-alive connection stays open.", valueName: "seconds"))
    var idleTimeout: Double = 60

    @Option(
        help: ArgumentHelp(
            "Seconds a new connection has to complete its TLS handshake before it is closed.", valueName: "seconds"))
    var handshakeTimeout: Double = 10

    @Option(
        help: ArgumentHelp(
            "Seconds a request has to arrive whole, head and body, from its first byte before its connection (HTTP/2: stream) is closed.",
            valueName: "seconds"))
    var readTimeout: Double = 10

    @Option(
        help: ArgumentHelp(
            "Seconds to keep accepting after SIGTERM, with /readyz already 503, before the listener closes (instead of a preStop sleep).",
            valueName: "seconds"))
    var shutdownDelay: Double = 0

    @Flag(help: .hidden)
    var benchmarkEndpoints = false

    @Option(help: "Log format: text or json.")
    var logFormat: LogFormat = .text

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(
        help: ArgumentHelp(
            "Seconds between writes of info and debug log lines, which are batched; warnings and errors are written at once. 0 writes every line at once.",
            valueName: "seconds"))
    var logFlushInterval: Double = 0.05

    enum LogFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    /// The server's configuration from the flags (the certificate paths are the given ones, or `--dev`'s).
    func serverConfiguration(certificatePath: String, keyPath: String) -> WebhookServer.Configuration {
        var configuration = WebhookServer.Configuration(certificatePath: certificatePath, keyPath: keyPath)
        configuration.host = host ?? (dev ? "127.0.0.1" : "0.0.0.0")
        configuration.probeHost = configuration.host
        configuration.port = port
        configuration.probePort = probePort
        configuration.rulesPath = rules.rules
        configuration.clientCAPath = clientCA
        configuration.maxBodyBytes = maxBodyBytes
        configuration.requestDeadline = .seconds(requestTimeout)
        configuration.reloadInterval = .seconds(reloadInterval)
        configuration.idleTimeout = .seconds(idleTimeout)
        configuration.handshakeTimeout = .seconds(handshakeTimeout)
        configuration.requestReadTimeout = .seconds(readTimeout)
        configuration.shutdownDelay = .seconds(shutdownDelay)
        configuration.benchmarkEndpoints = benchmarkEndpoints
        return configuration
    }

    func validate() throws {
        if !dev && (tlsCert == nil || tlsKey == nil) {
            throw ValidationError("give --tls-cert and --tls-key, or --dev for a development certificate on loopback")
        }
        if dev && (tlsCert != nil || tlsKey != nil) {
            throw ValidationError("--dev makes its own certificate; drop --tls-cert/--tls-key or --dev")
        }
        // The socket layer would take a port modulo 65536 and listen somewhere nobody asked for.
        for (name, value) in [("--port", port), ("--probe-port", probePort)] where !(0...65535).contains(value) {
            throw ValidationError("\(name) must be between 0 and 65535 (0: any free port), not \(value)")
        }
        if port == probePort && port != 0 {
            throw ValidationError("--port and --probe-port are both \(port); the TLS and probe ports must differ")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard logFlushInterval >= 0, logFlushInterval <= 10 else {
            throw ValidationError("--log-flush-interval must be between 0 and 10 seconds")
        }
        guard requestTimeout > 0, reloadInterval > 0, maxBodyBytes > 0 else {
            throw ValidationError("--request-timeout, --reload-interval and --max-body-bytes must be positive")
        }
        // The answer must reach the API server before its webhook timeout (timeoutSeconds: 10 by default, 30 at
        // most), or the failure policy decides the pod instead of us.
        guard requestTimeout < 30 else {
            throw ValidationError(
                "--request-timeout must be below 30 seconds (the longest webhook timeoutSeconds), and below the "
                    + "webhook's timeoutSeconds (10 by default); not \(requestTimeout)")
        }
        // The upper bound catches a value given in milliseconds.
        for (name, value) in [
            ("--idle-timeout", idleTimeout), ("--handshake-timeout", handshakeTimeout), ("--read-timeout", readTimeout),
        ]
        where !(value > 0 && value <= 3600) {
            throw ValidationError("\(name) must be more than 0 and at most 3600 seconds, not \(value)")
        }
        guard shutdownDelay >= 0, shutdownDelay <= 300 else {
            throw ValidationError("--shutdown-delay must be between 0 and 300 seconds, not \(shutdownDelay)")
        }
    }

    func run() async throws {
        let backends = Self.backends(format: logFormat, level: Logger.Level(rawValue: logLevel) ?? .info)
        CommandEnvironment.bootstrap(backends.observability)
        if logFlushInterval > 0 {
            LogSink.standardError.startBatching(interval: .seconds(logFlushInterval))
        }
        defer { LogSink.standardError.flush() }
        let logger = Logger(label: "k8s-image-replacer", factory: backends.observability.makeLogHandler)

        let registry = try plugins.registry()
        // Mirror health outlives rule reloads; it and the stages count into the server's metrics.
        let health = RegistryHealth(metrics: backends.observability.metrics)
        defer { health.shutdown() }
        let loader = CommandEnvironment.loader(
            registry: registry, health: health, metrics: backends.observability.metrics)
        let ruleSet: RuleSet
        let rulesBaseline: Data?
        do {
            // Read before loading: the watcher compares against this, so an edit landing after the load is seen.
            rulesBaseline = rules.rules.flatMap { FileManager.default.contents(atPath: $0) }
            ruleSet = try await RulesLoading.load(rules.rules, with: loader)
        } catch {
            try CommandOutput(stderr: "error: \(error)\n", exitCode: CommandOutput.Code.failure).emit()
            return
        }
        var certificatePath = tlsCert ?? ""
        var keyPath = tlsKey ?? ""
        if dev {
            (certificatePath, keyPath) = try Self.developmentCertificate(in: devCertDir, port: port, logger: logger)
        }
        var configuration = serverConfiguration(certificatePath: certificatePath, keyPath: keyPath)
        configuration.rulesBaseline = rulesBaseline

        let server = WebhookServer(
            configuration: configuration, rules: RulesStore(ruleSet), loader: loader,
            prometheus: backends.prometheus, metrics: backends.observability.metrics, logger: logger)
        let stageList = ruleSet.stages.map { "\($0.name) (\($0.matcherID))" }.joined(separator: ", ")
        let tlsHost = Self.hostForURL(configuration.host)
        let probeHost = Self.hostForURL(configuration.probeHost)
        let executor = await EventLoopGlobalExecutor.runsTasksOnEventLoops() ? "event-loops" : "dispatch"
        try await server.run { ports in
            logger.info(
                "serving",
                metadata: [
                    "mutate": "https://\(tlsHost):\(ports.tls)/mutate",
                    "explain": "https://\(tlsHost):\(ports.tls)/explain",
                    "probes": "http://\(probeHost):\(ports.probe)/readyz",
                    "rules": "\(ruleSet.source)", "stages": "\(stageList)",
                    // Where request handlers run, checked by running a task: "event-loops" (main.swift) or
                    // "dispatch" (K8S_IMAGE_REPLACER_EXECUTOR=dispatch, or the hook could not be installed).
                    "executor": "\(executor)",
                ])
        }
    }

    /// The log handlers of `--log-format` at `--log-level`, and a Prometheus registry with the factory that fills it
    /// (admission durations in buckets from 100 µs to 10 s).
    static func backends(format: LogFormat, level: Logger.Level) -> (
        observability: ObservabilityBackends, prometheus: PrometheusCollectorRegistry
    ) {
        let makeLogHandler: @Sendable (String) -> any LogHandler = { label in
            var handler: any LogHandler = format == .json ? JSONLogHandler(label: label) : TextLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let prometheus = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: prometheus)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        return (ObservabilityBackends(makeLogHandler: makeLogHandler, metrics: factory), prometheus)
    }

    /// Reuses the development certificate in `directory` when there is one, otherwise makes it.
    static func developmentCertificate(in directory: String, port: Int, logger: Logger) throws -> (String, String) {
        let certificate = (directory as NSString).appendingPathComponent("tls.crt")
        let key = (directory as NSString).appendingPathComponent("tls.key")
        let ca = (directory as NSString).appendingPathComponent("ca.crt")
        if !FileManager.default.fileExists(atPath: certificate) || !FileManager.default.fileExists(atPath: key) {
            try DevelopmentCertificates(
                commonName: "k8s-image-replacer development", dnsNames: ["localhost"],
                ipAddresses: ["127.0.0.1", "::1"]
            ).write(to: directory)
        }
        var metadata: Logger.Metadata = ["ca": "\(ca)"]
        // With --port 0 the port is known only once bound; the `serving` line that follows names it.
        if port != 0 {
            metadata["try"] = "curl --cacert \(ca) https://localhost:\(port)/explain -d '{\"image\":\"nginx\"}'"
        }
        logger.notice(
            "development certificate for localhost, 127.0.0.1 and ::1; trust its CA to call the server",
            metadata: metadata)
        return (certificate, key)
    }

    static func hostForURL(_ host: String) -> String {
        host == "0.0.0.0" ? "localhost" : host.contains(":") ? "[\(host)]" : host
    }
}
