import ReplacerCore

/// Loads the rule file named by `--rules`, or the embedded default when it is nil.
public enum RulesLoading {
    public static func load(_ path: String?, registry: MatcherRegistry) async throws(RuleFileError) -> RuleSet {
        try await load(path, with: CommandEnvironment.loader(registry: registry))
    }

    /// Loads with `loader` (serve's, whose matchers count into the server's metrics).
    static func load(_ path: String?, with loader: RuleSetLoader) async throws(RuleFileError) -> RuleSet {
        if let path { return try await loader.load(contentsOf: path) }
        return try await loader.load(text: DefaultRules.text, file: DefaultRules.source)
    }
}
