import ReplacerCore

extension WasmPlugin {
    /// The plugin as a matcher module under its own ID: each stage that names it gets its own configured
    /// instances.
    public var matcherModule: MatcherModule {
        MatcherModule(id: id, origin: "the WebAssembly plugin \(path)") { [self] configuration in
            try WasmPluginMatcher(plugin: self, configuration: configuration)
        }
    }
}

extension MatcherRegistry {
    /// Registers `plugin`'s module.
    ///
    /// - Throws: `MatcherRegistryError` when the ID is taken (by a built-in matcher, a compiled-in plugin or
    ///   another WebAssembly plugin); the message names both.
    public mutating func register(_ plugin: WasmPlugin) throws(MatcherRegistryError) {
        try register(plugin.matcherModule)
    }
}
