import Metrics

/// The webhook's metrics, through swift-metrics so that the backend (Prometheus here) is chosen once, in `main`.
///
/// Names follow Prometheus conventions: a `k8s_image_replacer_` prefix, `_total` on counters, base units.
public struct WebhookMetrics: Sendable {
    public init() {}

    /// One admission request: `outcome` is `patched`, `unchanged`, `skipped`, `timeout` or `rejected`.
    func admission(outcome: String, duration: Duration) {
        Counter(label: "k8s_image_replacer_admission_requests_total", dimensions: [("outcome", outcome)]).increment()
        Timer(label: "k8s_image_replacer_admission_duration_seconds").recordNanoseconds(duration.nanoseconds)
    }

    func rewrite(stage: String) {
        Counter(label: "k8s_image_replacer_rewrites_total", dimensions: [("stage", stage)]).increment()
    }

    func refused(stage: String) {
        Counter(label: "k8s_image_replacer_refused_rewrites_total", dimensions: [("stage", stage)]).increment()
    }

    /// A verifying stage did not use its first mirror: `to` is `next-mirror` or `original` (none passed).
    func fallback(stage: String, to: String) {
        Counter(label: "k8s_image_replacer_mirror_fallbacks_total", dimensions: [("stage", stage), ("to", to)]).increment()
    }

    /// A reload attempt of `what` (`rules` or `certificate`) with `result` `success` or `failure`.
    func reload(_ what: String, result: String) {
        Counter(label: "k8s_image_replacer_reloads_total", dimensions: [("file", what), ("result", result)]).increment()
    }

    func rulesGeneration(_ generation: Int) {
        Gauge(label: "k8s_image_replacer_rules_generation").record(generation)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    var milliseconds: Double { Double(nanoseconds) / 1_000_000 }
}
