import Metrics
import NIOConcurrencyHelpers
import ReplacerCore

/// The webhook's metrics, through swift-metrics so that the backend (Prometheus here) is chosen once, in `main`.
///
/// Names follow Prometheus conventions: a `k8s_image_replacer_` prefix, `_total` on counters, base units. Metric
/// objects are made once and reused: creating one per request costs a factory lookup and allocations on the
/// admission path.
public final class WebhookMetrics: Sendable {
    private let duration: Timer
    private let generation: Gauge
    private let admissions: CounterFamily
    private let rewrites: CounterFamily
    private let refusals: CounterFamily
    private let fallbacks: CounterFamily
    private let reloads: CounterFamily

    /// Metrics made by `factory`: the server's backend (a test passes its own, to read exact values that no other
    /// server in the process can touch).
    public init(factory: any MetricsFactory) {
        duration = Timer(label: "k8s_image_replacer_admission_duration_seconds", factory: factory)
        generation = Gauge(label: "k8s_image_replacer_rules_generation", factory: factory)
        admissions = CounterFamily("k8s_image_replacer_admission_requests_total", "outcome", factory: factory)
        rewrites = CounterFamily("k8s_image_replacer_rewrites_total", "stage", factory: factory)
        refusals = CounterFamily("k8s_image_replacer_refused_rewrites_total", "stage", factory: factory)
        fallbacks = CounterFamily("k8s_image_replacer_mirror_fallbacks_total", "stage", "to", factory: factory)
        reloads = CounterFamily("k8s_image_replacer_reloads_total", "file", "result", factory: factory)
    }

    /// One admission request: `outcome` is `patched`, `unchanged`, `skipped`, `denied`, `timeout` or `rejected`.
    func admission(outcome: String, duration elapsed: Duration) {
        admissions[outcome].increment()
        duration.recordNanoseconds(elapsed.nanoseconds)
    }

    /// What one stage did to one image of an admitted pod: counted under the stage's name by what it was.
    func record(_ event: StageEvent) {
        switch event.outcome {
        case .rewritten:
            rewrites[event.stage].increment()
            if event.fellBack { fallbacks[event.stage, "next-mirror"].increment() }
        case .refused, .failed:
            refusals[event.stage].increment()
        case .unverified:
            // No mirror passed verification: the image fell back to the original.
            fallbacks[event.stage, "original"].increment()
        case .skipped, .noMatch, .matched, .denied, .notReached:
            break
        }
    }

    /// A reload attempt of `what` (`rules`, `certificate` or `client-ca`) with `result` `success` or `failure`.
    func reload(_ what: String, result: String) {
        reloads[what, result].increment()
    }

    func rulesGeneration(_ value: Int) {
        generation.record(value)
    }
}

/// The counters of one metric name, one per combination of dimension values, made on first use. Values come from
/// a closed set (outcomes) or from the rule file (stage names), so the map stays small; looking one up is a
/// dictionary hit under a lock, with no string building on the admission path.
private final class CounterFamily: Sendable {
    private struct Values: Hashable {
        var first: String
        var second: String?
    }

    private let label: String
    private let dimensions: (String, String?)
    private let counters = NIOLockedValueBox<[Values: Counter]>([:])

    private let factory: any MetricsFactory

    init(_ label: String, _ dimension: String, _ second: String? = nil, factory: any MetricsFactory) {
        self.label = label
        self.dimensions = (dimension, second)
        self.factory = factory
    }

    subscript(_ value: String, _ second: String? = nil) -> Counter {
        let key = Values(first: value, second: second)
        return counters.withLockedValue { counters in
            if let existing = counters[key] { return existing }
            var pairs = [(dimensions.0, value)]
            if let name = dimensions.1, let second { pairs.append((name, second)) }
            let made = Counter(label: label, dimensions: pairs, factory: factory)
            counters[key] = made
            return made
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    var milliseconds: Double { Double(nanoseconds) / 1_000_000 }
}
