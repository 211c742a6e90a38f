import Foundation
import ReplacerAdmission
import ReplacerCore
import Testing

@testable import ReplacerCLI

/// Golden tests: for every `Fixtures/golden/NAME.rules.yaml`, the cases in `NAME.cases.yaml` must produce exactly
/// the explain JSON checked in as `NAME.explain.json`. Run with `UPDATE_GOLDEN=1` to rewrite the expected files
/// after an intended change, then review the diff.
@Suite struct GoldenTests {
    static let names: [String] = {
        let directory = fixtures.appendingPathComponent("golden")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".rules.yaml") }.map { String($0.dropLast(".rules.yaml".count)) }.sorted()
    }()

    @Test func thereAreGoldenFixtures() {
        #expect(!Self.names.isEmpty)
    }

    @Test(arguments: names)
    func explainMatchesTheCheckedInTrace(_ name: String) async throws {
        let rulesFile = "\(name).rules.yaml"
        let text = try String(contentsOfFile: fixture("golden/\(rulesFile)"), encoding: .utf8)
        let ruleSet = try await RuleSetLoader(registry: registry).load(text: text, file: rulesFile)
        let cases = try TestCase.load(contentsOf: fixture("golden/\(name).cases.yaml"))
        // The evaluator behind /mutate, /explain and the CLI, so the checked-in traces are what all three show.
        let evaluator = AdmissionEvaluator(ruleSet)
        var results: [PipelineResult] = []
        for testCase in cases {
            results.append(await evaluator.evaluate(testCase.image, context: testCase.context, trace: true))
        }
        let actual = TraceFormatter.json(results, rules: rulesFile)

        let expectedPath = fixture("golden/\(name).explain.json")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try actual.write(toFile: expectedPath, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: expectedPath, encoding: .utf8)
        #expect(actual == expected, "explain output differs from \(expectedPath); rerun with UPDATE_GOLDEN=1 to review")
    }

    @Test(arguments: names)
    func caseFilePasses(_ name: String) async throws {
        let output = await TestRunner.run(
            casesPath: fixture("golden/\(name).cases.yaml"), rulesPath: fixture("golden/\(name).rules.yaml"),
            verbose: false, registry: registry)
        #expect(output.exitCode == 0, "\(output.stdout)")
        #expect(output.stdout.hasSuffix(" passed, 0 failed\n"))
    }
}
