import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A task executor with one thread of its own, for the watcher's file reads and rule compilation.
///
/// Why: `serve` makes the NIO event loops Swift's global executor (see `main.swift`), so any task without a
/// preference runs on a loop that also serves requests. Compiling a large rule file (a `prefix` stage of
/// 10,000 rules, WebAssembly plugins) takes up to a second, and the requests on that loop would wait for it.
/// The watcher runs with this executor as its task executor preference instead, so reloads never touch the
/// loops; the rule set it builds is then swapped in with one lock (`RulesStore.replace`).
final class BackgroundExecutor: TaskExecutor, @unchecked Sendable {
    /// The process's one background thread; made on first use and never stopped (the watcher runs until exit).
    static let shared = BackgroundExecutor(name: "kir-background")

    /// The Foundation thread's name (debuggers show it; the OS-level name is inherited from the creating thread).
    let name: String
    // `queue` and `thread` are only touched with `condition` locked; that is what makes the class Sendable.
    private let condition = NSCondition()
    private var queue: [UnownedJob] = []
    private var thread: pthread_t?

    private init(name: String) {
        self.name = name
        let thread = Thread { [unowned self] in self.runJobs() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Whether the caller runs on this executor's thread.
    func isCurrentThread() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
    }

    private func runJobs() {
        condition.lock()
        thread = pthread_self()
        condition.unlock()
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            let jobs = queue
            queue.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in jobs { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}
