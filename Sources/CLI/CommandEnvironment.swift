import ReplacerCore

/// What the executable hands the commands: the matchers this build was compiled with.
///
/// ArgumentParser builds commands from their type alone, so the registry travels as a task-local value set by
/// `ReplacerCommand.main(matchers:)` rather than as a global.
public enum CommandEnvironment {
    @TaskLocal public static var registry = MatcherRegistry()
}
