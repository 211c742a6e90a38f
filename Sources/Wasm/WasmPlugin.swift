import ReplacerCore
import WasmKit

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One plugin file, parsed and checked once at start: its ID, its ABI version and its exports.
///
/// Parsing is done once per file; every stage that uses the plugin gets instances of this module (see
/// `WasmPluginMatcher`). A `WasmPlugin` holds no instance itself, so it can be shared freely.
public final class WasmPlugin: Sendable {
    /// The ABI version this build implements; a plugin's `kir_abi_version` must return it.
    public static let abiVersion: UInt32 = 1

    /// The plugin file.
    public let path: String
    /// The matcher ID: what `kir_id` returns, or the file name without `.wasm` when the plugin does not export it.
    public let id: String
    /// The sandbox its calls run in.
    public let limits: WasmLimits
    /// Whether the plugin exports `kir_configure`, i.e. accepts a stage's `options`.
    public let acceptsOptions: Bool
    /// What the plugin declares with `kir_traits`: bit 0 runs without waiting, bit 1 depends only on the image.
    /// Other bits are ignored, so a plugin built for a later revision still loads.
    ///
    /// Both are safe to take on trust. A plugin has no host functions, so it cannot wait on anything, and every call
    /// into it is bounded by its fuel: an evaluation is a few calls (`kir_alloc`, `kir_evaluate`, and making and
    /// configuring an instance when the pool has none idle), each with its own budget, so one that claims not to
    /// wait holds a thread no longer than any plugin can. One that claims to depend only on its image is given
    /// nothing else (`WasmExchange.input` leaves the context out); what it keeps in memory between calls it can
    /// still depend on, and then the memo keeps the first answer it gave for the image, validated like any other
    /// (a failed call is never kept). Plugins/README.md says the same to plugin authors.
    public let traits: MatcherTraits

    let module: Module

    /// All plugins share one engine: it holds only configuration and a synchronized type table.
    static let engine = Engine(configuration: EngineConfiguration(fuelMetering: true))

    /// Reads and checks the plugin at `path`.
    public convenience init(contentsOf path: String, limits: WasmLimits = WasmLimits()) throws(WasmPluginError) {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw WasmPluginError(.unreadable, path, "cannot read the file: \(error.localizedDescription)")
        }
        try self.init(bytes: bytes, path: path, limits: limits)
    }

    /// Checks a plugin given as bytes; `path` names it in errors and its stem is the fallback ID.
    public init(bytes: [UInt8], path: String, limits: WasmLimits = WasmLimits()) throws(WasmPluginError) {
        let module: Module
        do {
            module = try parseWasm(bytes: bytes)
        } catch {
            throw WasmPluginError(
                .invalidModule, path, "not a valid WebAssembly module: \(error)",
                hint: "build it for wasm32 (clang --target=wasm32 …), see Plugins/README.md")
        }
        if let first = module.imports.first {
            let names = module.imports.map { "\($0.module).\($0.name)" }.joined(separator: ", ")
            throw WasmPluginError(
                .imports, path, "imports \(names), but ABI v1 gives plugins no host functions",
                hint: first.module.hasPrefix("wasi")
                    ? "build without WASI and libc (-nostdlib) and implement what you need in the plugin"
                    : "remove the imports; a v1 plugin must be self-contained")
        }
        self.path = path
        self.module = module
        self.limits = limits
        self.acceptsOptions = module.exports.contains { $0.name == "kir_configure" }

        // A probe instance checks the signatures, asks for the ABI version before anything else is called, and
        // reads the ID. It is dropped at once: stages make their own.
        let probe = try WasmPluginInstance(module: module, path: path, limits: limits)
        let version = try probe.abiVersion()
        guard version == Self.abiVersion else {
            throw WasmPluginError(
                .abiVersion, path, "kir_abi_version returned \(version), this build supports ABI v\(Self.abiVersion)",
                hint: "rebuild the plugin against ABI v\(Self.abiVersion) (Plugins/README.md) or use a matching release"
            )
        }
        try probe.checkSignatures()
        let bits = try probe.declaredTraits()
        var traits: MatcherTraits = []
        if bits & 1 != 0 { traits.insert(.runsWithoutWaiting) }
        if bits & 2 != 0 { traits.insert(.dependsOnlyOnImage) }
        self.traits = traits
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let id = try probe.pluginID() ?? stem
        guard MatcherRegistry.isValidID(id) else {
            throw WasmPluginError(
                .invalidID, path, "the plugin ID \"\(id)\" is not valid",
                hint: "use lowercase letters, digits and '-', starting with a letter, in kir_id or the file name")
        }
        self.id = id
    }

    /// A fresh instance in its own store, with the limits applied.
    func makeInstance() throws(WasmPluginError) -> WasmPluginInstance {
        try WasmPluginInstance(module: module, path: path, limits: limits)
    }
}
