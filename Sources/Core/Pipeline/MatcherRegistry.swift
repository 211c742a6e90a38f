/// The matcher modules a build knows, by ID.
///
/// The executable builds one from an explicit list (the counterpart of CoreDNS's plugin.cfg), built-in matchers
/// and compiled-in plugins alike, so adding a plugin is one line there; `--plugin-dir` adds the WebAssembly
/// plugins it loads at start. An ID is registered once: a second registration of an ID is an error at start-up
/// that names both, never a silent override.
public struct MatcherRegistry: Sendable {
    private var modules: [String: MatcherModule] = [:]
    /// IDs in registration order, for help texts and error hints.
    public private(set) var ids: [String] = []

    /// An empty registry.
    public init() {}

    /// A registry with `modules` registered in order; throws on a duplicate or malformed ID.
    public init(_ modules: [MatcherModule]) throws(MatcherRegistryError) {
        for module in modules { try register(module) }
    }

    /// A registry of Swift matcher types, in order; throws on a duplicate or malformed ID.
    public init(_ matchers: [any ConfigurableMatcher.Type]) throws(MatcherRegistryError) {
        try self.init(matchers.map { $0.module })
    }

    /// Adds `module` under its ID. Two modules with one ID would make rule files ambiguous, so that is an error
    /// at start-up.
    ///
    /// - Throws: `MatcherRegistryError` when the ID is malformed or already registered.
    public mutating func register(_ module: MatcherModule) throws(MatcherRegistryError) {
        guard Self.isValidID(module.id) else {
            throw MatcherRegistryError(id: module.id, reason: .invalidID(origin: module.origin))
        }
        if let existing = modules[module.id] {
            throw MatcherRegistryError(id: module.id, reason: .duplicate(first: existing.origin, second: module.origin))
        }
        modules[module.id] = module
        ids.append(module.id)
    }

    /// Adds a Swift matcher type (see `ConfigurableMatcher.module`).
    public mutating func register(_ matcher: any ConfigurableMatcher.Type) throws(MatcherRegistryError) {
        try register(matcher.module)
    }

    /// The module registered as `id`, or nil for an unknown ID.
    public func module(for id: String) -> MatcherModule? { modules[id] }

    /// Where `id` was registered from (`the Swift matcher ReplacerMatchers.ExactMatcher`), or nil.
    public func origin(of id: String) -> String? { modules[id]?.origin }

    /// Whether `id` is usable as a matcher ID: lowercase letters, digits and `-`, starting with a letter.
    public static func isValidID(_ id: String) -> Bool {
        guard let first = id.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else { return false }
        return id.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-")
        }
    }
}

/// A matcher could not be registered.
public struct MatcherRegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Reason: Sendable, Hashable {
        case duplicate(first: String, second: String)
        case invalidID(origin: String)
    }

    /// The ID that could not be registered.
    public let id: String
    let reason: Reason

    /// Whether the ID was already taken (as opposed to malformed).
    public var isDuplicate: Bool {
        if case .duplicate = reason { return true }
        return false
    }

    public var description: String {
        switch reason {
        case .duplicate(let first, let second):
            "two matchers are registered with the ID \"\(id)\": \(first) and \(second); give one of them another ID "
                + "(a Swift matcher's `static let id`, a WebAssembly plugin's `kir_id` export or file name)"
        case .invalidID(let origin):
            "matcher ID \"\(id)\" of \(origin) is not valid; use lowercase letters, digits and '-', starting with a letter"
        }
    }
}
