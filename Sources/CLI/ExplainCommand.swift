import ArgumentParser
import ReplacerAdmission
import ReplacerCore

/// `explain`: shows, stage by stage, what the rules do to each image.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show, stage by stage, what the rules do to images.",
        discussion: """
            Exit status: 0 when every image was evaluated, 1 when the rule file does not load or an image is not a \
            valid reference.
            """)

    @OptionGroup var rules: RulesOptions
    @OptionGroup var plugins: PluginOptions
    @OptionGroup var context: ContextOptions

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Argument(help: "Images as a pod spec would write them.")
    var images: [String]

    func run() async throws {
        let result = await ExplainRunner.run(
            images: images, rulesPath: rules.rules, context: try context.evaluationContext(), format: output,
            registry: try plugins.registry())
        try result.emit()
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text, json
}

/// The work behind `explain`, separate from argument parsing so tests can call it.
public enum ExplainRunner {
    public static func run(
        images: [String], rulesPath: String?, context: EvaluationContext, format: String, registry: MatcherRegistry
    ) async -> CommandOutput {
        await run(
            images: images, rulesPath: rulesPath, context: context, format: OutputFormat(rawValue: format) ?? .text,
            registry: registry)
    }

    static func run(
        images: [String], rulesPath: String?, context: EvaluationContext, format: OutputFormat,
        registry: MatcherRegistry
    ) async -> CommandOutput {
        let ruleSet: RuleSet
        do {
            ruleSet = try await RulesLoading.load(rulesPath, registry: registry)
        } catch {
            return CommandOutput(stderr: "error: \(error)\n", exitCode: CommandOutput.Code.failure)
        }
        let evaluator = AdmissionEvaluator(ruleSet)
        var results: [PipelineResult] = []
        for image in images { results.append(await evaluator.evaluate(image, context: context, trace: true)) }
        await ruleSet.shutdown()
        let failed = results.contains { $0.normalized == nil }
        var output = CommandOutput(exitCode: failed ? CommandOutput.Code.failure : CommandOutput.Code.success)
        switch format {
        case .json: output.stdout = TraceFormatter.json(results, rules: ruleSet.source)
        case .text: output.stdout = results.map(TraceFormatter.text).joined(separator: "\n")
        }
        return output
    }
}
