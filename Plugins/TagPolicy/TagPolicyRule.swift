import ReplacerCore

/// One rule of a `tag-policy` stage: which repositories it covers and what happens to their floating tags.
struct TagPolicyRule: Sendable {
    enum Action: Sendable, Equatable {
        /// Rewrite to this tag.
        case pin(String)
        /// Keep the image; the pod is admitted with a warning.
        case warn
        /// Refuse the pod.
        case deny
        /// Keep the image, say so in the trace, and fire `onMatch`.
        case allow
    }

    /// `rules[N]`, the name traces and messages use.
    var label: String
    var repositories: [Glob]
    var action: Action
    /// Appended to warnings and denials: where to read the policy, whom to ask.
    var message: String?

    static let keys = ["repositories", "pin", "action", "message"]

    init(decoding node: ConfigNode, index: Int, floatingTags: Set<String>) throws(RuleFileError) {
        label = "rules[\(index)]"
        let object = try node.object("a tag-policy rule", allowed: Self.keys)
        let repositoriesNode = try object.require(
            "repositories", hint: "list registry/repository globs, e.g. [\"docker.io/library/*\"]")
        if case .scalar = repositoriesNode.value {
            repositories = [Glob(try repositoriesNode.string("repositories"))]
        } else {
            repositories = try repositoriesNode.stringList("repositories").map(Glob.init)
        }
        message = try object["message"]?.string("message")
        switch (object["pin"], object["action"]) {
        case (let pinNode?, nil):
            let tag = try pinNode.string("pin")
            guard ReferenceGrammar.isValidTag(tag[...]) else {
                throw pinNode.error("\"\(tag)\" is not a valid tag", hint: "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
            }
            guard !floatingTags.contains(tag) else {
                throw pinNode.error(
                    "pinning to \"\(tag)\", itself a floating tag, would be rewritten again on every pass",
                    hint: "pin a version")
            }
            action = .pin(tag)
        case (nil, let actionNode?):
            switch try actionNode.string("action") {
            case "warn": action = .warn
            case "deny": action = .deny
            case "allow": action = .allow
            case let other:
                throw actionNode.error(
                    "unknown action \"\(other)\"", hint: "use warn, deny or allow, or `pin: TAG` to rewrite")
            }
        case (.some, .some):
            throw node.error("a rule has either \"pin\" or \"action\", not both")
        case (nil, nil):
            throw node.error(
                "a rule needs \"pin\" (a tag to rewrite to) or \"action\" (warn, deny or allow)",
                hint: "e.g. `{repositories: [\"docker.io/library/nginx\"], pin: \"1.27.2\"}`")
        }
    }

    func covers(_ name: String) -> Bool { repositories.contains { $0.matches(name) } }
}
