import Metrics
import NIOConcurrencyHelpers

/// The webhook's metrics, through swift-metrics so that the backend (Prometheus here) is chosen once, in `main`.
///
/// Names follow Prometheus conventions: a `k8s_image_replacer_` prefix, `_total` on counters, base units. Metric
/// objects are made once and reused: creating one per request costs a factory lookup and allocations on the
/// admission path.
public final class WebhookMetrics: Sendable {
    private let duration = Timer(label: "k8s_image_replacer_admission_duration_seconds")
    private let generation = Gauge(label: "k8s_image_replacer_rules_generation")
    /// Counters by label and dimension values, made on first use. Dimensions come from a closed set (outcomes) or
    /// from the rule file (stage names), so the map stays small.
    private let counters = NIOLockedValueBox<[String: Counter]>([:])

    public init() {}

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return counters.withLockedValue { counters in
            if let existing = counters[key] { return existing }
            let made = Counter(label: label, dimensions: dimensions)
            counters[key] = made
            return made
        }
    }

    /// One admission request: `outcome` is `patched`, `unchanged`, `skipped`, `denied`, `timeout` or `rejected`.
    func admission(outcome: String, duration elapsed: Duration) {
        counter("k8s_image_replacer_admission_requests_total", [("outcome", outcome)]).increment()
        duration.recordNanoseconds(elapsed.nanoseconds)
    }

    func rewrite(stage: String) {
        counter("k8s_image_replacer_rewrites_total", [("stage", stage)]).increment()
    }

    func refused(stage: String) {
        counter("k8s_image_replacer_refused_rewrites_total", [("stage", stage)]).increment()
    }

    /// A verifying stage did not use its first mirror: `to` is `next-mirror` or `original` (none passed).
    func fallback(stage: String, to: String) {
        counter("k8s_image_replacer_mirror_fallbacks_total", [("stage", stage), ("to", to)]).increment()
    }

    /// A reload attempt of `what` (`rules` or `certificate`) with `result` `success` or `failure`.
    func reload(_ what: String, result: String) {
        counter("k8s_image_replacer_reloads_total", [("file", what), ("result", result)]).increment()
    }

    func rulesGeneration(_ value: Int) {
        generation.record(value)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    var milliseconds: Double { Double(nanoseconds) / 1_000_000 }
}
