import ArgumentParser
import Foundation
import ReplacerCore
import ReplacerWasm

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// `--plugin-dir DIR`, shared by every command that loads rules: WebAssembly matcher plugins added at start to the
/// matchers this build was compiled with.
struct PluginOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Directory of WebAssembly matcher plugins (*.wasm, ABI v1); each is registered under its ID.",
            valueName: "dir"))
    var pluginDir: String?

    /// The build's matchers plus the plugins of `--plugin-dir`. A plugin that does not load, or whose ID is taken,
    /// ends the command with status 1 and a message naming the file.
    func registry(_ base: MatcherRegistry = CommandEnvironment.registry) throws -> MatcherRegistry {
        guard let pluginDir else { return base }
        do {
            return try WasmPluginDirectory.registry(base, adding: pluginDir)
        } catch {
            try CommandOutput(stderr: "error: \(error)\n", exitCode: CommandOutput.Code.failure).emit()
            return base
        }
    }
}
