import ReplacerJSON

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

// The parts of `admission.k8s.io/v1` AdmissionReview that the webhook reads and writes. Decoding ignores every
// field not named here, so the webhook keeps working as Kubernetes adds fields.

/// An AdmissionReview as the API server sends it.
package struct AdmissionReviewRequest: Decodable, Equatable, Sendable {
    package var apiVersion: String?
    package var kind: String?
    package var request: AdmissionRequest?

    /// The version to answer in: the one asked in when it is v1beta1, else v1 (the API server reads the answer
    /// in the version it sent).
    package var answerVersion: String {
        apiVersion == "admission.k8s.io/v1beta1" ? "admission.k8s.io/v1beta1" : "admission.k8s.io/v1"
    }
}

package struct AdmissionRequest: Decodable, Equatable, Sendable {
    package struct GroupVersionKind: Decodable, Equatable, Sendable {
        package var group: String?
        package var version: String?
        package var kind: String
    }

    package struct GroupVersionResource: Decodable, Equatable, Sendable {
        package var group: String?
        package var version: String?
        package var resource: String
    }

    package var uid: String
    package var kind: GroupVersionKind?
    package var resource: GroupVersionResource?
    package var subResource: String?
    package var operation: String?
    package var namespace: String?
    package var name: String?
    package var dryRun: Bool?
    package var object: KubernetesObject?
    package var oldObject: KubernetesObject?
}

/// Any object whose pod spec the webhook may rewrite. All fields are optional so one type decodes Pods, the
/// workload kinds and PodTemplates alike; `PodSpecLocation` says which field holds the pod spec for a kind.
package struct KubernetesObject: Decodable, Equatable, Sendable {
    package var metadata: ObjectMeta?
    package var spec: ObjectSpec?
    /// `PodTemplate.template`.
    package var template: PodTemplateSpec?
}

package struct ObjectMeta: Decodable, Equatable, Sendable {
    package var name: String?
    package var generateName: String?
    package var namespace: String?
    package var labels: [String: String]?
    package var annotations: [String: String]?
}

/// A Pod's spec, or a workload's spec, decoded into the same shape.
package struct ObjectSpec: Decodable, Equatable, Sendable {
    package var containers: [Container]?
    package var initContainers: [Container]?
    package var ephemeralContainers: [Container]?
    /// A Pod's volumes, read leniently (see `Volume`).
    package var volumes: [Volume]?
    /// Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, ReplicationControllers.
    package var template: PodTemplateSpec?
    /// CronJobs.
    package var jobTemplate: JobTemplateSpec?

    enum CodingKeys: String, CodingKey {
        case containers, initContainers, ephemeralContainers, volumes, template, jobTemplate
    }

    init() {}

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        containers = try c.decodeIfPresent([Container].self, forKey: .containers)
        initContainers = try c.decodeIfPresent([Container].self, forKey: .initContainers)
        ephemeralContainers = try c.decodeIfPresent([Container].self, forKey: .ephemeralContainers)
        volumes = Volume.lenientList(c, .volumes)
        template = try c.decodeIfPresent(PodTemplateSpec.self, forKey: .template)
        jobTemplate = try c.decodeIfPresent(JobTemplateSpec.self, forKey: .jobTemplate)
    }
}

package struct PodTemplateSpec: Decodable, Equatable, Sendable {
    package var metadata: ObjectMeta?
    package var spec: PodSpec?
}

/// The container lists and volumes of a pod spec.
package struct PodSpec: Decodable, Equatable, Sendable {
    package var containers: [Container]?
    package var initContainers: [Container]?
    package var ephemeralContainers: [Container]?
    /// Read leniently (see `Volume`).
    package var volumes: [Volume]?

    package init(
        containers: [Container]?, initContainers: [Container]?, ephemeralContainers: [Container]?,
        volumes: [Volume]? = nil
    ) {
        self.containers = containers
        self.initContainers = initContainers
        self.ephemeralContainers = ephemeralContainers
        self.volumes = volumes
    }

    enum CodingKeys: String, CodingKey {
        case containers, initContainers, ephemeralContainers, volumes
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        containers = try c.decodeIfPresent([Container].self, forKey: .containers)
        initContainers = try c.decodeIfPresent([Container].self, forKey: .initContainers)
        ephemeralContainers = try c.decodeIfPresent([Container].self, forKey: .ephemeralContainers)
        volumes = Volume.lenientList(c, .volumes)
    }
}

/// A pod volume, as far as the webhook reads it: its name and, for an image volume (KEP-4639), the image source.
///
/// Read leniently, unlike containers: the webhook never refused a review for its volumes, and a volume it does not
/// understand (another kind, an `image` that is not an object, a member of the wrong type) is left alone rather
/// than failing the admission. Entries that are not objects still take their place, so indexes match the array.
package struct Volume: Decodable, Equatable, Sendable {
    package var name: String?
    package var image: ImageVolumeSource?

    package init(name: String? = nil, image: ImageVolumeSource? = nil) {
        self.name = name
        self.image = image
    }

    enum CodingKeys: String, CodingKey { case name, image }

    package init(from decoder: any Decoder) throws {
        guard let c = try? decoder.container(keyedBy: CodingKeys.self) else { return }
        name = (try? c.decodeIfPresent(String.self, forKey: .name)) ?? nil
        image = (try? c.decodeIfPresent(ImageVolumeSource.self, forKey: .image)) ?? nil
    }

    /// `volumes` of `container`: nil when absent or not an array, every entry kept otherwise.
    static func lenientList<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) -> [Volume]? {
        (try? container.decodeIfPresent([Volume].self, forKey: key)) ?? nil
    }
}

/// `volumes[].image`: the image a volume mounts and the pull policy it is pulled with.
package struct ImageVolumeSource: Decodable, Equatable, Sendable {
    package var reference: String?
    package var pullPolicy: String?

    package init(reference: String? = nil, pullPolicy: String? = nil) {
        self.reference = reference
        self.pullPolicy = pullPolicy
    }

    enum CodingKeys: String, CodingKey { case reference, pullPolicy }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        reference = (try? c.decodeIfPresent(String.self, forKey: .reference)) ?? nil
        pullPolicy = (try? c.decodeIfPresent(String.self, forKey: .pullPolicy)) ?? nil
    }
}

package struct JobTemplateSpec: Decodable, Equatable, Sendable {
    package var spec: JobSpec?
}

package struct JobSpec: Decodable, Equatable, Sendable {
    package var template: PodTemplateSpec?
}

package struct Container: Decodable, Equatable, Sendable {
    package var name: String?
    package var image: String?
    package var imagePullPolicy: String?
}

/// The AdmissionReview the webhook answers with.
package struct AdmissionReviewResponse: Sendable {
    package var apiVersion: String
    package var kind = "AdmissionReview"
    package var response: AdmissionResponse

    package init(apiVersion: String, response: AdmissionResponse) {
        self.apiVersion = apiVersion
        self.response = response
    }

    /// The answer as compact JSON, members in a fixed order.
    package func json() -> Data {
        var out = JSONOutput(capacity: 192 + (response.patch?.utf8.count ?? 0))
        out.raw(#"{"apiVersion":"#)
        out.string(apiVersion)
        out.raw(#","kind":"#)
        out.string(kind)
        out.raw(#","response":{"uid":"#)
        out.string(response.uid)
        out.raw(#","allowed":"#)
        out.bool(response.allowed)
        if let patchType = response.patchType {
            out.raw(#","patchType":"#)
            out.string(patchType)
        }
        if let patch = response.patch {
            out.raw(#","patch":"#)
            out.string(patch)
        }
        if let warnings = response.warnings {
            out.raw(#","warnings":"#)
            out.strings(warnings)
        }
        if let status = response.status {
            out.raw(#","status":{"code":"#)
            out.integer(status.code)
            out.raw(#","message":"#)
            out.string(status.message)
            out.raw("}")
        }
        out.raw("}}")
        return out.data
    }
}

package struct AdmissionResponse: Sendable {
    package var uid: String
    package var allowed: Bool
    package var patchType: String?
    /// Base64 of the JSON Patch document.
    package var patch: String?
    package var warnings: [String]?
    package var status: Status?

    /// An answer with nothing but the verdict; patch, warnings and status are added as needed.
    package init(uid: String, allowed: Bool) {
        self.uid = uid
        self.allowed = allowed
    }

    package struct Status: Sendable {
        package var code: Int
        package var message: String
    }
}
