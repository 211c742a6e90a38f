import CoreMetrics
import Logging
import ReplacerCore
import ReplacerRegistry

/// What the executable hands the commands: the matchers this build was compiled with, and how to install the
/// process's logging and metrics backends.
///
/// ArgumentParser builds commands from their type alone, so both travel as one task-local value set by
/// `ReplacerCommand.main(matchers:bootstrap:)` rather than as globals. One value, not one per field: every task the
/// server starts inherits the task-locals bound around it.
public enum CommandEnvironment {
    /// The matcher modules of this build (`main.swift`'s list).
    public static var registry: MatcherRegistry { values.registry }

    /// Installs `serve`'s backends process-wide; the executable's (main.swift) is the only one that does, as
    /// swift-log and swift-metrics intend. The default installs nothing, so a library user or a test can run a
    /// command in-process without claiming the process's one bootstrap.
    public static var bootstrap: Bootstrap { values.bootstrap }

    /// The closure in a struct: with Swift 6.3, a release build whose task-local held the bare closure crashed at
    /// start in `swift_task_localValuePush` (seen here; the debug build did not); held in a struct it does not.
    struct Values: Sendable {
        var registry: MatcherRegistry
        var bootstrap: Bootstrap
    }

    @TaskLocal static var values = Values(registry: MatcherRegistry(), bootstrap: { _ in })

    /// The loader a command uses: this build's matchers, mirror verification backed by `health`, and matchers that
    /// count into `metrics`. Commands other than `serve` count nothing.
    static func loader(
        registry: MatcherRegistry, health: RegistryHealth = RegistryHealth(),
        metrics: any MetricsFactory = NOOPMetricsHandler.instance
    ) -> RuleSetLoader {
        RuleSetLoader(
            registry: registry, verifierFactory: MirrorVerifier.factory(health: health), metrics: metrics)
    }
}

/// The logging and metrics backends `serve` builds from its options.
public struct ObservabilityBackends: Sendable {
    /// Makes the handler of a logger with the given label (`--log-format`, `--log-level`).
    public let makeLogHandler: @Sendable (String) -> any LogHandler
    /// The Prometheus-backed factory whose registry `/metrics` exposes.
    public let metrics: any MetricsFactory
}

/// Installs `serve`'s backends as the process's defaults (`LoggingSystem.bootstrap`, `MetricsSystem.bootstrap`),
/// for the dependencies that log or count through them. Called once, before `serve` logs anything; our own code
/// is handed its logger and metrics factory directly and does not depend on it.
public typealias Bootstrap = @Sendable (ObservabilityBackends) -> Void
