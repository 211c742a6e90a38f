// The executable is deliberately thin: it only says which matchers this build contains. Adding a compiled-in
// plugin is one import and one entry in this list (the Swift counterpart of CoreDNS's plugin.cfg).
import ReplacerCLI
import ReplacerCore
import ReplacerMatchers

let enabledMatchers: [any Matcher.Type] = [
    ExactMatcher.self,
    PrefixMatcher.self,
    RegexMatcher.self,
    DigestMatcher.self,
]

await ReplacerCommand.main(matchers: enabledMatchers)
