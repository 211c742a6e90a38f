import CoreMetrics
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import Prometheus
import ReplacerAdmission
import ReplacerCore
import ServiceLifecycle

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The admission webhook: `/mutate` and `/explain` over TLS (HTTP/1.1 and HTTP/2 by ALPN), probes and metrics on a
/// plain port, and a watcher that reloads rules and certificates.
public struct WebhookServer: Sendable {
    /// Everything the server needs to know; the CLI's `serve` fills it from flags.
    public struct Configuration: Sendable {
        public var host = "0.0.0.0"
        /// 0 picks a free port (tests); `onReady` reports the one bound.
        public var port = 8443
        public var probeHost = "0.0.0.0"
        public var probePort = 8080
        /// The rule file to watch; nil when the rules did not come from a file (the embedded default).
        public var rulesPath: String?
        /// The rule file's contents as read just *before* the current rules were loaded from it. The watcher
        /// compares against these, so a change that lands between loading and watching is still picked up (it
        /// would otherwise become the watcher's first view of the file and never count as a change). Nil: the
        /// watcher reads the file when it starts.
        public var rulesBaseline: Data?
        public var certificatePath: String
        public var keyPath: String
        /// With a CA bundle, clients must present a certificate it signed (the API server can be configured to).
        public var clientCAPath: String?
        /// Kubernetes objects are at most ~1.5 MiB in etcd; a review carries the object and the old one.
        public var maxBodyBytes = 8 << 20
        public var requestDeadline: Duration = .seconds(8)
        public var reloadInterval: Duration = .seconds(2)
        /// Idle keep-alive connections are closed after this long.
        public var idleTimeout: Duration = .seconds(60)
        /// A connection whose TLS handshake has not completed this long after it was accepted is closed.
        public var handshakeTimeout: Duration = .seconds(10)
        /// A request that has not fully arrived this long after it started (its first byte on HTTP/1.1, its head on
        /// HTTP/2) is dropped (connection or HTTP/2 stream closed). The API server sends a review at once and gives
        /// up after at most 30 s.
        public var requestReadTimeout: Duration = .seconds(10)
        /// How long the server keeps accepting after shutdown begins, with `/readyz` already 503, so that the
        /// endpoint removal reaches every API server before the listener closes (what a `preStop` sleep does, for
        /// images without a `sleep` binary). Zero: stop accepting at once.
        public var shutdownDelay: Duration = .zero
        /// Adds `POST /noop` on the TLS port, which reads the body and answers a fixed AdmissionReview, and
        /// `POST /noop-review`, which also reads the review and admits it: the baselines the load benchmark compares
        /// `/mutate` against (same TLS, HTTP and body cost; no work, or only the JSON reading).
        public var benchmarkEndpoints = false

        public init(certificatePath: String, keyPath: String) {
            self.certificatePath = certificatePath
            self.keyPath = keyPath
        }
    }

    /// The ports actually bound, reported once both listeners are up.
    public struct BoundPorts: Sendable {
        public var tls: Int
        public var probe: Int
    }

    public let configuration: Configuration
    public let rules: RulesStore
    public let loader: RuleSetLoader
    public let prometheus: PrometheusCollectorRegistry?
    /// Where the server's own metrics are made.
    public let metrics: any MetricsFactory
    public let logger: Logger

    /// - Parameters:
    ///   - prometheus: The registry `/metrics` exposes, if any.
    ///   - metrics: Where the server counts; by default into `prometheus` (nothing without it). The stages count
    ///     through `loader`'s factory, which the caller gives the same backend.
    public init(
        configuration: Configuration, rules: RulesStore, loader: RuleSetLoader,
        prometheus: PrometheusCollectorRegistry? = nil, metrics: (any MetricsFactory)? = nil, logger: Logger
    ) {
        self.configuration = configuration
        self.rules = rules
        self.loader = loader
        self.prometheus = prometheus
        self.metrics =
            metrics ?? prometheus.map { PrometheusMetricsFactory(registry: $0) } ?? NOOPMetricsHandler.instance
        self.logger = logger
    }

    /// Serves until the task is cancelled or, with `handleSignals`, SIGTERM/SIGINT arrive; then stops accepting,
    /// lets in-flight requests finish and returns.
    public func run(handleSignals: Bool = true, onReady: @escaping @Sendable (BoundPorts) async -> Void = { _ in })
        async throws
    {
        // Read before the store loads them: the watcher compares against these bytes, so a rotation that lands
        // while the server starts is still picked up.
        let certificateBaseline = (
            certificate: FileWatcher.read(configuration.certificatePath), key: FileWatcher.read(configuration.keyPath)
        )
        let certificates = try CertificateStore(
            certificatePath: configuration.certificatePath, keyPath: configuration.keyPath)
        let clientCABaseline = configuration.clientCAPath.flatMap(FileWatcher.read)
        let clientCA = try configuration.clientCAPath.map { try ClientCAStore(path: $0) }
        let tlsChannel = certificates.serverConfiguration(clientCA: clientCA)
        let metrics = WebhookMetrics(factory: self.metrics)
        metrics.rulesGeneration(rules.current.generation)
        let readiness = NIOLockedValueBox(Readiness.starting)
        let ports = NIOLockedValueBox((tls: 0, probe: 0))

        let mainRouter = Router()
        WebhookRoutes(
            rules: rules, reviewer: AdmissionReviewer(deadline: configuration.requestDeadline),
            maxBodyBytes: configuration.maxBodyBytes, metrics: metrics, logger: logger
        ).register(on: mainRouter, benchmarkEndpoints: configuration.benchmarkEndpoints)
        let probeRouter = Router()
        ProbeRoutes(readiness: readiness, prometheus: prometheus).register(on: probeRouter)

        let bothUp: @Sendable () async -> Void = {
            let bound = ports.withLockedValue { $0 }
            if bound.tls != 0 && bound.probe != 0 { await onReady(BoundPorts(tls: bound.tls, probe: bound.probe)) }
        }
        let readTimeout = configuration.requestReadTimeout
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestReadDeadline(timeout: readTimeout)],
            idleTimeout: .nanoseconds(configuration.idleTimeout.nanoseconds))
        let (idleTimeout, handshakeTimeout) = (configuration.idleTimeout, configuration.handshakeTimeout)
        let tlsApp = Application(
            router: mainRouter,
            server: HTTPServerBuilder { responder in
                HandshakeDeadlineChannel(
                    upgrade: try HTTP2UpgradeChannel(
                        tlsChannelConfiguration: tlsChannel,
                        configuration: .init(idleTimeout: idleTimeout, streamConfiguration: http1), responder: responder
                    ),
                    timeout: handshakeTimeout, clientCA: clientCA)
            },
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                readiness.withLockedValue { if $0 == .starting { $0 = .serving } }
                ports.withLockedValue { $0.tls = channel.localAddress?.port ?? 0 }
                await bothUp()
            },
            logger: logger)
        let probeApp = Application(
            router: probeRouter,
            server: .http1(),
            configuration: .init(
                address: .hostname(configuration.probeHost, port: configuration.probePort), serverName: nil),
            onServerRunning: { channel in
                ports.withLockedValue { $0.probe = channel.localAddress?.port ?? 0 }
                await bothUp()
            },
            logger: logger)
        let watcher = FileWatcher(
            rulesPath: configuration.rulesPath, loader: loader, rules: rules, certificates: certificates,
            interval: configuration.reloadInterval, metrics: metrics, logger: logger,
            rulesBaseline: configuration.rulesBaseline, certificateBaseline: certificateBaseline,
            clientCA: clientCA, clientCABaseline: clientCABaseline)

        let group = ServiceGroup(
            configuration: .init(
                // Shut down in reverse order: readiness first (/readyz turns 503), then the TLS listener, so that
                // new connections are refused at once while in-flight reviews finish; probes last, so the kubelet
                // sees the pod alive until then.
                services: [
                    .init(service: probeApp), .init(service: watcher, successTerminationBehavior: .ignore),
                    .init(service: tlsApp),
                    .init(service: DrainingOnShutdown(readiness: readiness, delay: configuration.shutdownDelay)),
                ],
                gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
                logger: logger))
        do {
            try await group.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            // NIO's message names the system call, not the address, and the two ports fail alike.
            throw WebhookServerError(
                "cannot listen: address already in use (TLS on \(configuration.host):\(configuration.port), probes on "
                    + "\(configuration.probeHost):\(configuration.probePort)); another process holds one of them: stop "
                    + "it or choose another --port / --probe-port")
        }
    }
}

/// Why the server could not run, in words for the operator.
public struct WebhookServerError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
