/// One node of a parsed rule file, with the position it came from.
///
/// Rule files are YAML or JSON; both are read into this small tree so that every matcher, built-in or plugin,
/// decodes its options the same way and every error can point at a line and column. The YAML library stays an
/// implementation detail of the loader: plugins depend only on this type.
public struct ConfigNode: Sendable {
    /// The shape of a node. Mapping entries keep file order, because order is meaning (first matching rule wins).
    public enum Value: Sendable {
        /// A scalar as written. `quoted` tells `"1.10"` (a string) from `1.10` (which YAML would call a number).
        case scalar(String, quoted: Bool)
        case mapping([Entry])
        case sequence([ConfigNode])
        /// `~`, `null` or an empty value.
        case null
    }

    /// One `key: value` pair of a mapping. Keys are always scalars in a rule file.
    public struct Entry: Sendable {
        public var key: String
        public var keyLocation: SourceLocation
        public var value: ConfigNode

        public init(key: String, keyLocation: SourceLocation, value: ConfigNode) {
            self.key = key
            self.keyLocation = keyLocation
            self.value = value
        }
    }

    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }

    /// A short name for the node's shape, for error messages ("expected a mapping, found a sequence").
    public var kindName: String {
        switch value {
        case .scalar: "a scalar"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .null: "nothing (null)"
        }
    }

    /// An error located at this node.
    public func error(_ message: String, hint: String? = nil) -> RuleFileError {
        RuleFileError(message, at: location, hint: hint)
    }
}
