// Typed accessors that matchers use to decode their own options. Each throws a RuleFileError located at the
// offending node, so a matcher never has to compute positions itself.

extension ConfigNode {
    /// The scalar's text. Numbers and booleans are accepted as their text because image tags such as `1.25` are
    /// routinely written unquoted.
    public func string(_ what: String = "value") throws(RuleFileError) -> String {
        guard case .scalar(let text, _) = value else {
            throw error("expected \(what) to be a string, found \(kindName)")
        }
        return text
    }

    /// A YAML/JSON boolean (`true`/`false`; YAML 1.1's `yes`/`no`/`on`/`off` are refused as ambiguous).
    public func bool(_ what: String = "value") throws(RuleFileError) -> Bool {
        guard case .scalar(let text, let quoted) = value, !quoted else {
            throw error("expected \(what) to be true or false, found \(kindName)")
        }
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: throw error("expected \(what) to be true or false, found \"\(text)\"")
        }
    }

    /// A non-negative integer.
    public func int(_ what: String = "value") throws(RuleFileError) -> Int {
        guard case .scalar(let text, _) = value, let number = Int(text), number >= 0 else {
            throw error("expected \(what) to be a non-negative integer, found \(describeForError)")
        }
        return number
    }

    /// The items of a list. A single scalar is not promoted to a list: that would hide typos.
    public func list(_ what: String = "value") throws(RuleFileError) -> [ConfigNode] {
        guard case .sequence(let items) = value else {
            throw error("expected \(what) to be a list, found \(kindName)")
        }
        return items
    }

    /// A list of strings.
    public func stringList(_ what: String = "value") throws(RuleFileError) -> [String] {
        var result: [String] = []
        for item in try list(what) { result.append(try item.string("each item of \(what)")) }
        return result
    }

    /// The entries of a mapping in file order. Duplicate keys are an error: YAML parsers disagree on which one
    /// wins, and in a rule map a duplicate is always a mistake.
    public func entries(_ what: String = "value") throws(RuleFileError) -> [Entry] {
        guard case .mapping(let entries) = value else {
            throw error("expected \(what) to be a mapping, found \(kindName)")
        }
        var seen: [String: SourceLocation] = [:]
        for entry in entries {
            if let first = seen[entry.key] {
                throw RuleFileError(
                    "duplicate key \"\(entry.key)\" in \(what)", at: entry.keyLocation,
                    hint: "it is already defined at line \(first.line); keep one")
            }
            seen[entry.key] = entry.keyLocation
        }
        return entries
    }

    /// A mapping whose keys must all be in `allowed`; an unknown key is reported with the list of known ones.
    public func object(_ what: String, allowed: [String]) throws(RuleFileError) -> ConfigObject {
        let entries = try entries(what)
        for entry in entries where !allowed.contains(entry.key) {
            throw RuleFileError(
                "unknown key \"\(entry.key)\" in \(what)", at: entry.keyLocation,
                hint: "known keys: \(allowed.joined(separator: ", "))")
        }
        return ConfigObject(node: self, entries: entries, what: what)
    }

    /// The node as it would read in a message: a scalar's text in quotes, otherwise its shape.
    var describeForError: String {
        if case .scalar(let text, _) = value { return "\"\(text)\"" }
        return kindName
    }
}

/// A mapping with known keys, as returned by `ConfigNode.object(_:allowed:)`.
public struct ConfigObject: Sendable {
    /// The mapping node itself, for errors about the whole object.
    public let node: ConfigNode
    public let entries: [ConfigNode.Entry]
    let what: String

    /// The value for `key`, or nil when absent. An explicit `null` counts as absent.
    public subscript(key: String) -> ConfigNode? {
        guard let entry = entries.first(where: { $0.key == key }) else { return nil }
        if case .null = entry.value.value { return nil }
        return entry.value
    }

    /// The value for `key`, or an error that says the key is required.
    public func require(_ key: String, hint: String? = nil) throws(RuleFileError) -> ConfigNode {
        guard let value = self[key] else {
            throw node.error("\(what) needs \"\(key)\"", hint: hint)
        }
        return value
    }
}

extension ConfigNode {
    /// A duration: a number of seconds (`2`, `0.5`) or a string with a unit (`500ms`, `2s`, `5m`, `1h`).
    public func duration(_ what: String = "value") throws(RuleFileError) -> Duration {
        guard case .scalar(let text, _) = value else {
            throw error("expected \(what) to be a duration, found \(kindName)", hint: "write e.g. 2s, 500ms or 5m")
        }
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("", 1)]
        for unit in units where text.hasSuffix(unit.suffix) {
            guard let number = Double(text.dropLast(unit.suffix.count)), number.isFinite, number >= 0 else { continue }
            return .milliseconds(Int64((number * unit.seconds * 1000).rounded()))
        }
        throw error("expected \(what) to be a duration, found \"\(text)\"", hint: "write e.g. 2s, 500ms or 5m")
    }
}

extension ConfigNode {
    /// One string, or a non-empty list of them (alternatives in order), each with its own node for errors.
    public func alternatives(_ what: String = "value") throws(RuleFileError) -> [(text: String, node: ConfigNode)] {
        if case .sequence(let items) = value {
            guard !items.isEmpty else { throw error("\(what) is an empty list", hint: "give at least one image") }
            var result: [(text: String, node: ConfigNode)] = []
            for item in items { result.append((try item.string("each alternative of \(what)"), item)) }
            return result
        }
        return [(try string(what), self)]
    }
}
