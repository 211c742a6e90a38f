import Metrics
import NIOConcurrencyHelpers
import NIOCore

/// What the webhook knows about each mirror's health: a circuit breaker per registry host, fed by real lookups
/// and by a background prober.
///
/// A breaker opens after `failureThreshold` consecutive host failures, or at once on a timeout (a hanging mirror
/// must cost the time budget once, not on every admission). While open, stages skip the host at no latency cost.
/// After `openDuration` the next check is let through as a trial (half-open): success closes the breaker, failure
/// opens it again. The prober pings hosts with an open breaker every `probeInterval`, so a mirror that comes back
/// is used again without waiting for an admission to try it. One instance serves the whole process and outlives
/// rule reloads.
public final class RegistryHealth: Sendable {
    public struct Settings: Sendable {
        public var failureThreshold = 3
        public var openDuration: Duration = .seconds(30)
        public var probeInterval: Duration = .seconds(10)
        public var probeTimeout: Duration = .seconds(2)
        public init() {}
    }

    public enum BreakerState: String, Sendable {
        case closed, open
        case halfOpen = "half-open"
    }

    struct Host: Sendable {
        var state = BreakerState.closed
        var consecutiveFailures = 0
        var openedUntil = ContinuousClock.now
        var trialInFlight = false
        /// The latest probe result and when it was taken.
        var lastProbe: (ok: Bool, at: ContinuousClock.Instant)?
        /// Pings the host with the client of the verifier that last used it.
        var ping: (@Sendable (NIODeadline) async -> Bool)?
    }

    public let settings: Settings
    /// Where the mirror gauges and breaker counters are made.
    private let metrics: any MetricsFactory
    private let hosts = NIOLockedValueBox<[String: Host]>([:])
    private let prober = NIOLockedValueBox<Task<Void, Never>?>(nil)

    /// `metrics` is the server's backend when serving; the default counts nothing (commands, tests).
    public init(settings: Settings = Settings(), metrics: any MetricsFactory = NOOPMetricsHandler.instance) {
        self.settings = settings
        self.metrics = metrics
    }

    /// Stops the prober. Call once at shutdown.
    public func shutdown() {
        prober.withLockedValue {
            $0?.cancel()
            $0 = nil
        }
    }

    /// The breaker's state for `host`.
    public func state(of host: String) -> BreakerState {
        hosts.withLockedValue { $0[host]?.state ?? .closed }
    }

    /// Whether a check of `host` may go ahead now. An open breaker whose time is up lets one trial through.
    func admit(_ host: String) -> Bool {
        let now = ContinuousClock.now
        let (allowed, transition) = hosts.withLockedValue { hosts -> (Bool, BreakerState?) in
            var entry = hosts[host] ?? Host()
            defer { hosts[host] = entry }
            switch entry.state {
            case .closed: return (true, nil)
            case .open where now >= entry.openedUntil:
                entry.state = .halfOpen
                entry.trialInFlight = true
                return (true, .halfOpen)
            case .open: return (false, nil)
            case .halfOpen:
                if entry.trialInFlight { return (false, nil) }
                entry.trialInFlight = true
                return (true, nil)
            }
        }
        if let transition { transitioned(host, to: transition) }
        return allowed
    }

    /// Records the outcome of a real request to `host`. `timedOut` opens the breaker at once.
    func record(_ host: String, success: Bool, timedOut: Bool = false) {
        let now = ContinuousClock.now
        let transition: BreakerState? = hosts.withLockedValue { hosts in
            var entry = hosts[host] ?? Host()
            defer { hosts[host] = entry }
            entry.trialInFlight = false
            if success {
                entry.consecutiveFailures = 0
                guard entry.state != .closed else { return nil }
                entry.state = .closed
                return .closed
            }
            entry.consecutiveFailures += 1
            let shouldOpen =
                entry.state == .halfOpen || timedOut || entry.consecutiveFailures >= settings.failureThreshold
            guard shouldOpen else { return nil }
            entry.openedUntil = now + settings.openDuration
            let changed = entry.state != .open
            entry.state = .open
            return changed ? .open : nil
        }
        Gauge(label: "k8s_image_replacer_mirror_up", dimensions: [("host", host)], factory: metrics)
            .record(success ? 1 : 0)
        if let transition {
            transitioned(host, to: transition)
            if transition == .open { startProber() }
        }
    }

    /// Ends a half-open trial that was answered from a cache, without a verdict about the host.
    func release(_ host: String) {
        hosts.withLockedValue { $0[host]?.trialInFlight = false }
    }

    /// The prober's latest verdict for `host`, when it is at most two probe intervals old.
    func probed(_ host: String) -> Bool? {
        let now = ContinuousClock.now
        return hosts.withLockedValue { hosts in
            guard let probe = hosts[host]?.lastProbe, now - probe.at < settings.probeInterval * 2 else { return nil }
            return probe.ok
        }
    }

    /// Lets the prober reach `host` with the given ping (the latest verifier's client).
    func register(_ host: String, ping: @escaping @Sendable (NIODeadline) async -> Bool) {
        hosts.withLockedValue { hosts in
            var entry = hosts[host] ?? Host()
            entry.ping = ping
            hosts[host] = entry
        }
    }

    private func transitioned(_ host: String, to state: BreakerState) {
        Counter(
            label: "k8s_image_replacer_mirror_breaker_transitions_total",
            dimensions: [("host", host), ("to", state.rawValue)], factory: metrics
        )
        .increment()
    }

    private func startProber() {
        prober.withLockedValue { task in
            guard task == nil else { return }
            task = Task { [weak self] in
                while !Task.isCancelled {
                    guard let interval = self?.settings.probeInterval else { return }
                    try? await Task.sleep(for: interval)
                    await self?.probeOpenHosts()
                }
            }
        }
    }

    /// Pings every host whose breaker is not closed; a success closes it.
    func probeOpenHosts() async {
        let targets = hosts.withLockedValue { hosts in
            hosts.compactMap { host, entry in entry.state == .closed ? nil : entry.ping.map { (host, $0) } }
        }
        for (host, ping) in targets {
            let (seconds, attoseconds) = settings.probeTimeout.components
            let ok = await ping(.now() + .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
            hosts.withLockedValue { $0[host]?.lastProbe = (ok, .now) }
            if ok { record(host, success: true) }
        }
    }
}
