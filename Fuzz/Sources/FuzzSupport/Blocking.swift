import Dispatch

/// Runs `body` on the concurrency runtime and waits for it on the calling thread.
///
/// libFuzzer calls its callback synchronously, while the rule loader and the admission reviewer are `async`. The
/// callback thread is libFuzzer's own (not one of the runtime's cooperative threads), so blocking it cannot starve
/// the task it waits for.
public func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        box.value = await body()
        done.signal()
    }
    done.wait()
    guard let value = box.value else { fatalError("runBlocking: the task finished without a result") }
    return value
}

/// Hands one value from the task to the waiting thread. The semaphore orders the write before the read, which the
/// compiler cannot see, hence `@unchecked`.
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    var value: T?
}
