// The executable is deliberately thin: it only says which matchers this build contains. Adding a compiled-in
// plugin is one import and one entry in this list (the Swift counterpart of CoreDNS's plugin.cfg); WebAssembly
// plugins are added at run time with --plugin-dir.
import ReplacerCLI
import ReplacerCore
import ReplacerMatchers
import ReplacerPluginPullThroughCache
import ReplacerPluginTagPolicy

let enabledMatchers: [any Matcher.Type] = [
    ExactMatcher.self,
    PrefixMatcher.self,
    RegexMatcher.self,
    DigestMatcher.self,
    // Plugins (Plugins/<Name>/)
    PullThroughCacheMatcher.self,
    TagPolicyMatcher.self,
]

await ReplacerCommand.main(matchers: enabledMatchers)
