/// A WebAssembly plugin could not be loaded, configured or run: what went wrong, in which plugin file, and how to
/// fix it.
///
/// Load errors stop the process at start (a plugin directory is part of the deployment); evaluation errors are
/// thrown from `evaluate`, which the pipeline turns into "image kept, warning naming the stage".
public struct WasmPluginError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Code: Sendable, Hashable {
        case unreadable, invalidModule, missingExport, wrongSignature, imports, abiVersion, invalidID
        case trap, outOfFuel, memoryCap, badPointer, outputTooLarge, invalidOutput, configureRefused, shutDown
    }

    let code: Code
    /// The plugin file (or directory, for directory-level errors).
    public let path: String
    /// What is wrong, without the path.
    public let message: String
    /// How to fix it, when there is something useful to say.
    public let hint: String?

    init(_ code: Code, _ path: String, _ message: String, hint: String? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.hint = hint
    }

    /// True for errors raised while a call into the plugin ran (trap, fuel, memory, output), as opposed to load
    /// errors.
    public var isRuntimeError: Bool {
        switch code {
        case .trap, .outOfFuel, .memoryCap, .badPointer, .outputTooLarge, .invalidOutput, .shutDown: true
        default: false
        }
    }

    public var description: String {
        var text = "WebAssembly plugin \(path): \(message)"
        if let hint { text += "; \(hint)" }
        return text
    }
}
