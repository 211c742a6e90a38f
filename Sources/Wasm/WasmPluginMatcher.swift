import ReplacerCore

/// The matcher of a stage that names a WebAssembly plugin.
///
/// Made by the plugin's `module`, once per stage when a rule file loads:
/// it instantiates the plugin and passes the stage's `options` to `kir_configure`, so a plugin that refuses its
/// options fails the load with the stage's position. `evaluate` runs `kir_evaluate` on an instance of the
/// stage's pool; every failure (trap, fuel, memory cap, bad output) is thrown, and the pipeline keeps the image
/// and warns. `shutdown` drops the instances.
public struct WasmPluginMatcher: Matcher {
    let plugin: WasmPlugin
    let pool: WasmInstancePool

    /// Instantiates `plugin` for the stage and configures it with the stage's `options`.
    public init(plugin: WasmPlugin, configuration: MatcherConfiguration) throws {
        if let rules = configuration.rules {
            throw rules.error(
                "the WebAssembly plugin \"\(plugin.id)\" reads \"options\", not \"rules\"",
                hint: "move the settings under `options:`; kir_configure receives them as JSON")
        }
        if let options = configuration.options, !plugin.acceptsOptions {
            throw options.error(
                "the WebAssembly plugin \"\(plugin.id)\" takes no options (it does not export kir_configure)",
                hint: "remove `options:` from this stage")
        }
        let optionsJSON = configuration.options?.json ?? Array("null".utf8)
        let configure = { (instance: WasmPluginInstance) throws(WasmPluginError) in
            try Self.configure(instance, with: optionsJSON, plugin: plugin)
        }
        let first: WasmPluginInstance
        do throws(WasmPluginError) {
            first = try plugin.makeInstance()
            try configure(first)
        } catch {
            if error.code == .configureRefused {
                throw
                    (configuration.options?.error(error.message)
                    ?? RuleFileError(error.message, at: configuration.location))
            }
            throw RuleFileError("\(error)", at: configuration.location)
        }
        self.plugin = plugin
        self.pool = WasmInstancePool(plugin: plugin, configure: configure)
        pool.put(first)
    }

    /// What the plugin declares with `kir_traits` (see `WasmPlugin.traits`).
    public var traits: MatcherTraits { plugin.traits }

    public func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult {
        // A plugin that says its answer depends only on the image is given only the image, so the claim holds.
        let input = WasmExchange.input(image, plugin.traits.contains(.dependsOnlyOnImage) ? nil : context)
        let output = try pool.withInstance { instance throws(WasmPluginError) in
            let packed = try instance.exchange("kir_evaluate", input)
            return try instance.read(packed: packed, what: "kir_evaluate")
        }
        return try WasmExchange.result(output, pluginID: plugin.id, path: plugin.path)
    }

    public func shutdown() async {
        pool.shutdown()
    }

    /// `kir_configure(options)`: 0 accepts; anything else is a packed pointer and length of the reason.
    static func configure(_ instance: WasmPluginInstance, with options: [UInt8], plugin: WasmPlugin)
        throws(WasmPluginError)
    {
        guard plugin.acceptsOptions else { return }
        let packed = try instance.exchange("kir_configure", options)
        guard packed != 0 else { return }
        let reason = String(decoding: try instance.read(packed: packed, what: "kir_configure"), as: UTF8.self)
        throw WasmPluginError(
            .configureRefused, plugin.path,
            "the WebAssembly plugin \"\(plugin.id)\" refused the options: \(reason.isEmpty ? "no reason given" : reason)"
        )
    }
}
