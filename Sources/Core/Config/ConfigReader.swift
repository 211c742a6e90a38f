import Yams

/// Reads rule-file text (YAML, or JSON, which the YAML parser reads too) into a `ConfigNode` tree.
///
/// One parser for both formats keeps one code path and gives JSON files the same line/column errors as YAML.
/// The reader bounds what it will build: aliases are expanded by the YAML composer, so a small hostile file
/// ("billion laughs") could otherwise describe an enormous tree.
public struct ConfigReader: Sendable {
    /// The largest number of nodes a rule file may expand to.
    public var maxNodes: Int
    /// The largest rule file accepted, in bytes.
    public var maxBytes: Int

    public init(maxNodes: Int = 1_000_000, maxBytes: Int = 16 << 20) {
        self.maxNodes = maxNodes
        self.maxBytes = maxBytes
    }

    /// Parses `text`; `file` is used in positions only.
    /// - Parameters:
    ///   - document: what the file is, for the error about an empty one ("the rule file", "the case file").
    ///   - emptyHint: how to start such a file, for the same error.
    public func read(
        _ text: String, file: String, document: String = "the rule file",
        emptyHint: String? = "start with `apiVersion: \(RuleSet.apiVersion)`"
    ) throws(RuleFileError) -> ConfigNode {
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard text.utf8.count <= maxBytes else {
            throw RuleFileError(
                "the rule file is \(text.utf8.count) bytes, more than the \(maxBytes) accepted", at: start,
                hint: "split it or remove unused rules")
        }
        let root: Node?
        do {
            // No implicit tag resolution: scalars stay text (ConfigNode+Decoding reads numbers and booleans itself)
            // and null is recognised below from the plain scalar. Yams's default resolver matches every scalar
            // against NSRegularExpression patterns, which pulls ICU's regex engine and data into every process
            // that reads a rule file, `serve` included, for tags nothing here looks at.
            root = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            throw Self.translate(error, file: file)
        } catch {
            throw RuleFileError("cannot parse: \(error)", at: start)
        }
        guard let root else {
            throw RuleFileError("\(document) is empty", at: start, hint: emptyHint)
        }
        var budget = maxNodes
        return try convert(root, file: file, budget: &budget)
    }

    private func convert(_ node: Node, file: String, budget: inout Int) throws(RuleFileError) -> ConfigNode {
        let location = Self.location(node.mark, file: file)
        budget -= 1
        guard budget >= 0 else {
            throw RuleFileError(
                "the rule file expands to more than \(maxNodes) nodes", at: location,
                hint: "YAML aliases are expanded; do not nest them")
        }
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain && node.null != nil { return ConfigNode(.null, at: location) }
            return ConfigNode(.scalar(scalar.string, quoted: scalar.style != .plain), at: location)
        case .sequence(let sequence):
            var items: [ConfigNode] = []
            items.reserveCapacity(sequence.count)
            for item in sequence { items.append(try convert(item, file: file, budget: &budget)) }
            return ConfigNode(.sequence(items), at: location)
        case .mapping(let mapping):
            var entries: [ConfigNode.Entry] = []
            entries.reserveCapacity(mapping.count)
            for (key, value) in mapping {
                let keyLocation = Self.location(key.mark, file: file)
                guard case .scalar(let keyScalar) = key else {
                    throw RuleFileError("mapping keys must be plain strings", at: keyLocation)
                }
                let converted = try convert(value, file: file, budget: &budget)
                entries.append(.init(key: keyScalar.string, keyLocation: keyLocation, value: converted))
            }
            return ConfigNode(.mapping(entries), at: location)
        case .alias:
            // The composer resolves aliases to their anchored node; an unresolved one means a parser change.
            throw RuleFileError("unresolved YAML alias", at: location, hint: "write the value out in full")
        }
    }

    private static func location(_ mark: Mark?, file: String) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    private static func translate(_ error: YamlError, file: String) -> RuleFileError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            if problem.lowercased().contains("nesting level") {
                // libyaml's text names its own API (`yaml_set_max_nest_level()`), which means nothing to a reader.
                return RuleFileError(
                    "invalid YAML/JSON: nested deeper than the YAML parser allows", at: location(mark, file: file),
                    hint: "a rule file needs a few levels of nesting; look for runaway brackets or indentation")
            }
            var message = "invalid YAML/JSON: \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line))" }
            return RuleFileError(message, at: location(mark, file: file))
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return RuleFileError(
                "duplicate key \(keys) in a mapping", at: location(context.mark, file: file),
                hint: "YAML parsers disagree on which one wins; keep one")
        case .reader(let problem, _, _, _):
            return RuleFileError(
                "unreadable text: \(problem)", at: SourceLocation(file: file, line: 1, column: 1),
                hint: "save the file as UTF-8")
        default:
            return RuleFileError("invalid YAML/JSON: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
        }
    }
}
