import Synchronization

/// Runs work against a deadline and answers at the deadline even when the work does not stop.
///
/// A task group would do the same race, but a group does not return until every child has finished, so a matcher
/// that awaits something without honouring cancellation (a callback-based client, a continuation nobody cancels)
/// would hold the admission answer past the deadline, and the API server's failure policy, not the webhook, would
/// decide the pod. Here the work runs in an unstructured task that is cancelled, not awaited, when the deadline
/// passes first. A matcher that blocks its thread is another matter: under the server's executor that thread is an
/// event loop, which then cannot write the answer either; matchers must not block (Plugins/README.md).
package enum DeadlineRace {
    /// `work`'s result, or nil when `deadline` passed first or the calling task was cancelled.
    package static func run<T: Sendable>(
        within deadline: Duration, _ work: @escaping @Sendable () async -> T
    ) async -> T? {
        let race = Race<T>()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                race.begin(continuation)
                let worker = Task { race.finish(await work()) }
                let timer = Task {
                    try? await Task.sleep(for: deadline)
                    race.finish(nil)
                }
                race.track(worker, timer)
            }
        } onCancel: {
            race.finish(nil)
        }
    }

    /// One answer per race: the first `finish` resumes the caller and cancels both tasks; later ones do nothing.
    private final class Race<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T?, Never>?
            var finished = false
            /// Held until the race ends so the loser can be cancelled.
            var tasks: [Task<Void, Never>] = []
        }

        private let state = Mutex(State())

        func begin(_ continuation: CheckedContinuation<T?, Never>) {
            let finishedEarly = state.withLock { state in
                state.continuation = continuation
                return state.finished
            }
            // Cancelled before it began: answer at once.
            if finishedEarly {
                state.withLock { $0.continuation = nil }
                continuation.resume(returning: nil)
            }
        }

        func track(_ tasks: Task<Void, Never>...) {
            let finished = state.withLock { state in
                if !state.finished { state.tasks = tasks }
                return state.finished
            }
            if finished { for task in tasks { task.cancel() } }
        }

        func finish(_ value: T?) {
            let (continuation, tasks) = state.withLock {
                state -> (CheckedContinuation<T?, Never>?, [Task<Void, Never>]) in
                guard !state.finished else { return (nil, []) }
                state.finished = true
                defer {
                    state.continuation = nil
                    state.tasks = []
                }
                return (state.continuation, state.tasks)
            }
            for task in tasks { task.cancel() }
            continuation?.resume(returning: value)
        }
    }
}
