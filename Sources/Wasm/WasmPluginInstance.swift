@_spi(Fuzzing) import WasmKit

/// One instance of a plugin module in its own store: the unit that runs calls.
///
/// WasmKit stores and instances are not thread-safe, so an instance is used by one task at a time: the stage's
/// pool hands it out and takes it back. Every call gets a fresh fuel budget; the memory cap is enforced by a
/// resource limiter on the store. Every pointer the plugin returns is checked against its memory before it is
/// read: the guest never gets to crash the host.
final class WasmPluginInstance {
    let path: String
    let limits: WasmLimits
    private let store: Store
    private let instance: Instance
    private let limiter: MemoryCap
    private let memory: Memory
    /// The interpreter stack, allocated once: `Function.invoke(_:)` would allocate and free one per call, which
    /// costs more than a small plugin's whole evaluation.
    private var stack: ExecutionStack
    /// Exports already looked up and checked, by name: a lookup walks the export list and resolves the type.
    private var functions: [String: Function] = [:]

    init(module: Module, path: String, limits: WasmLimits) throws(WasmPluginError) {
        self.path = path
        self.limits = limits
        let store = Store(engine: WasmPlugin.engine)
        let limiter = MemoryCap(bytes: limits.memoryBytes)
        store.resourceLimiter = limiter
        // Instantiation runs data initializers and any start function: metered like every other call.
        store.fuel = Fuel(remaining: limits.fuel)
        do {
            instance = try module.instantiate(store: store)
        } catch {
            if limiter.exceeded {
                throw WasmPluginError(
                    .memoryCap, path, "its initial memory is larger than the cap of \(limits.memoryPages) pages",
                    hint: "declare less memory (wasm-ld --initial-memory) or a smaller stack (-z stack-size)")
            }
            throw WasmPluginError(.invalidModule, path, "cannot be instantiated: \(Self.firstLine(error))")
        }
        guard case .memory(let memory)? = instance.export("memory") else {
            throw WasmPluginError(
                .missingExport, path, "does not export its linear memory as \"memory\"",
                hint: "wasm-ld exports it by default; do not pass --no-export-memory")
        }
        self.store = store
        self.limiter = limiter
        self.memory = memory
        self.stack = ExecutionStack(engine: WasmPlugin.engine)
    }

    // MARK: ABI calls

    /// `kir_abi_version() -> i32`, called before anything else.
    func abiVersion() throws(WasmPluginError) -> UInt32 {
        let function = try function("kir_abi_version", WasmABI.abiVersion)
        guard case .i32(let version)? = try call(function, "kir_abi_version", []).first else {
            throw WasmPluginError(.wrongSignature, path, "kir_abi_version returned no i32")
        }
        return version
    }

    /// Checks that the required exports exist with the ABI's signatures.
    func checkSignatures() throws(WasmPluginError) {
        _ = try function("kir_alloc", WasmABI.alloc)
        _ = try function("kir_evaluate", WasmABI.exchange)
        if instance.export("kir_configure") != nil { _ = try function("kir_configure", WasmABI.exchange) }
        if instance.export("kir_id") != nil { _ = try function("kir_id", WasmABI.id) }
        if instance.export("kir_traits") != nil { _ = try function("kir_traits", WasmABI.traits) }
    }

    /// The bits `kir_traits() -> i32` returns, or 0 when it is not exported.
    func declaredTraits() throws(WasmPluginError) -> UInt32 {
        guard instance.export("kir_traits") != nil else { return 0 }
        guard case .i32(let bits)? = try call(try function("kir_traits", WasmABI.traits), "kir_traits", []).first
        else {
            throw WasmPluginError(.wrongSignature, path, "kir_traits returned no i32")
        }
        return bits
    }

    /// The ID from `kir_id() -> i64` (packed pointer and length of UTF-8 text), or nil when it is not exported.
    func pluginID() throws(WasmPluginError) -> String? {
        guard instance.export("kir_id") != nil else { return nil }
        let packed = try call(try function("kir_id", WasmABI.id), "kir_id", [])
        let bytes = try read(packed, what: "kir_id")
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Passes `input` to `name(ptr, len) -> i64` through memory from `kir_alloc` and returns the packed result.
    func exchange(_ name: String, _ input: [UInt8]) throws(WasmPluginError) -> UInt64 {
        let target = try function(name, WasmABI.exchange)
        let alloc = try function("kir_alloc", WasmABI.alloc)
        guard input.count <= Int(Int32.max),
            case .i32(let pointer)? = try call(alloc, "kir_alloc", [.i32(UInt32(input.count))]).first
        else {
            throw WasmPluginError(.badPointer, path, "kir_alloc did not return a pointer")
        }
        guard pointer != 0 || input.isEmpty, Int(pointer) + input.count <= memory.byteCount else {
            throw WasmPluginError(
                .badPointer, path,
                "kir_alloc(\(input.count)) returned \(pointer), outside its \(memory.byteCount)-byte memory")
        }
        if !input.isEmpty {
            memory.withUnsafeMutableBufferPointer(offset: UInt(pointer), count: input.count) { buffer in
                buffer.copyBytes(from: input)
            }
        }
        let result = try call(target, name, [.i32(pointer), .i32(UInt32(input.count))])
        guard case .i64(let packed)? = result.first else {
            throw WasmPluginError(.wrongSignature, path, "\(name) returned no i64")
        }
        return packed
    }

    /// Copies out the bytes a packed `(ptr << 32) | len` names, after checking them against the memory and the
    /// output limit.
    func read(_ packed: [Value], what: String) throws(WasmPluginError) -> [UInt8] {
        guard case .i64(let value)? = packed.first else {
            throw WasmPluginError(.wrongSignature, path, "\(what) returned no i64")
        }
        return try read(packed: value, what: what)
    }

    func read(packed: UInt64, what: String) throws(WasmPluginError) -> [UInt8] {
        let pointer = Int(packed >> 32)
        let count = Int(packed & 0xFFFF_FFFF)
        guard count <= limits.maxOutputBytes else {
            throw WasmPluginError(
                .outputTooLarge, path,
                "\(what) returned \(count) bytes, more than the \(limits.maxOutputBytes) accepted")
        }
        guard pointer + count <= memory.byteCount else {
            throw WasmPluginError(
                .badPointer, path,
                "\(what) returned bytes \(pointer)..<\(pointer + count), outside its \(memory.byteCount)-byte memory")
        }
        guard count > 0 else { return [] }
        return memory.withUnsafeBufferPointer(offset: UInt(pointer), count: count) { Array($0) }
    }

    // MARK: Plumbing

    private func function(_ name: String, _ type: FunctionType) throws(WasmPluginError) -> Function {
        if let known = functions[name] { return known }
        guard let function = instance.exports[function: name] else {
            throw WasmPluginError(
                .missingExport, path, "does not export the function \(name)",
                hint: "ABI v1 needs kir_abi_version, kir_alloc and kir_evaluate (Plugins/README.md)")
        }
        guard function.type == type else {
            throw WasmPluginError(
                .wrongSignature, path, "\(name) has the signature \(Self.describe(function.type))",
                hint: "ABI v1 declares \(name) as \(Self.describe(type))")
        }
        functions[name] = function
        return function
    }

    /// One metered call: a fresh budget, and every failure mapped to a `WasmPluginError`.
    private func call(_ function: Function, _ name: String, _ arguments: [Value]) throws(WasmPluginError) -> [Value] {
        store.fuel = Fuel(remaining: limits.fuel)
        limiter.exceeded = false
        let result: [Value]
        do {
            result = try function.invoke(arguments, on: &stack)
        } catch {
            if limiter.exceeded { throw memoryCapError(during: name) }
            let message = Self.firstLine(error)
            if message.contains("out of fuel") {
                throw WasmPluginError(
                    .outOfFuel, path, "\(name) ran out of fuel (\(limits.fuel) units) and was stopped",
                    hint: "a plugin must finish each call quickly; look for an endless loop")
            }
            throw WasmPluginError(.trap, path, "\(name) trapped: \(message)")
        }
        if limiter.exceeded { throw memoryCapError(during: name) }
        return result
    }

    private func memoryCapError(during name: String) -> WasmPluginError {
        WasmPluginError(
            .memoryCap, path, "\(name) tried to grow its memory beyond the cap of \(limits.memoryPages) pages",
            hint:
                "reuse memory between calls: the host calls kir_alloc once per exchange, so a bump allocator may reset there"
        )
    }

    /// Traps print a backtrace of host addresses after the first line; the first line is the reason.
    static func firstLine(_ error: any Error) -> String {
        let text = "\(error)"
        let line = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? text
        return line.hasPrefix("Trap: ") ? String(line.dropFirst(6)) : line
    }

    private static func describe(_ type: FunctionType) -> String {
        let parameters = type.parameters.map { "\($0)" }.joined(separator: ", ")
        let results = type.results.map { "\($0)" }.joined(separator: ", ")
        return "(\(parameters)) -> (\(results))"
    }
}

/// The signatures of ABI v1.
enum WasmABI {
    static let abiVersion = FunctionType(parameters: [], results: [.i32])
    static let alloc = FunctionType(parameters: [.i32], results: [.i32])
    static let exchange = FunctionType(parameters: [.i32, .i32], results: [.i64])
    static let id = FunctionType(parameters: [], results: [.i64])
    static let traits = FunctionType(parameters: [], results: [.i32])
}

/// Denies linear-memory growth beyond the cap and remembers that it did, so the call can be reported as over the
/// cap rather than as whatever the plugin made of a failed `memory.grow`.
///
/// Confined to its store's instance, like the store itself.
final class MemoryCap: ResourceLimiter, @unchecked Sendable {
    let bytes: Int
    var exceeded = false

    init(bytes: Int) { self.bytes = bytes }

    func limitMemoryGrowth(to desired: Int) throws -> Bool {
        guard desired <= bytes else {
            exceeded = true
            return false
        }
        return true
    }

    func limitTableGrowth(to desired: Int) throws -> Bool { desired <= 65536 }
}
