import Foundation
import ReplacerCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// The plugins of a `--plugin-dir`: every `*.wasm` file directly in it, loaded in name order.
public enum WasmPluginDirectory {
    /// Loads and checks every plugin in `directory`. An empty directory is fine (a mounted volume with nothing in
    /// it yet); a missing one is an error, because a typo there would silently drop matchers.
    public static func load(_ directory: String, limits: WasmLimits = WasmLimits()) throws(WasmPluginError)
        -> [WasmPlugin]
    {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw WasmPluginError(
                .unreadable, directory, "cannot list the plugin directory: \(error.localizedDescription)",
                hint: "check the path given to --plugin-dir")
        }
        var plugins: [WasmPlugin] = []
        for name in names.sorted() where name.hasSuffix(".wasm") && !name.hasPrefix(".") {
            let path = (directory as NSString).appendingPathComponent(name)
            plugins.append(try WasmPlugin(contentsOf: path, limits: limits))
        }
        return plugins
    }

    /// `registry` with every plugin of `directory` added.
    public static func registry(
        _ registry: MatcherRegistry, adding directory: String, limits: WasmLimits = WasmLimits()
    )
        throws -> MatcherRegistry
    {
        var registry = registry
        for plugin in try load(directory, limits: limits) { try registry.register(plugin) }
        return registry
    }
}
