/// A stage's `when`: the pods and containers the stage applies to. All given criteria must hold.
public struct StageCondition: Sendable {
    /// Namespace globs; empty means every namespace.
    public var namespaces: [Glob] = []
    /// Namespace globs the stage never applies to, checked after `namespaces`.
    public var excludeNamespaces: [Glob] = []
    /// Pod labels that must be present, with value globs (`"*"` only asks that the label exists).
    public var labels: [(key: String, value: Glob)] = []
    /// Pod labels that keep the stage away when present with a matching value (`"*"`: with any value), checked
    /// after `labels`. How a team opts its workloads out of one stage by label, where the pod-level skip
    /// annotation would opt them out of every stage.
    public var excludeLabels: [(key: String, value: Glob)] = []
    /// The kinds of image the stage applies to (container lists, image volumes); empty means all four.
    public var containerKinds: Set<ContainerKind> = []

    public init() {}

    /// Whether the stage applies everywhere, so the pipeline can skip the check.
    public var isUnconditional: Bool {
        namespaces.isEmpty && excludeNamespaces.isEmpty && labels.isEmpty && excludeLabels.isEmpty
            && containerKinds.isEmpty
    }

    /// Whether `context` satisfies the condition; the same verdict as `rejection(for:) == nil` without building
    /// the explanation, for the admission path.
    public func admits(_ context: EvaluationContext) -> Bool {
        if !containerKinds.isEmpty && !containerKinds.contains(context.containerKind) { return false }
        if !namespaces.isEmpty {
            guard let namespace = context.namespace, namespaces.contains(where: { $0.matches(namespace) }) else {
                return false
            }
        }
        if let namespace = context.namespace, excludeNamespaces.contains(where: { $0.matches(namespace) }) {
            return false
        }
        for (key, value) in labels {
            guard let actual = context.labels[key], value.matches(actual) else { return false }
        }
        for (key, value) in excludeLabels {
            if let actual = context.labels[key], value.matches(actual) { return false }
        }
        return true
    }

    /// nil when `context` satisfies the condition, otherwise why not (for the trace).
    public func rejection(for context: EvaluationContext) -> String? {
        if !containerKinds.isEmpty && !containerKinds.contains(context.containerKind) {
            let kinds = ContainerKind.allCases.filter(containerKinds.contains).map(\.rawValue)
            return "container kind \(context.containerKind.rawValue) is not in [\(kinds.joined(separator: ", "))]"
        }
        // Without a namespace (explain without --namespace), an include list cannot be satisfied, but an exclude
        // list alone excludes nothing: the image is not in an excluded namespace.
        if !namespaces.isEmpty {
            guard let namespace = context.namespace else {
                return
                    "the stage is scoped to namespaces [\(namespaces.map(\.pattern).joined(separator: ", "))] and no namespace was given"
            }
            if !namespaces.contains(where: { $0.matches(namespace) }) {
                return
                    "namespace \"\(namespace)\" matches none of [\(namespaces.map(\.pattern).joined(separator: ", "))]"
            }
        }
        if let namespace = context.namespace, let excluded = excludeNamespaces.first(where: { $0.matches(namespace) }) {
            return "namespace \"\(namespace)\" is excluded by \"\(excluded.pattern)\""
        }
        for (key, value) in labels {
            guard let actual = context.labels[key] else { return "the pod has no label \"\(key)\"" }
            if !value.matches(actual) { return "label \(key)=\"\(actual)\" does not match \"\(value.pattern)\"" }
        }
        for (key, value) in excludeLabels {
            if let actual = context.labels[key], value.matches(actual) {
                return "label \(key)=\"\(actual)\" is excluded by \"\(value.pattern)\""
            }
        }
        return nil
    }
}

extension StageCondition {
    static let keys = ["namespaces", "excludeNamespaces", "labels", "excludeLabels", "containerKinds"]

    /// Decodes a `when:` mapping.
    init(decoding node: ConfigNode) throws(RuleFileError) {
        let object = try node.object("when", allowed: Self.keys)
        self.init()
        if let list = object["namespaces"] { namespaces = try list.stringList("when.namespaces").map(Glob.init) }
        if let list = object["excludeNamespaces"] {
            excludeNamespaces = try list.stringList("when.excludeNamespaces").map(Glob.init)
        }
        if let map = object["labels"] {
            for entry in try map.entries("when.labels") {
                labels.append((entry.key, Glob(try entry.value.string("label value"))))
            }
        }
        if let map = object["excludeLabels"] {
            for entry in try map.entries("when.excludeLabels") {
                excludeLabels.append((entry.key, Glob(try entry.value.string("label value"))))
            }
        }
        if let list = object["containerKinds"] {
            for item in try list.list("when.containerKinds") {
                let name = try item.string("container kind")
                guard let kind = ContainerKind(rawValue: name) else {
                    throw item.error(
                        "unknown container kind \"\(name)\"",
                        hint: "use \(ContainerKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                containerKinds.insert(kind)
            }
        }
    }
}
