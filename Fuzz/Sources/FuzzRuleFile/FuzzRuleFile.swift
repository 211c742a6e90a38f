// Fuzz target: the rule-file loader, YAML and JSON (one parser reads both), with the built-in matchers that load
// without touching the network (exact, prefix, regex).
//
// Properties:
// - loading either returns a rule set or throws a `RuleFileError` with a 1-based position in this file; it never
//   traps, however deep, aliased or malformed the text;
// - a loaded rule set keeps its stages' unique names in file order and runs: every image in `probeImages` comes
//   out of the pipeline as a valid reference (or unchanged when it was not one), with one trace entry per stage.
import FuzzSupport
import ReplacerCore
import ReplacerMatchers

private let registry: MatcherRegistry = {
    do { return try MatcherRegistry([ExactMatcher.self, PrefixMatcher.self, RegexMatcher.self]) } catch {
        fatalError("the built-in matchers must register: \(error)")
    }
}()

/// Images every loaded rule set is run on: familiar and full names, tags, digests, a port, and one invalid image.
private let probeImages = [
    "nginx", "docker.io/library/nginx:1.25", "quay.io/prometheus/node-exporter:v1.8.0", "ghcr.io/org/app",
    "localhost:5000/team/tool:dev",
    "registry.k8s.io/pause@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097",
    "Not A Reference",
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRuleFile(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = FuzzInput(data, count).text
    runBlocking { await check(text) }
    return 0
}

private func check(_ text: String) async {
    // Small limits keep each run fast; the limits themselves are part of what is exercised.
    let loader = RuleSetLoader(registry: registry, reader: ConfigReader(maxNodes: 5_000, maxBytes: 64 << 10))
    let ruleSet: RuleSet
    do {
        ruleSet = try await loader.load(text: text, file: "fuzz.yaml")
    } catch {
        require(error.location.file == "fuzz.yaml", "error names file \(shown(error.location.file))")
        require(
            error.location.line >= 1 && error.location.column >= 1,
            "error position \(error.location) is not 1-based: \(error)")
        require(!error.message.isEmpty, "error without a message at \(error.location)")
        return
    }
    let names = ruleSet.stages.map(\.name)
    require(Set(names).count == names.count, "duplicate stage names loaded: \(names)")
    let pipeline = Pipeline(ruleSet)
    for image in probeImages {
        let result = await pipeline.run(image, context: EvaluationContext(namespace: "default"), trace: true)
        require(
            result.stages.count == ruleSet.stages.count,
            "\(result.stages.count) trace entries for \(ruleSet.stages.count) stages on \(image)")
        if (try? ImageInput(image)) == nil {
            require(!result.changed, "the invalid image \(shown(image)) was rewritten to \(shown(result.image))")
        } else {
            require((try? ImageInput(result.image)) != nil, "\(image) was rewritten to invalid \(shown(result.image))")
        }
    }
    await ruleSet.shutdown()
}
