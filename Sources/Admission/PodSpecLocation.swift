import ReplacerCore

/// Where, in an admitted object, the pod spec and the metadata to annotate live, as JSON Pointers.
package struct PodSpecLocation: Sendable, Equatable {
    /// Pointer to the object holding `containers`, `initContainers`, `ephemeralContainers` and `volumes`.
    package var specPointer: String
    /// Pointer to the metadata that gets the original-images annotation, or nil when it must not be touched.
    package var metadataPointer: String?
    /// The kinds of image (container lists, image volumes) that may be rewritten in this request.
    package var kinds: [ContainerKind]
    /// For UPDATE: only containers new or changed against the old object are rewritten.
    package var onlyChanged: Bool

    /// The kinds with a pod template, by kind: the API group that defines them and where the template's spec and
    /// metadata are. The group is part of the match: a custom resource reusing a kind name (`Deployment` in
    /// `example.com`) has a schema of its own, and a patch written for the built-in one could break it.
    package static let templateKinds: [String: (group: String, spec: String, metadata: String)] = [
        "Deployment": ("apps", "/spec/template/spec", "/spec/template/metadata"),
        "StatefulSet": ("apps", "/spec/template/spec", "/spec/template/metadata"),
        "DaemonSet": ("apps", "/spec/template/spec", "/spec/template/metadata"),
        "ReplicaSet": ("apps", "/spec/template/spec", "/spec/template/metadata"),
        "Job": ("batch", "/spec/template/spec", "/spec/template/metadata"),
        "ReplicationController": ("", "/spec/template/spec", "/spec/template/metadata"),
        "CronJob": ("batch", "/spec/jobTemplate/spec/template/spec", "/spec/jobTemplate/spec/template/metadata"),
        "PodTemplate": ("", "/template/spec", "/template/metadata"),
    ]

    /// Decides what the request allows the webhook to rewrite, or nil (with why) when it leaves the request alone.
    package static func locate(_ request: AdmissionRequest, podTemplates: Bool) -> Result<PodSpecLocation, Skip> {
        let operation = request.operation ?? ""
        guard operation == "CREATE" || operation == "UPDATE" else { return .failure(.operation(operation)) }
        let resource = request.resource?.resource ?? ""
        let group = request.resource?.group ?? ""
        let kind = request.kind?.kind ?? ""
        let update = operation == "UPDATE"

        if group.isEmpty && resource == "pods" {
            switch request.subResource ?? "" {
            case "":
                // A pod's volumes are immutable: an UPDATE can change none, so it never rewrites one.
                let kinds = update ? ContainerKind.allCases.filter { $0 != .volumes } : ContainerKind.allCases
                return .success(
                    .init(specPointer: "/spec", metadataPointer: "/metadata", kinds: kinds, onlyChanged: update))
            case "ephemeralcontainers":
                // The subresource only changes ephemeral containers; existing ones are immutable, so only new ones
                // may be rewritten, and metadata changes would be dropped by the API server.
                return .success(
                    .init(specPointer: "/spec", metadataPointer: nil, kinds: [.ephemeralContainers], onlyChanged: true))
            case let other:
                return .failure(.subresource("pods/\(other)"))
            }
        }
        if let subResource = request.subResource, !subResource.isEmpty {
            return .failure(.subresource("\(resource)/\(subResource)"))
        }
        // The object's own group (the request's kind); the resource's group is the same unless a webhook
        // configuration maps one resource onto another.
        let kindGroup = request.kind?.group ?? group
        guard let template = templateKinds[kind], template.group == kindGroup else {
            let named = kind.isEmpty ? resource : kindGroup.isEmpty ? kind : "\(kind).\(kindGroup)"
            return .failure(.kind(named))
        }
        guard podTemplates else { return .failure(.templatesOff(kind)) }
        return .success(
            .init(
                specPointer: template.spec, metadataPointer: template.metadata, kinds: ContainerKind.allCases,
                onlyChanged: update))
    }

    /// The pod spec and metadata this location points at in `object`.
    package func resolve(_ object: KubernetesObject) -> (spec: PodSpec?, metadata: ObjectMeta?) {
        switch specPointer {
        case "/spec":
            (
                object.spec.map {
                    PodSpec(
                        containers: $0.containers, initContainers: $0.initContainers,
                        ephemeralContainers: $0.ephemeralContainers, volumes: $0.volumes)
                }, object.metadata
            )
        case "/spec/template/spec": (object.spec?.template?.spec, object.spec?.template?.metadata)
        case "/spec/jobTemplate/spec/template/spec":
            (object.spec?.jobTemplate?.spec?.template?.spec, object.spec?.jobTemplate?.spec?.template?.metadata)
        case "/template/spec": (object.template?.spec, object.template?.metadata)
        default: (nil, nil)
        }
    }

    /// Why a request is left alone; shown in logs and counted in metrics.
    package enum Skip: Error, Equatable, CustomStringConvertible {
        case operation(String)
        case subresource(String)
        case kind(String)
        case templatesOff(String)

        package var description: String {
            switch self {
            case .operation(let operation): "operation \(operation) is not rewritten"
            case .subresource(let name): "subresource \(name) is not rewritten"
            case .kind(let kind): "kind \(kind) holds no pod spec"
            case .templatesOff(let kind): "\(kind) templates are not rewritten (admission.podTemplates is off)"
            }
        }
    }
}

extension PodSpec {
    /// Calls `body` with each image of `kind`, in list order, with its index (the list's, which the JSON Patch
    /// addresses), name and pull policy: a container's `image`, or an image volume's `image.reference` (a volume of
    /// another kind has none). A closure rather than a list of slots: this runs for every admission, and the lists
    /// are there already.
    package func forEachImage(
        _ kind: ContainerKind, _ body: (_ index: Int, _ name: String?, _ image: String?, _ pullPolicy: String?) -> Void
    ) {
        switch kind {
        case .containers: Self.forEach(containers, body)
        case .initContainers: Self.forEach(initContainers, body)
        case .ephemeralContainers: Self.forEach(ephemeralContainers, body)
        case .volumes:
            for (index, volume) in (volumes ?? []).enumerated() {
                body(index, volume.name, volume.image?.reference, volume.image?.pullPolicy)
            }
        }
    }

    private static func forEach(_ containers: [Container]?, _ body: (Int, String?, String?, String?) -> Void) {
        guard let containers else { return }
        for (index, container) in containers.enumerated() {
            body(index, container.name, container.image, container.imagePullPolicy)
        }
    }
}
