import ReplacerCore
import ReplacerMatchers

let builtinRegistry: MatcherRegistry = {
    do { return try MatcherRegistry([ExactMatcher.self, PrefixMatcher.self, RegexMatcher.self]) } catch {
        fatalError("the built-in matchers must register: \(error)")
    }
}()

let ruleHeader = """
    apiVersion: k8s-image-replacer/v1
    kind: RuleSet

    """

/// Loads a one-stage rule file whose stage body is `stage` (indented as a list item's fields).
func loadStage(_ matcher: String, _ body: String, onMatch: String = "continue") async throws -> Pipeline {
    let yaml = ruleHeader + "stages:\n  - name: under-test\n    matcher: \(matcher)\n    onMatch: \(onMatch)\n" + body
    return Pipeline(try await RuleSetLoader(registry: builtinRegistry).load(text: yaml, file: "rules.yaml"))
}

/// The error a one-stage rule file must fail to load with.
func stageError(_ matcher: String, _ body: String) async throws -> RuleFileError {
    do {
        _ = try await loadStage(matcher, body)
    } catch let error as RuleFileError {
        return error
    }
    struct LoadedUnexpectedly: Error {}
    throw LoadedUnexpectedly()
}

/// Runs `image` and, when it changed, checks that a second pass leaves the result alone.
func rewriteTwice(_ pipeline: Pipeline, _ image: String, context: EvaluationContext = EvaluationContext()) async
    -> (first: PipelineResult, second: PipelineResult)
{
    let first = await pipeline.run(image, context: context)
    let second = await pipeline.run(first.image, context: context)
    return (first, second)
}

extension Array {
    /// The element at `index`, or nil: a test must fail, not trap, when a list is shorter than expected.
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
