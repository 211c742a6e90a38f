import ArgumentParser
import ReplacerCore

/// `check`: validates a rule file without running anything.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a rule file.",
        discussion: "Exit status: 0 when the file loads, 1 with the error's file:line:column when it does not.")

    @OptionGroup var rules: RulesOptions
    @OptionGroup var plugins: PluginOptions

    func run() async throws {
        try await CheckRunner.run(rulesPath: rules.rules, registry: try plugins.registry()).emit()
    }
}

/// The work behind `check`.
public enum CheckRunner {
    public static func run(rulesPath: String?, registry: MatcherRegistry) async -> CommandOutput {
        do {
            let ruleSet = try await RulesLoading.load(rulesPath, registry: registry)
            await ruleSet.shutdown()
            let stages = ruleSet.stages.map { "\($0.name) (\($0.matcherID))" }.joined(separator: ", ")
            let count = ruleSet.stages.count
            guard count > 0 else {
                return CommandOutput(stdout: "\(ruleSet.source): OK, no stages: no image is rewritten\n")
            }
            return CommandOutput(stdout: "\(ruleSet.source): OK, \(count) stage\(count == 1 ? "" : "s"): \(stages)\n")
        } catch {
            return CommandOutput(stderr: "error: \(error)\n", exitCode: CommandOutput.Code.failure)
        }
    }
}
