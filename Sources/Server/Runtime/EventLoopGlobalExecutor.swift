import CConcurrencyHook
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Runs Swift concurrency's global jobs on SwiftNIO's singleton event loops instead of Dispatch's pool.
///
/// Why: the server's connections live on those loops, and Hummingbird runs each request's handler as a task.
/// With Dispatch's pool every request crosses threads twice (loop → pool for the handler, pool → loop for the
/// answer), which on the load test costs more than the admission work itself. With this executor a task started
/// from a loop stays on that loop (`MultiThreadedEventLoopGroup.any()` prefers the calling loop).
///
/// What it needs: nothing on the request path may block a thread for long, because a blocked loop stops all of
/// its connections. Matchers are async or bounded (`MatcherTraits.runsWithoutWaiting`), and rule reloads run on their
/// own thread (`BackgroundExecutor`).
///
/// SwiftNIO has an installer of its own
/// (`NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor`), but it finds the
/// runtime's hook with `dlsym`, which cannot see it in a `--static-swift-stdlib` binary (the one
/// the image ships): that build would silently keep Dispatch. This one links against the hook (CConcurrencyHook),
/// so static and dynamic builds behave the same.
public enum EventLoopGlobalExecutor {
    private static let installed = NIOLockedValueBox(false)

    /// Where a new task without a preference runs now: true when it runs on one of the singleton group's event
    /// loops. A check of the effect rather than of `install()`'s result, for the `serving` log line. Delayed jobs
    /// (after `Task.sleep`) still start on Dispatch's pool: only the immediate enqueue is routed.
    public static func runsTasksOnEventLoops() async -> Bool {
        await Task.detached { MultiThreadedEventLoopGroup.currentEventLoop != nil }.value
    }

    /// Routes every global job to `MultiThreadedEventLoopGroup.singleton`. Call it once, from `main`, before the
    /// first task starts (jobs already given to Dispatch stay there). Returns false, changing nothing, when another
    /// global hook is already set; true again on later calls once it has succeeded.
    @discardableResult
    public static func install() -> Bool {
        installed.withLockedValue { installed in
            if installed { return true }
            installed = kir_install_global_job_handler { job in
                // The runtime hands over the job pointer, which is what an UnownedJob holds.
                let unowned = unsafeBitCast(job, to: UnownedJob.self)
                MultiThreadedEventLoopGroup.singleton.any().executor.enqueue(ExecutorJob(unowned))
            }
            return installed
        }
    }
}
