import ReplacerCore

extension MatcherRegistry {
    /// Registers `plugin` under its ID. Each stage that names it gets its own configured instances.
    ///
    /// - Throws: `MatcherRegistryError` when the ID is taken (by a built-in matcher, a compiled-in plugin or
    ///   another WebAssembly plugin); the message names both.
    public mutating func register(_ plugin: WasmPlugin) throws(MatcherRegistryError) {
        try register(id: plugin.id, origin: "the WebAssembly plugin \(plugin.path)") { configuration in
            try WasmPluginMatcher(plugin: plugin, configuration: configuration)
        }
    }
}
