import NIOConcurrencyHelpers

/// Resolved digests by `registry/repository:tag`, with a time to live, a shorter one for failures, a bound on
/// its size, and one shared lookup for concurrent requests of the same key.
///
/// A Deployment scaling to fifty replicas admits fifty pods with the same image within a second; they share one
/// registry round trip, and the pods after them are answered from memory.
public final class DigestCache: Sendable {
    /// Where an answer came from, for traces and metrics.
    public enum Source: String, Sendable {
        /// From memory.
        case hit
        /// This caller asked the registry.
        case miss
        /// Another admission was already asking; this one waited for its answer.
        case shared
    }

    struct Entry: Sendable {
        var result: Result<String, RegistryError>
        var expires: ContinuousClock.Instant
        var generation: Int
    }

    struct State: Sendable {
        var entries: [String: Entry] = [:]
        var inflight: [String: Task<Result<String, RegistryError>, Never>] = [:]
        /// Insertion order for eviction; entries whose generation no longer matches are skipped.
        var order: [(key: String, generation: Int)] = []
        var orderHead = 0
        var nextGeneration = 0
    }

    public let ttl: Duration
    public let failureTTL: Duration
    public let capacity: Int
    private let state = NIOLockedValueBox(State())

    public init(ttl: Duration = .seconds(300), failureTTL: Duration = .seconds(15), capacity: Int = 10_000) {
        self.ttl = ttl
        self.failureTTL = failureTTL
        self.capacity = max(1, capacity)
    }

    /// The cached answer for `key`, or the answer of `resolve`, run once however many callers ask at once.
    public func value(
        for key: String, resolve: @escaping @Sendable () async -> Result<String, RegistryError>
    ) async -> (Result<String, RegistryError>, Source) {
        let now = ContinuousClock.now
        enum Step {
            case cached(Result<String, RegistryError>)
            case wait(Task<Result<String, RegistryError>, Never>)
            case start(Task<Result<String, RegistryError>, Never>)
        }
        let step: Step = state.withLockedValue { state in
            if let entry = state.entries[key], entry.expires > now { return .cached(entry.result) }
            if let task = state.inflight[key] { return .wait(task) }
            let task = Task { await resolve() }
            state.inflight[key] = task
            return .start(task)
        }
        switch step {
        case .cached(let result):
            return (result, .hit)
        case .wait(let task):
            return (await task.value, .shared)
        case .start(let task):
            let result = await task.value
            store(result, for: key)
            return (result, .miss)
        }
    }

    /// The cached answer for `key` when there is a fresh one; no lookup is started. The hot path of the digest
    /// stage, which then needs no closure at all.
    public func cached(_ key: String) -> Result<String, RegistryError>? {
        let now = ContinuousClock.now
        return state.withLockedValue { state in
            guard let entry = state.entries[key], entry.expires > now else { return nil }
            return entry.result
        }
    }

    /// Number of cached entries (expired ones included until evicted).
    public var count: Int { state.withLockedValue { $0.entries.count } }

    /// Forgets everything; in-flight lookups finish and are stored.
    public func removeAll() {
        state.withLockedValue { state in
            state.entries.removeAll()
            state.order.removeAll()
            state.orderHead = 0
        }
    }

    private func store(_ result: Result<String, RegistryError>, for key: String) {
        let lifetime: Duration
        switch result {
        case .success: lifetime = ttl
        // A missing tag may be pushed any moment, and a registry outage should not outlive itself here.
        case .failure: lifetime = failureTTL
        }
        let expires = ContinuousClock.now + lifetime
        state.withLockedValue { state in
            state.inflight[key] = nil
            state.nextGeneration += 1
            state.entries[key] = Entry(result: result, expires: expires, generation: state.nextGeneration)
            state.order.append((key, state.nextGeneration))
            while state.entries.count > capacity, state.orderHead < state.order.count {
                let oldest = state.order[state.orderHead]
                state.orderHead += 1
                if state.entries[oldest.key]?.generation == oldest.generation { state.entries[oldest.key] = nil }
            }
            // Compact the order log once its consumed head dominates, so it stays O(capacity).
            if state.orderHead > capacity {
                state.order.removeFirst(state.orderHead)
                state.orderHead = 0
            }
        }
    }
}
