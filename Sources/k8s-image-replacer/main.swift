// The executable is deliberately thin: it only says which matchers this build contains. Adding a compiled-in
// plugin is one import and one entry in this list (the Swift counterpart of CoreDNS's plugin.cfg); WebAssembly
// plugins are added at run time with --plugin-dir.
import Foundation
import Logging
import Metrics
import ReplacerCLI
import ReplacerCore
import ReplacerDigest
import ReplacerMatchers
import ReplacerPluginPullThroughCache
import ReplacerPluginTagPolicy
import ReplacerServer

let enabledMatchers: [MatcherModule] = [
    ExactMatcher.module,
    PrefixMatcher.module,
    RegexMatcher.module,
    DigestMatcher.module,
    // Plugins (Plugins/<Name>/)
    PullThroughCacheMatcher.module,
    TagPolicyMatcher.module,
]

// `serve` runs Swift concurrency's jobs on the same NIO event loops that do its network I/O, instead of handing
// every request between those loops and Dispatch's pool and back (on the load test those hand-offs cost more
// than the admission work). Nothing on the request path blocks a thread (matchers are async or bounded, see
// `MatcherTraits.runsWithoutWaiting`), which is what this arrangement needs. It has to be set up before the first task
// starts, so here rather than in `serve`. K8S_IMAGE_REPLACER_EXECUTOR=dispatch keeps Swift's default pool.
if CommandLine.arguments.dropFirst().first == "serve",
    ProcessInfo.processInfo.environment["K8S_IMAGE_REPLACER_EXECUTOR"] != "dispatch"
{
    EventLoopGlobalExecutor.install()
}

// The process's logging and metrics backends are installed here, once, as swift-log and swift-metrics intend; the
// libraries only build them (`serve` from its options) and are handed them directly.
await ReplacerCommand.main(matchers: enabledMatchers) { backends in
    LoggingSystem.bootstrap(backends.makeLogHandler)
    MetricsSystem.bootstrap(backends.metrics)
}
