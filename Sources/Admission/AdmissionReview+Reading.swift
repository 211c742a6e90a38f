import ReplacerJSON

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

// Reads the AdmissionReview types from JSON with `JSONCursor`: the same fields, types and rules as their
// Decodable conformances (unknown members ignored, `null` for an optional field is absent, a repeated member
// keeps its last value), without building the rest of the document. AdmissionReviewReadingTests keeps the two
// in agreement.

extension AdmissionReviewRequest {
    /// Reads a review from a request body.
    ///
    /// - Throws: `JSONReadError` when the body is not JSON, or a field the webhook reads has the wrong type, or
    ///   `request.uid` (or another required field) is missing.
    package init(json data: Data) throws(JSONReadError) {
        self = try JSONCursor.document(data) { c throws(JSONReadError) in try AdmissionReviewRequest(&c) }
    }

    init(_ cursor: inout JSONCursor) throws(JSONReadError) {
        var apiVersion: String?
        var kind: String?
        var request: AdmissionRequest?
        try cursor.readObject { c, key throws(JSONReadError) in
            if key.is("apiVersion") {
                apiVersion = try c.member("apiVersion") { c throws(JSONReadError) in try c.readOptionalString() }
            } else if key.is("kind") {
                kind = try c.member("kind") { c throws(JSONReadError) in try c.readOptionalString() }
            } else if key.is("request") {
                request = try c.member("request") { c throws(JSONReadError) in
                    try c.readNull() ? nil : try AdmissionRequest(&c)
                }
            } else {
                try c.skipValue()
            }
        }
        self.init(apiVersion: apiVersion, kind: kind, request: request)
    }
}

extension AdmissionRequest {
    init(_ cursor: inout JSONCursor) throws(JSONReadError) {
        var uid: String?
        var kind: GroupVersionKind?
        var resource: GroupVersionResource?
        var subResource: String?
        var operation: String?
        var namespace: String?
        var name: String?
        var dryRun: Bool?
        var object: KubernetesObject?
        var oldObject: KubernetesObject?
        try cursor.readObject { c, key throws(JSONReadError) in
            if key.is("uid") {
                uid = try c.member("uid") { c throws(JSONReadError) in try c.readString() }
            } else if key.is("kind") {
                kind = try c.member("kind") { c throws(JSONReadError) in
                    try c.readNull() ? nil : try GroupVersionKind(&c)
                }
            } else if key.is("resource") {
                resource = try c.member("resource") { c throws(JSONReadError) in
                    try c.readNull() ? nil : try GroupVersionResource(&c)
                }
            } else if key.is("subResource") {
                subResource = try c.member("subResource") { c throws(JSONReadError) in try c.readOptionalString() }
            } else if key.is("operation") {
                operation = try c.member("operation") { c throws(JSONReadError) in try c.readOptionalString() }
            } else if key.is("namespace") {
                namespace = try c.member("namespace") { c throws(JSONReadError) in try c.readOptionalString() }
            } else if key.is("name") {
                name = try c.member("name") { c throws(JSONReadError) in try c.readOptionalString() }
            } else if key.is("dryRun") {
                dryRun = try c.member("dryRun") { c throws(JSONReadError) in try c.readOptionalBool() }
            } else if key.is("object") {
                object = try c.member("object") { c throws(JSONReadError) in
                    try c.readNull() ? nil : try KubernetesObject(&c)
                }
            } else if key.is("oldObject") {
                oldObject = try c.member("oldObject") { c throws(JSONReadError) in
                    try c.readNull() ? nil : try KubernetesObject(&c)
                }
            } else {
                try c.skipValue()
            }
        }
        guard let uid else { throw JSONReadError(.missing("uid")) }
        self.init(
            uid: uid, kind: kind, resource: resource, subResource: subResource, operation: operation,
            namespace: namespace, name: name, dryRun: dryRun, object: object, oldObject: oldObject)
    }
}

extension AdmissionRequest.GroupVersionKind {
    init(_ cursor: inout JSONCursor) throws(JSONReadError) {
        var group: String?
        var version: String?
        var kind: String?
        try cursor.readObject { c, key throws(JSONReadError) in
            if key.is("group") {
                group = try c.member("group") { c throws(JSONReadError) in try c.readOptionalString() }
            } else if key.is("version") {
                version = try c.member("version") { c throws(JSONReadError) in try c.readOptionalString() }
            } else if key.is("kind") {
                kind = try c.member("kind") { c throws(JSONReadError) in try c.readString() }
            } else {
                try c.skipValue()
            }
        }
        guard let kind else { throw JSONReadError(.missing("kind")) }
        self.init(group: group, version: version, kind: kind)
    }
}

extension AdmissionRequest.GroupVersionResource {
    init(_ cursor: inout JSONCursor) throws(JSONReadError) {
        var group: String?
        var version: String?
        var resource: String?
        try cursor.readObject { c, key throws(JSONReadError) in
            if key.is("group") {
                group = try c.member("group") { c throws(JSONReadError) in try c.readOptionalString() }
            } else if key.is("version") {
                version = try c.member("version") { c throws(JSONReadError) in try c.readOptionalString() }
            } else if key.is("resource") {
                resource = try c.member("resource") { c throws(JSONReadError) in try c.readString() }
            } else {
                try c.skipValue()
            }
        }
        guard let resource else { throw JSONReadError(.missing("resource")) }
        self.init(group: group, version: version, resource: resource)
    }
}

extension KubernetesObject {
    init(_ cursor: inout JSONCursor) throws(JSONReadError) {
        var object = KubernetesObject()
        try cursor.readObject { c, key throws(JSONReadError) in
            if try !object.readMember(key, &c) { try c.skipValue() }
        }
        self = object
    }

    /// Reads the value of `key` into the object when it is a member the webhook reads (`metadata`, `spec`,
    /// `template`); false, with nothing consumed, for any other member. For readers of bodies that hold an
    /// object's members beside their own (`/explain`).
    mutating func readMember(_ key: JSONKey, _ c: inout JSONCursor) throws(JSONReadError) -> Bool {
        if key.is("metadata") {
            metadata = try c.member("metadata") { c throws(JSONReadError) in try c.readNull() ? nil : try ObjectMeta(&c)
            }
        } else if key.is("spec") {
            spec = try c.member("spec") { c throws(JSONReadError) in try c.readNull() ? nil : try ObjectSpec(&c) }
        } else if key.is("template") {
            template = try c.member("template") { c throws(JSONReadError) in
                try c.readNull() ? nil : try PodTemplateSpec(&c)
            }
        } else {
            return false
        }
        return true
    }
}

extension ObjectMeta {
    init(_ cursor: inout JSONCursor) throws(JSONReadError) {
        var meta = ObjectMeta()
        try cursor.readObject { c, key throws(JSONReadError) in
            if key.is("name") {
                meta.name = try c.member("name") { c throws(JSONReadError) in try c.readOptionalString() }
            } else if key.is("generateName") {
                meta.generateName = try c.member("generateName") { c throws(JSONReadError) in try c.readOptionalString()
                }
            } else if key.is("namespace") {
                meta.namespace = try c.member("namespace") { c throws(JSONReadError) in try c.readOptionalString() }
            } else if key.is("labels") {
                meta.labels = try c.member("labels") { c throws(JSONReadError) in try c.readOptionalStringMap() }
            } else if key.is("annotations") {
                meta.annotations = try c.member("annotations") { c throws(JSONReadError) in
                    try c.readOptionalStringMap()
                }
            } else {
                try c.skipValue()
            }
        }
        self = meta
    }
}

extension ObjectSpec {
    init(_ cursor: inout JSONCursor) throws(JSONReadError) {
        var spec = ObjectSpec()
        try cursor.readObject { c, key throws(JSONReadError) in
            if key.is("containers") {
                spec.containers = try c.member("containers") { c throws(JSONReadError) in try c.readOptionalContainers()
                }
            } else if key.is("initContainers") {
                spec.initContainers = try c.member("initContainers") { c throws(JSONReadError) in
                    try c.readOptionalContainers()
                }
            } else if key.is("ephemeralContainers") {
                spec.ephemeralContainers = try c.member("ephemeralContainers") { c throws(JSONReadError) in
                    try c.readOptionalContainers()
                }
            } else if key.is("volumes") {
                spec.volumes = try c.readLenientVolumes()
            } else if key.is("template") {
                spec.template = try c.member("template") { c throws(JSONReadError) in
                    try c.readNull() ? nil : try PodTemplateSpec(&c)
                }
            } else if key.is("jobTemplate") {
                spec.jobTemplate = try c.member("jobTemplate") { c throws(JSONReadError) in
                    try c.readNull() ? nil : try JobTemplateSpec(&c)
                }
            } else {
                try c.skipValue()
            }
        }
        self = spec
    }
}

extension PodTemplateSpec {
    init(_ cursor: inout JSONCursor) throws(JSONReadError) {
        var template = PodTemplateSpec()
        try cursor.readObject { c, key throws(JSONReadError) in
            if key.is("metadata") {
                template.metadata = try c.member("metadata") { c throws(JSONReadError) in
                    try c.readNull() ? nil : try ObjectMeta(&c)
                }
            } else if key.is("spec") {
                template.spec = try c.member("spec") { c throws(JSONReadError) in
                    try c.readNull() ? nil : try PodSpec(&c)
                }
            } else {
                try c.skipValue()
            }
        }
        self = template
    }
}

extension PodSpec {
    init(_ cursor: inout JSONCursor) throws(JSONReadError) {
        var containers: [Container]?
        var initContainers: [Container]?
        var ephemeralContainers: [Container]?
        var volumes: [Volume]?
        try cursor.readObject { c, key throws(JSONReadError) in
            if key.is("containers") {
                containers = try c.member("containers") { c throws(JSONReadError) in try c.readOptionalContainers() }
            } else if key.is("initContainers") {
                initContainers = try c.member("initContainers") { c throws(JSONReadError) in
                    try c.readOptionalContainers()
                }
            } else if key.is("ephemeralContainers") {
                ephemeralContainers = try c.member("ephemeralContainers") { c throws(JSONReadError) in
                    try c.readOptionalContainers()
                }
            } else if key.is("volumes") {
                volumes = try c.readLenientVolumes()
            } else {
                try c.skipValue()
            }
        }
        self.init(
            containers: containers, initContainers: initContainers, ephemeralContainers: ephemeralContainers,
            volumes: volumes)
    }
}

extension JobTemplateSpec {
    init(_ cursor: inout JSONCursor) throws(JSONReadError) {
        var spec: JobSpec?
        try cursor.readObject { c, key throws(JSONReadError) in
            if key.is("spec") {
                spec = try c.member("spec") { c throws(JSONReadError) in try c.readNull() ? nil : try JobSpec(&c) }
            } else {
                try c.skipValue()
            }
        }
        self.init(spec: spec)
    }
}

extension JobSpec {
    init(_ cursor: inout JSONCursor) throws(JSONReadError) {
        var template: PodTemplateSpec?
        try cursor.readObject { c, key throws(JSONReadError) in
            if key.is("template") {
                template = try c.member("template") { c throws(JSONReadError) in
                    try c.readNull() ? nil : try PodTemplateSpec(&c)
                }
            } else {
                try c.skipValue()
            }
        }
        self.init(template: template)
    }
}

extension Container {
    init(_ cursor: inout JSONCursor) throws(JSONReadError) {
        var container = Container()
        try cursor.readObject { c, key throws(JSONReadError) in
            if key.is("name") {
                container.name = try c.member("name") { c throws(JSONReadError) in try c.readOptionalString() }
            } else if key.is("image") {
                container.image = try c.member("image") { c throws(JSONReadError) in try c.readOptionalString() }
            } else if key.is("imagePullPolicy") {
                container.imagePullPolicy = try c.member("imagePullPolicy") { c throws(JSONReadError) in
                    try c.readOptionalString()
                }
            } else {
                try c.skipValue()
            }
        }
        self = container
    }
}

extension JSONCursor {
    /// `volumes`, read as `Volume` says: nil unless an array; an entry that is not an object, and a member of
    /// another shape than the webhook reads, are kept as nothing rather than refused. Syntax errors still are.
    mutating func readLenientVolumes() throws(JSONReadError) -> [Volume]? {
        guard peek() == UInt8(ascii: "[") else {
            try skipValue()
            return nil
        }
        var volumes: [Volume] = []
        try readArray { c, _ throws(JSONReadError) in
            var volume = Volume()
            defer { volumes.append(volume) }
            guard c.peek() == UInt8(ascii: "{") else { return try c.skipValue() }
            try c.readObject { c, key throws(JSONReadError) in
                if key.is("name") {
                    volume.name = try c.readLenientString()
                } else if key.is("image") {
                    volume.image = try c.readLenientImageSource()
                } else {
                    try c.skipValue()
                }
            }
        }
        return volumes
    }

    /// A string, or nil (the value skipped) for anything else.
    mutating func readLenientString() throws(JSONReadError) -> String? {
        guard peek() == UInt8(ascii: "\"") else {
            try skipValue()
            return nil
        }
        return try readString()
    }

    /// `volumes[].image` when it is an object, nil (the value skipped) otherwise.
    mutating func readLenientImageSource() throws(JSONReadError) -> ImageVolumeSource? {
        guard peek() == UInt8(ascii: "{") else {
            try skipValue()
            return nil
        }
        var source = ImageVolumeSource()
        try readObject { c, key throws(JSONReadError) in
            if key.is("reference") {
                source.reference = try c.readLenientString()
            } else if key.is("pullPolicy") {
                source.pullPolicy = try c.readLenientString()
            } else {
                try c.skipValue()
            }
        }
        return source
    }

    /// A container list, or nil for `null`.
    mutating func readOptionalContainers() throws(JSONReadError) -> [Container]? {
        if try readNull() { return nil }
        var containers: [Container] = []
        try readArray { c, _ throws(JSONReadError) in containers.append(try Container(&c)) }
        return containers
    }
}
