import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import Prometheus
import ServiceLifecycle

/// The plain-HTTP probe port: liveness, readiness and Prometheus metrics, kept off the TLS port so that kubelet
/// probes and scrapers need no certificates.
struct ProbeRoutes: Sendable {
    /// Where the TLS listener is in its life; rules are always loaded before the server starts.
    let readiness: NIOLockedValueBox<Readiness>
    let prometheus: PrometheusCollectorRegistry?

    func register(on router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            switch readiness.withLockedValue({ $0 }) {
            case .starting:
                return Response(
                    status: .serviceUnavailable,
                    body: ResponseBody(byteBuffer: ByteBuffer(string: "TLS listener not serving yet\n")))
            case .serving:
                return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n")))
            case .draining:
                return Response(
                    status: .serviceUnavailable, body: ResponseBody(byteBuffer: ByteBuffer(string: "shutting down\n")))
            }
        }
        router.get("/metrics") { _, _ -> Response in
            guard let prometheus else {
                return Response(
                    status: .notFound, body: ResponseBody(byteBuffer: ByteBuffer(string: "metrics are not enabled\n")))
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: prometheus.emitToBuffer())))
        }
    }
}

/// What `/readyz` reports: ready only between the TLS listener binding and the start of shutdown.
enum Readiness: Sendable {
    case starting
    case serving
    /// Shutdown has begun: in-flight reviews finish, new ones belong to another replica.
    case draining
}

/// Marks the server not ready the moment graceful shutdown begins (SIGTERM). Listed last in the service group, so
/// it is the first service told to stop: `/readyz` answers 503 before the TLS listener closes, and anything that
/// routes by readiness stops sending reviews here while the in-flight ones finish. With a `delay`, it returns only
/// after that long, and the services after it (the TLS listener first) keep serving until then.
struct DrainingOnShutdown: Service {
    let readiness: NIOLockedValueBox<Readiness>
    var delay: Duration = .zero

    func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled: the whole group is ending without a drain
        }
        readiness.withLockedValue { $0 = .draining }
        if delay > .zero { try? await Task.sleep(for: delay) }
    }
}
