import Foundation
import ReplacerCore
import Testing

@testable import ReplacerWasm

/// Builds the C plugins of Fixtures with the toolchain's clang and runs them in the sandbox.
@Suite struct WasmPluginTests {
    static let mirrorRules = ruleFile(
        """
          - name: by-namespace
            matcher: mirror-by-namespace
            options: {registry: "mirror.example:5000"}
        """)

    /// A directory with the example plugin, and the registry that knows it.
    func examplePlugin() throws -> (directory: URL, registry: MatcherRegistry) {
        let directory = try temporaryDirectory()
        try WasmBuild.plugin("mirror_by_namespace.c", into: directory, as: "example")
        let registry = try WasmPluginDirectory.registry(try shippedRegistry(), adding: directory.path)
        return (directory, registry)
    }

    @Test func rewritesThroughThePipelineWithOptionsAndContext() async throws {
        let (directory, registry) = try examplePlugin()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(registry.ids.contains("mirror-by-namespace"))  // from kir_id, not the file name "example"
        #expect(registry.origin(of: "mirror-by-namespace")?.hasSuffix("example.wasm") == true)

        let ruleSet = try await loadRules(Self.mirrorRules, registry: registry)
        let result = await run(ruleSet, "nginx:1.27", namespace: "web")
        #expect(result.image == "mirror.example:5000/web/nginx:1.27")
        let trace = try #require(result.stages.first)
        #expect(trace.matcher == "mirror-by-namespace")
        #expect(trace.outcome == .rewritten)
        #expect(trace.rule == "docker.io/library")
        #expect(trace.detail == "project web")
        #expect(result.rewrittenBy == ["by-namespace"])  // what the rewrites_total metric counts

        let other = await run(ruleSet, "quay.io/a/b:1", namespace: "web")
        #expect(!other.changed)
        #expect(other.stages.first?.detail == "not a Docker Hub official image")
        let noNamespace = await run(ruleSet, "nginx")
        #expect(noNamespace.stages.first?.detail == "no namespace to name the project after")
        await ruleSet.shutdown()
    }

    @Test func stagesGetTheirOwnOptions() async throws {
        let (directory, registry) = try examplePlugin()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ruleSet = try await loadRules(
            ruleFile(
                """
                  - name: first
                    matcher: mirror-by-namespace
                    when: {namespaces: [a]}
                    options: {registry: one.example}
                  - name: second
                    matcher: mirror-by-namespace
                    when: {namespaces: [b]}
                """), registry: registry)
        #expect(await run(ruleSet, "redis:7", namespace: "a").image == "one.example/a/redis:7")
        #expect(await run(ruleSet, "redis:7", namespace: "b").image == "mirror.corp/b/redis:7")  // the default
        await ruleSet.shutdown()
    }

    @Test func concurrentEvaluationsEachGetAnInstance() async throws {
        let (directory, registry) = try examplePlugin()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ruleSet = try await loadRules(Self.mirrorRules, registry: registry)
        let pipeline = Pipeline(ruleSet)
        let images = await withTaskGroup(of: (Int, String).self) { group in
            for index in 0..<200 {
                group.addTask {
                    (
                        index,
                        await pipeline.run("app\(index):1", context: EvaluationContext(namespace: "ns\(index)")).image
                    )
                }
            }
            var images: [Int: String] = [:]
            for await (index, image) in group { images[index] = image }
            return images
        }
        for index in 0..<200 { #expect(images[index] == "mirror.example:5000/ns\(index)/app\(index):1") }
        await ruleSet.shutdown()
    }

    @Test func refusedOptionsFailTheLoadAtTheirPosition() async throws {
        let (directory, registry) = try examplePlugin()
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = try await loadError(
            ruleFile(
                """
                  - name: by-namespace
                    matcher: mirror-by-namespace
                    options: {mirror: nope}
                """), registry: registry)
        #expect(error.location.line == 6)
        #expect(error.stage == "by-namespace")
        #expect(error.description.contains(#"refused the options: options need "registry""#), "\(error)")

        let rulesError = try await loadError(
            ruleFile(
                """
                  - name: by-namespace
                    matcher: mirror-by-namespace
                    rules: {a: b}
                """), registry: registry)
        #expect(rulesError.location.line == 6)
        #expect(rulesError.description.contains(#"reads "options", not "rules""#))
    }

    @Test func idFallsBackToTheFileNameAndCollisionsNameBoth() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try WasmBuild.plugin("misbehaving.c", into: directory, as: "well-behaved")
        let plugins = try WasmPluginDirectory.load(directory.path)
        #expect(plugins.map(\.id) == ["well-behaved"])

        // A plugin that claims a built-in's ID stops the start, naming both.
        try WasmBuild.plugin("misbehaving.c", [#"-DID="exact""#], into: directory, as: "impostor")
        let error = #expect(throws: MatcherRegistryError.self) {
            _ = try WasmPluginDirectory.registry(try shippedRegistry(), adding: directory.path)
        }
        #expect(error?.isDuplicate == true)
        #expect(error?.description.contains("the Swift matcher ReplacerMatchers.ExactMatcher") == true)
        #expect(error?.description.contains("impostor.wasm") == true)

        // Two plugins with one ID: both files are named.
        let other = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: other) }
        try WasmBuild.plugin("misbehaving.c", [#"-DID="twin""#], into: other, as: "a")
        try WasmBuild.plugin("misbehaving.c", [#"-DID="twin""#], into: other, as: "b")
        let twin = #expect(throws: MatcherRegistryError.self) {
            _ = try WasmPluginDirectory.registry(MatcherRegistry(), adding: other.path)
        }
        #expect(twin?.description.contains("a.wasm and the WebAssembly plugin") == true)
        #expect(twin?.description.contains("b.wasm") == true)
    }

    @Test(arguments: [
        ("-DWRONG_ABI", "kir_abi_version returned 2, this build supports ABI v1"),
        ("-DIMPORTS", "imports env.host_lookup, but ABI v1 gives plugins no host functions"),
    ])
    func loadErrorsNameTheFile(flag: String, message: String) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try WasmBuild.plugin("misbehaving.c", [flag], into: directory, as: "broken")
        let error = #expect(throws: WasmPluginError.self) { _ = try WasmPlugin(contentsOf: path) }
        #expect(
            error?.description.hasPrefix("WebAssembly plugin \(path): \(message)") == true,
            "\(String(describing: error))")
    }

    @Test func malformedFilesAndDirectoriesAreLoadErrors() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("not wasm".utf8).write(to: directory.appendingPathComponent("junk.wasm"))
        try Data("ignored".utf8).write(to: directory.appendingPathComponent("README.md"))
        let junk = #expect(throws: WasmPluginError.self) { _ = try WasmPluginDirectory.load(directory.path) }
        #expect(junk?.description.contains("junk.wasm: not a valid WebAssembly module") == true)
        let missing = #expect(throws: WasmPluginError.self) {
            _ = try WasmPluginDirectory.load(directory.appendingPathComponent("nope").path)
        }
        #expect(missing?.description.contains("check the path given to --plugin-dir") == true)
        try FileManager.default.removeItem(at: directory.appendingPathComponent("junk.wasm"))
        #expect(try WasmPluginDirectory.load(directory.path).isEmpty)  // only *.wasm files count
    }

    @Test(arguments: [
        ("-DTRAP", "kir_evaluate trapped: unreachable"),
        ("-DSPIN", "kir_evaluate ran out of fuel"),
        ("-DGARBAGE", #"kir_evaluate returned something that is not the result JSON ("this is not JSON")"#),
        ("-DOVERSIZED", "kir_evaluate returned 70000 bytes, more than the 65536 accepted"),
        ("-DBAD_POINTER", "outside its"),
        ("-DMEMORY_HOG", "kir_evaluate tried to grow its memory beyond the cap of 256 pages"),
    ])
    func misbehavingPluginsKeepTheImageAndWarn(flag: String, message: String) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try WasmBuild.plugin("misbehaving.c", [flag], into: directory, as: "rogue")
        // A tenth of the default fuel keeps the endless loop short in debug builds, where the interpreter runs
        // some hundred times slower than in release.
        let limits = WasmLimits(fuel: 1_000_000)
        let registry = try WasmPluginDirectory.registry(MatcherRegistry(), adding: directory.path, limits: limits)
        let ruleSet = try await loadRules(ruleFile("  - name: rogue-stage\n    matcher: rogue\n"), registry: registry)
        let clock = ContinuousClock()
        for _ in 0..<3 {  // a failed instance is dropped; the next evaluation gets a fresh one and fails the same way
            let start = clock.now
            let result = await run(ruleSet, "nginx:1.27")
            #expect(clock.now - start < .seconds(10))
            #expect(!result.changed)
            #expect(result.stages.first?.outcome == .failed)
            #expect(result.refusedBy == ["rogue-stage"])
            let warning = try #require(result.warnings.first)
            #expect(warning.hasPrefix("stage rogue-stage: matcher failed, image kept: WebAssembly plugin "))
            #expect(warning.contains(message), "\(warning)")
        }
        await ruleSet.shutdown()
    }

    @Test func fuelIsTheTimeout() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try WasmBuild.plugin("misbehaving.c", ["-DSPIN"], into: directory, as: "spin")
        let plugin = try WasmPlugin(contentsOf: path, limits: WasmLimits(fuel: 50_000))
        let matcher = try WasmPluginMatcher(
            plugin: plugin,
            configuration: MatcherConfiguration(
                stageName: "s", rules: nil, options: nil, location: SourceLocation(file: "f", line: 1, column: 1)))
        let error = await #expect(throws: WasmPluginError.self) {
            _ = try await matcher.evaluate(try ImageInput("nginx"), context: EvaluationContext())
        }
        #expect(error?.description.contains("ran out of fuel (50000 units)") == true)
    }

    @Test func denyIsPassedOn() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try WasmBuild.plugin("misbehaving.c", ["-DDENY"], into: directory, as: "bouncer")
        let registry = try WasmPluginDirectory.registry(MatcherRegistry(), adding: directory.path)
        let ruleSet = try await loadRules(ruleFile("  - name: door\n    matcher: bouncer\n"), registry: registry)
        let result = await run(ruleSet, "nginx")
        #expect(result.denial == "stage door: images are not welcome here")
        #expect(result.stages.first?.rule == "everything")
        await ruleSet.shutdown()
    }

    @Test func configureRefusalAndOptionsWithoutConfigure() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try WasmBuild.plugin("misbehaving.c", ["-DREFUSE"], into: directory, as: "picky")
        try WasmBuild.plugin("misbehaving.c", [], into: directory, as: "plain")
        let registry = try WasmPluginDirectory.registry(MatcherRegistry(), adding: directory.path)
        let refused = try await loadError(ruleFile("  - name: p\n    matcher: picky\n"), registry: registry)
        #expect(refused.description.contains(#"the WebAssembly plugin "picky" refused the options: never satisfied"#))
        #expect(refused.location.line == 4)  // no options: the stage's position
        let noOptions = try await loadError(
            ruleFile("  - name: p\n    matcher: plain\n    options: {a: 1}\n"), registry: registry)
        #expect(noOptions.description.contains("takes no options (it does not export kir_configure)"))
        #expect(noOptions.location.line == 6)
    }

    @Test func shutdownDropsTheInstances() async throws {
        let (directory, registry) = try examplePlugin()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ruleSet = try await loadRules(Self.mirrorRules, registry: registry)
        #expect(await run(ruleSet, "nginx", namespace: "a").changed)
        await ruleSet.shutdown()
        // A stage of a replaced rule set is never called again; if it were, it fails safely.
        let late = await run(ruleSet, "nginx", namespace: "a")
        #expect(!late.changed)
        #expect(late.warnings.first?.contains("the stage was shut down") == true)
    }

    @Test func optionsReachThePluginAsJSON() throws {
        let node = try ConfigReader().read(
            #"{a: 1, b: "2", c: [true, no, ~, -1.5e3], d: {e: "x\"y"}, f: 01}"#, file: "f")
        #expect(
            String(decoding: node.json, as: UTF8.self)
                == #"{"a":1,"b":"2","c":[true,"no",null,-1.5e3],"d":{"e":"x\"y"},"f":"01"}"#)
    }

    @Test func inputDocumentCarriesImageAndContext() throws {
        let input = WasmExchange.input(
            try ImageInput("nginx:1"),
            EvaluationContext(namespace: "web", podName: "p", labels: ["b": "2", "a": "1"], containerName: "c"))
        #expect(
            String(decoding: input, as: UTF8.self)
                == #"{"image":"nginx:1","normalized":"docker.io/library/nginx:1","namespace":"web","labels":{"a":"1","b":"2"},"containerKind":"containers","containerName":"c","podName":"p"}"#
        )
    }

    /// A plugin declares its traits with `kir_traits`; without it, it makes no promise. One that says it depends
    /// only on the image is given only the image, so its claim holds: here the example, which names the mirror
    /// project after the namespace, sees none once it claims purity.
    @Test(
        arguments: [
            (nil, [], false, false), ("1", [.runsWithoutWaiting], true, false),
            ("3", .pure, true, true), ("7", .pure, true, true),
        ] as [(String?, MatcherTraits, Bool, Bool)])
    func declaredTraitsAreTakenAndMadeTrue(
        _ bits: String?, _ traits: MatcherTraits, _ inline: Bool, _ memoized: Bool
    ) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try WasmBuild.plugin(
            "mirror_by_namespace.c", bits.map { ["-DKIR_TRAITS=\($0)"] } ?? [], into: directory, as: "example")
        let plugin = try WasmPlugin(contentsOf: directory.appendingPathComponent("example.wasm").path)
        #expect(plugin.traits == traits)
        var registry = try shippedRegistry()
        try registry.register(plugin)
        let ruleSet = try await loadRules(Self.mirrorRules, registry: registry)
        #expect(ruleSet.runsWithoutWaiting == inline)
        #expect((ruleSet.memo != nil) == memoized)
        let result = await run(ruleSet, "nginx:1.27", namespace: "web")
        if memoized {
            #expect(!result.changed)
            #expect(result.stages.first?.detail == "no namespace to name the project after")
        } else {
            #expect(result.image == "mirror.example:5000/web/nginx:1.27")
        }
        await ruleSet.shutdown()
    }

    /// An image volume reaches a plugin as `containerKind: volumes`, its volume name as the container's.
    @Test func anImageVolumeReachesAPluginAsItsKind() throws {
        let input = WasmExchange.input(
            try ImageInput("acme/models:v3"),
            EvaluationContext(namespace: "web", containerName: "models", containerKind: .volumes))
        let text = String(decoding: input, as: UTF8.self)
        #expect(text.contains(#""containerKind":"volumes","containerName":"models""#), "\(text)")
    }

    @Test func aPluginThatDependsOnlyOnTheImageIsGivenNoContext() throws {
        let input = WasmExchange.input(try ImageInput("nginx:1"), nil)
        #expect(
            String(decoding: input, as: UTF8.self)
                == #"{"image":"nginx:1","normalized":"docker.io/library/nginx:1","namespace":null,"labels":{},"containerKind":null,"containerName":null,"podName":null}"#
        )
    }
}
