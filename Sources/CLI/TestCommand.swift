import ArgumentParser
import ReplacerAdmission
import ReplacerCore

/// `test`: runs a case file against a rule file, like `kyverno test`, so rule files can live under CI.
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Check expected rewrites: each case is an image (and context) with the image it must become.",
        discussion: """
            Every case is also run a second time on its own result, which must not change again: the API server \
            may call a webhook twice for one pod.
            Exit status: 0 when every case passes, 1 when a case fails or the rule file does not load, 2 when the \
            case file cannot be used.
            """)

    @OptionGroup var rules: RulesOptions
    @OptionGroup var plugins: PluginOptions

    @Flag(help: "List passing cases too.")
    var verbose = false

    @Argument(help: "Case file (YAML or JSON).")
    var cases: String

    func run() async throws {
        try await TestRunner.run(
            casesPath: cases, rulesPath: rules.rules, verbose: verbose, registry: try plugins.registry()
        ).emit()
    }
}

/// The work behind `test`.
public enum TestRunner {
    public static func run(casesPath: String, rulesPath: String?, verbose: Bool, registry: MatcherRegistry) async
        -> CommandOutput
    {
        let cases: [TestCase]
        do {
            cases = try TestCase.load(contentsOf: casesPath)
        } catch {
            return CommandOutput(stderr: "error: \(error)\n", exitCode: CommandOutput.Code.usage)
        }
        let ruleSet: RuleSet
        do {
            ruleSet = try await RulesLoading.load(rulesPath, registry: registry)
        } catch {
            return CommandOutput(stderr: "error: \(error)\n", exitCode: CommandOutput.Code.failure)
        }
        let evaluator = AdmissionEvaluator(ruleSet, usesMemo: false)  // test the stages, never the memo
        var report = ""
        var failed = 0
        for testCase in cases {
            let result = await evaluator.evaluate(testCase.image, context: testCase.context, trace: true)
            var problems: [String] = []
            let expected: String
            switch testCase.expectation {
            case .image(let image): expected = image
            case .unchanged: expected = testCase.image
            }
            if result.image != expected {
                problems.append("- expected: \(testCase.expectation == .unchanged ? "unchanged" : expected)")
                problems.append("+ got:      \(result.changed ? result.image : "unchanged (\(result.image))")")
            }
            if result.changed {
                let second = await evaluator.evaluate(result.image, context: testCase.context, trace: false)
                if second.changed {
                    problems.append(
                        "! not idempotent: a second pass rewrites \(result.image) to \(second.image) "
                            + "(a reinvoked webhook would rewrite the pod again)")
                }
            }
            if problems.isEmpty {
                if verbose { report += "PASS \(testCase.location) \(testCase.label)\n" }
                continue
            }
            failed += 1
            report += "FAIL \(testCase.location) \(testCase.label)\n"
            for problem in problems { report += "  \(problem)\n" }
            report += "  trace:\n"
            for line in TraceFormatter.text(result).split(separator: "\n") { report += "    \(line)\n" }
        }
        await ruleSet.shutdown()
        report += "\(cases.count - failed) passed, \(failed) failed\n"
        return CommandOutput(
            stdout: report, exitCode: failed == 0 ? CommandOutput.Code.success : CommandOutput.Code.failure)
    }
}
