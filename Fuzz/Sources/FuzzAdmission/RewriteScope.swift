import ReplacerCore

/// What the reviewer may rewrite in a request, restated from the documented admission rules (README, "What gets rewritten")
/// and read straight from the request JSON, independently of the reviewer's own `PodSpecLocation`.
struct RewriteScope {
    /// Where the container lists are, as object keys from the admitted object's root.
    var spec: [String]
    /// Where the metadata with the skip annotations (and the originals annotation) is.
    var metadata: [String]
    /// Whether the originals annotation may be added (not for the ephemeralcontainers subresource).
    var annotates: Bool
    var kinds: [ContainerKind]
    /// UPDATE: containers whose name and image are unchanged from the old object are left alone.
    var onlyChanged: Bool

    /// Kinds with a pod template at `spec.template`, with the API group that defines each.
    static let templateKinds: [String: String] = [
        "Deployment": "apps", "StatefulSet": "apps", "DaemonSet": "apps", "ReplicaSet": "apps", "Job": "batch",
        "ReplicationController": "",
    ]

    /// The scope of `request` (the AdmissionReview's `request` member), or nil when nothing may be rewritten.
    init?(request: [String: Any], podTemplates: Bool) {
        let operation = request["operation"] as? String ?? ""
        guard operation == "CREATE" || operation == "UPDATE" else { return nil }
        let resource = request["resource"] as? [String: Any]
        let group = resource?["group"] as? String ?? ""
        let resourceName = resource?["resource"] as? String ?? ""
        let subResource = request["subResource"] as? String ?? ""
        let kind = (request["kind"] as? [String: Any])?["kind"] as? String ?? ""
        let kindGroup = (request["kind"] as? [String: Any])?["group"] as? String ?? group
        onlyChanged = operation == "UPDATE"
        kinds = ContainerKind.allCases
        annotates = true

        if group.isEmpty && resourceName == "pods" {
            (spec, metadata) = (["spec"], ["metadata"])
            switch subResource {
            case "":
                // A pod's volumes are immutable: an UPDATE never rewrites one.
                if onlyChanged { kinds.removeAll { $0 == .volumes } }
                return
            case "ephemeralcontainers":
                (kinds, onlyChanged, annotates) = ([.ephemeralContainers], true, false)
                return
            default: return nil
            }
        }
        guard subResource.isEmpty, podTemplates else { return nil }
        if Self.templateKinds[kind] == kindGroup {
            (spec, metadata) = (["spec", "template", "spec"], ["spec", "template", "metadata"])
        } else if kind == "CronJob", kindGroup == "batch" {
            (spec, metadata) = (
                ["spec", "jobTemplate", "spec", "template", "spec"],
                ["spec", "jobTemplate", "spec", "template", "metadata"]
            )
        } else if kind == "PodTemplate", kindGroup.isEmpty {
            (spec, metadata) = (["template", "spec"], ["template", "metadata"])
        } else {
            return nil
        }
    }

    /// The JSON Pointer of `keys`.
    static func pointer(_ keys: [String]) -> String {
        keys.map { "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }
            .joined()
    }
}

/// Follows object keys from `root`; nil when one is missing or not an object (JSON null included).
func member(_ root: Any?, _ keys: [String]) -> [String: Any]? {
    var node = root
    for key in keys { node = (node as? [String: Any])?[key] }
    return node as? [String: Any]
}
