import ReplacerCore

/// Loads the rule file named by `--rules`, or the embedded default when it is nil.
public enum RulesLoading {
    public static func load(_ path: String?, registry: MatcherRegistry) async throws(RuleFileError) -> RuleSet {
        let loader = CommandEnvironment.loader(registry: registry)
        if let path { return try await loader.load(contentsOf: path) }
        return try await loader.load(text: DefaultRules.text, file: DefaultRules.source)
    }
}
