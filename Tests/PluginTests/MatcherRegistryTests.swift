import ReplacerCore
import ReplacerMatchers
import ReplacerPluginPullThroughCache
import ReplacerPluginTagPolicy
import Testing

@Suite struct MatcherRegistryTests {
    struct Echo: ConfigurableMatcher {
        static let id = "echo"
        let suffix: String
        init(configuration: MatcherConfiguration) throws { suffix = "" }
        init(suffix: String) { self.suffix = suffix }
        func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult {
            .rewrite(to: image.written + suffix, rule: "echo")
        }
    }

    @Test func modulesOfFactoriesAndTypesRegisterSideBySide() async throws {
        var registry = try shippedRegistry()
        try registry.register(MatcherModule(id: "suffixer", origin: "a test") { _ in Echo(suffix: "-x") })
        #expect(registry.ids.suffix(3) == ["pull-through-cache", "tag-policy", "suffixer"])
        #expect(registry.module(for: "tag-policy")?.id == TagPolicyMatcher.id)
        #expect(registry.origin(of: "tag-policy") == "the Swift matcher ReplacerPluginTagPolicy.TagPolicyMatcher")
        #expect(registry.module(for: "nothing") == nil)
        #expect(registry.origin(of: "suffixer") == "a test")
        let ruleSet = try await loadRules(ruleFile("  - name: s\n    matcher: suffixer\n"), registry: registry)
        #expect(await run(ruleSet, "nginx").image == "nginx-x")
    }

    @Test func duplicateIDsFailNamingBothRegistrations() throws {
        var registry = try shippedRegistry()
        let error = #expect(throws: MatcherRegistryError.self) {
            try registry.register(
                MatcherModule(id: "tag-policy", origin: "the WebAssembly plugin /p/tag-policy.wasm") { _ in
                    Echo(suffix: "")
                })
        }
        #expect(
            error?.description
                == "two matchers are registered with the ID \"tag-policy\": the Swift matcher "
                + "ReplacerPluginTagPolicy.TagPolicyMatcher and the WebAssembly plugin /p/tag-policy.wasm; give one of "
                + "them another ID (a Swift matcher's `static let id`, a WebAssembly plugin's `kir_id` export or file name)"
        )
        #expect(throws: MatcherRegistryError.self) { try MatcherRegistry([Echo.self, Echo.self]) }
        #expect(throws: MatcherRegistryError.self) {
            try registry.register(MatcherModule(id: "Bad_ID", origin: "a test") { _ in Echo(suffix: "") })
        }
    }
}
