/// The matchers a build knows, by ID: the plugin interface's registry.
///
/// The executable builds one from an explicit list (the counterpart of CoreDNS's plugin.cfg), built-in matchers
/// and compiled-in plugins alike, so adding a plugin is one line there. Matchers that are not Swift types (the
/// WebAssembly plugins `--plugin-dir` loads at start) register a factory instead. Either way an ID is registered
/// once: a second registration of an ID is an error at start-up that names both, never a silent override.
public struct MatcherRegistry: Sendable {
    /// Creates the matcher of one stage from the stage's part of the rule file. Runs when a rule file loads, never
    /// per request; a thrown `RuleFileError` is reported with its position, any other error at the stage's.
    public typealias Factory = @Sendable (MatcherConfiguration) throws -> any Matcher

    private struct Entry: Sendable {
        var factory: Factory
        /// Set for `register(_:)`, so `matcher(for:)` can still hand out the type.
        var type: (any Matcher.Type)?
        /// Where the registration came from, for the duplicate-ID message.
        var origin: String
    }

    private var entries: [String: Entry] = [:]
    /// IDs in registration order, for help texts and error hints.
    public private(set) var ids: [String] = []

    /// An empty registry.
    public init() {}

    /// A registry with `matchers` registered in order; throws on a duplicate or malformed ID.
    public init(_ matchers: [any Matcher.Type]) throws(MatcherRegistryError) {
        for matcher in matchers { try register(matcher) }
    }

    /// Adds a matcher type under its `id`. Two matchers with one ID would make rule files ambiguous, so that is an
    /// error at start-up.
    public mutating func register(_ matcher: any Matcher.Type) throws(MatcherRegistryError) {
        try add(
            matcher.id,
            Entry(
                factory: { configuration in try matcher.init(configuration: configuration) }, type: matcher,
                origin: "the Swift matcher \(String(reflecting: matcher))"))
    }

    /// Adds a matcher that is made by `factory` rather than by a type's initializer.
    ///
    /// - Parameters:
    ///   - id: The rule file's `matcher:` value; lowercase letters, digits and `-`, starting with a letter.
    ///   - origin: Who registers it, in words a user recognises (`the WebAssembly plugin /plugins/x.wasm`); a
    ///     duplicate-ID error names the origins of both registrations.
    ///   - factory: Called once per stage that names `id`, when a rule file loads.
    /// - Throws: `MatcherRegistryError` when `id` is malformed or already registered.
    public mutating func register(id: String, origin: String, factory: @escaping Factory) throws(MatcherRegistryError) {
        try add(id, Entry(factory: factory, type: nil, origin: origin))
    }

    /// The factory that makes the stages of `id`, or nil for an unknown ID.
    public func factory(for id: String) -> Factory? { entries[id]?.factory }

    /// The matcher type registered as `id`; nil for an unknown ID or one registered with a factory.
    public func matcher(for id: String) -> (any Matcher.Type)? { entries[id]?.type }

    /// Where `id` was registered from (`the Swift matcher ReplacerMatchers.ExactMatcher`), or nil.
    public func origin(of id: String) -> String? { entries[id]?.origin }

    private mutating func add(_ id: String, _ entry: Entry) throws(MatcherRegistryError) {
        guard Self.isValidID(id) else {
            throw MatcherRegistryError(id: id, reason: .invalidID(origin: entry.origin))
        }
        if let existing = entries[id] {
            throw MatcherRegistryError(id: id, reason: .duplicate(first: existing.origin, second: entry.origin))
        }
        entries[id] = entry
        ids.append(id)
    }

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
