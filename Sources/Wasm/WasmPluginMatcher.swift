import ReplacerCore

/// The matcher of a stage that names a WebAssembly plugin.
///
/// Made by the factory `MatcherRegistry.register(_ plugin:)` installs, once per stage when a rule file loads:
/// it instantiates the plugin and passes the stage's `options` to `kir_configure`, so a plugin that refuses its
/// options fails the load with the stage's position. `evaluate` runs `kir_evaluate` on an instance of the
/// stage's pool; every failure (trap, fuel, memory cap, bad output) is thrown, and the pipeline keeps the image
/// and warns. `shutdown` drops the instances.
public struct WasmPluginMatcher: Matcher {
    /// Not registered under this ID: each plugin registers under its own. The requirement exists for Swift
    /// matchers, which register as types.
    public static let id = "webassembly-plugin"

    let plugin: WasmPlugin
    let pool: WasmInstancePool

    /// Required by `Matcher`; a WebAssembly stage is made with `init(plugin:configuration:)` instead.
    public init(configuration: MatcherConfiguration) throws {
        throw RuleFileError(
            "WebAssembly plugin stages are made by the plugin's own registration", at: configuration.location,
            hint: "register plugins with MatcherRegistry.register(_ plugin:), as --plugin-dir does")
    }

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

    public func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult {
        let input = WasmExchange.input(image, context)
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
