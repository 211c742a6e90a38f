/// The matchers a build knows, by ID.
///
/// The executable builds one from an explicit list (the counterpart of CoreDNS's plugin.cfg), built-in matchers
/// and compiled-in plugins alike, so adding a plugin is one line there.
public struct MatcherRegistry: Sendable {
    private var types: [String: any Matcher.Type] = [:]
    /// IDs in registration order, for help texts and error hints.
    public private(set) var ids: [String] = []

    /// An empty registry.
    public init() {}

    /// A registry with `matchers` registered in order; throws on a duplicate or malformed ID.
    public init(_ matchers: [any Matcher.Type]) throws(MatcherRegistryError) {
        for matcher in matchers { try register(matcher) }
    }

    /// Adds `matcher`. Two matchers with one ID would make rule files ambiguous, so that is an error at start-up.
    public mutating func register(_ matcher: any Matcher.Type) throws(MatcherRegistryError) {
        let id = matcher.id
        guard Self.isValidID(id) else { throw MatcherRegistryError(id: id, reason: .invalidID) }
        guard types[id] == nil else { throw MatcherRegistryError(id: id, reason: .duplicate) }
        types[id] = matcher
        ids.append(id)
    }

    /// The matcher type registered as `id`.
    public func matcher(for id: String) -> (any Matcher.Type)? { types[id] }

    static func isValidID(_ id: String) -> Bool {
        guard let first = id.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else { return false }
        return id.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-")
        }
    }
}

/// A matcher could not be registered.
public struct MatcherRegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Reason: Sendable, Hashable { case duplicate, invalidID }
    public let id: String
    let reason: Reason

    public var description: String {
        switch reason {
        case .duplicate:
            "two matchers are registered with the ID \"\(id)\"; give one of them another ID in its `static let id`"
        case .invalidID:
            "matcher ID \"\(id)\" is not valid; use lowercase letters, digits and '-', starting with a letter"
        }
    }
}
