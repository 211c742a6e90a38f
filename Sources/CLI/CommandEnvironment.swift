import ReplacerCore
import ReplacerRegistry

/// What the executable hands the commands: the matchers this build was compiled with.
///
/// ArgumentParser builds commands from their type alone, so the registry travels as a task-local value set by
/// `ReplacerCommand.main(matchers:)` rather than as a global.
public enum CommandEnvironment {
    @TaskLocal public static var registry = MatcherRegistry()

    /// Mirror health (circuit breakers, prober) for stages with `verify:`, shared by every rule set this process
    /// loads, so a reload does not forget which mirrors are down.
    public static let registryHealth = RegistryHealth()

    /// The loader every command uses: this build's matchers, and mirror verification backed by `registryHealth`.
    static func loader(registry: MatcherRegistry) -> RuleSetLoader {
        RuleSetLoader(registry: registry, verifierFactory: MirrorVerifier.factory(health: registryHealth))
    }
}
