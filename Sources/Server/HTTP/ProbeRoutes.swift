import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import Prometheus

/// The plain-HTTP probe port: liveness, readiness and Prometheus metrics, kept off the TLS port so that kubelet
/// probes and scrapers need no certificates.
struct ProbeRoutes: Sendable {
    /// Set once the TLS listener is bound; rules are always loaded before the server starts.
    let tlsServing: NIOLockedValueBox<Bool>
    let prometheus: PrometheusCollectorRegistry?

    func register(on router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            guard tlsServing.withLockedValue({ $0 }) else {
                return Response(status: .serviceUnavailable, body: ResponseBody(byteBuffer: ByteBuffer(string: "TLS listener not serving yet\n")))
            }
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("/metrics") { _, _ -> Response in
            guard let prometheus else {
                return Response(status: .notFound, body: ResponseBody(byteBuffer: ByteBuffer(string: "metrics are not enabled\n")))
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: prometheus.emitToBuffer())))
        }
    }
}
