import Foundation

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// The configured instances of one stage's plugin.
///
/// An evaluation takes an idle instance (or makes and configures a new one), runs on it alone, and gives it back;
/// an instance whose call failed is dropped, because a trap can leave its memory in any state. `shutdown()` drops
/// the idle ones and makes later checkouts fail, so a replaced rule set lets go of its instances.
final class WasmInstancePool: @unchecked Sendable {
    // @unchecked: `idle` and `closed` are only touched under `lock`, and an instance is only ever reachable from
    // one task between checkout and checkin.
    private let lock = NSLock()
    private var idle: [WasmPluginInstance] = []
    private var closed = false
    private let plugin: WasmPlugin
    private let configure: (WasmPluginInstance) throws(WasmPluginError) -> Void

    /// `configure` runs on every new instance before its first evaluation.
    init(plugin: WasmPlugin, configure: @escaping (WasmPluginInstance) throws(WasmPluginError) -> Void) {
        self.plugin = plugin
        self.configure = configure
    }

    /// Adds an instance that is already configured (the one the stage's load configured).
    func put(_ instance: WasmPluginInstance) { checkin(instance) }

    /// Runs `body` on an instance of its own.
    func withInstance<T>(_ body: (WasmPluginInstance) throws(WasmPluginError) -> T) throws(WasmPluginError) -> T {
        let instance = try checkout()
        let result = try body(instance)
        checkin(instance)
        return result
    }

    func shutdown() {
        lock.lock()
        closed = true
        let dropped = idle
        idle = []
        lock.unlock()
        _ = dropped  // released here, outside the lock
    }

    private func checkout() throws(WasmPluginError) -> WasmPluginInstance {
        lock.lock()
        let isClosed = closed
        let reused = isClosed ? nil : idle.popLast()
        lock.unlock()
        if isClosed {
            throw WasmPluginError(.shutDown, plugin.path, "the stage was shut down (its rule set was replaced)")
        }
        if let reused { return reused }
        let instance = try plugin.makeInstance()
        try configure(instance)
        return instance
    }

    private func checkin(_ instance: WasmPluginInstance) {
        lock.lock()
        if !closed && idle.count < plugin.limits.idleInstances { idle.append(instance) }
        lock.unlock()
    }
}
