import Foundation
import ReplacerCore
import ReplacerMatchers
import ReplacerPluginPullThroughCache
import ReplacerPluginTagPolicy
import Testing

/// The fixtures (C sources of WebAssembly plugins) live beside this file.
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// The matchers the executable lists, built-in and compiled-in plugins alike.
func shippedRegistry() throws -> MatcherRegistry {
    try MatcherRegistry([
        ExactMatcher.self, PrefixMatcher.self, RegexMatcher.self, PullThroughCacheMatcher.self, TagPolicyMatcher.self,
    ])
}

/// Loads `yaml` with the shipped matchers.
func loadRules(_ yaml: String, registry: MatcherRegistry? = nil) async throws -> RuleSet {
    try await RuleSetLoader(registry: try registry ?? shippedRegistry()).load(text: yaml, file: "rules.yaml")
}

/// Loads `yaml` and returns the `RuleFileError` it must fail with.
func loadError(_ yaml: String, registry: MatcherRegistry? = nil) async throws -> RuleFileError {
    do {
        let ruleSet = try await loadRules(yaml, registry: registry)
        await ruleSet.shutdown()
    } catch let error as RuleFileError {
        return error
    }
    Issue.record("the rules loaded, but an error was expected")
    throw CancellationError()
}

/// A rule file with `stages` (YAML list items indented by two spaces) under the header.
func ruleFile(_ stages: String) -> String {
    "apiVersion: k8s-image-replacer/v1\nkind: RuleSet\nstages:\n" + stages
}

/// Runs `image` through `ruleSet` in `namespace`.
func run(_ ruleSet: RuleSet, _ image: String, namespace: String? = nil) async -> PipelineResult {
    await Pipeline(ruleSet).run(image, context: EvaluationContext(namespace: namespace))
}

/// A scratch directory, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("plugin-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Compiles C fixtures to WebAssembly plugins with the clang that ships with the Swift toolchain running the tests.
enum WasmBuild {
    struct ClangMissing: Error, CustomStringConvertible {
        var searched: [String]
        var description: String {
            "no clang that targets wasm32 was found (looked at \(searched.joined(separator: ", "))); the plugin tests "
                + "build their plugins from C. Set KIR_CLANG to a clang with wasm-ld next to it (the Swift toolchain's)"
        }
    }

    struct CompileFailed: Error, CustomStringConvertible {
        var command: String
        var output: String
        var description: String { "\(command) failed:\n\(output)" }
    }

    /// `KIR_CLANG`, else the clang beside the `swift` on PATH, else /opt/swift/usr/bin/clang.
    static let clang: Result<String, ClangMissing> = {
        var candidates: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["KIR_CLANG"] { candidates.append(explicit) }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let swift = URL(fileURLWithPath: String(directory)).appendingPathComponent("swift")
            if FileManager.default.isExecutableFile(atPath: swift.path) {
                let resolved = swift.resolvingSymlinksInPath().deletingLastPathComponent()
                candidates.append(resolved.appendingPathComponent("clang").path)
            }
        }
        candidates.append("/opt/swift/usr/bin/clang")
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            let linker = URL(fileURLWithPath: candidate).deletingLastPathComponent().appendingPathComponent("wasm-ld")
            if FileManager.default.isExecutableFile(atPath: linker.path) { return .success(candidate) }
        }
        return .failure(ClangMissing(searched: candidates))
    }()

    /// Compiles `source` (a file in Fixtures) with `defines` into `directory/name.wasm` and returns its path.
    @discardableResult
    static func plugin(_ source: String, _ defines: [String] = [], into directory: URL, as name: String) throws
        -> String
    {
        let output = directory.appendingPathComponent(name + ".wasm").path
        let arguments =
            [
                "--target=wasm32", "-nostdlib", "-O2", "-Wl,--no-entry", "-Wl,--export-dynamic",
            ] + defines + ["-o", output, fixtures.appendingPathComponent(source).path]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try clang.get())
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CompileFailed(command: "clang " + arguments.joined(separator: " "), output: text)
        }
        return output
    }
}
