// The parts of `admission.k8s.io/v1` AdmissionReview that the webhook reads and writes. Decoding ignores every
// field not named here, so the webhook keeps working as Kubernetes adds fields.

/// An AdmissionReview as the API server sends it.
struct AdmissionReviewRequest: Decodable, Sendable {
    var apiVersion: String?
    var kind: String?
    var request: AdmissionRequest?
}

struct AdmissionRequest: Decodable, Sendable {
    struct GroupVersionKind: Decodable, Sendable {
        var group: String?
        var version: String?
        var kind: String
    }

    struct GroupVersionResource: Decodable, Sendable {
        var group: String?
        var version: String?
        var resource: String
    }

    var uid: String
    var kind: GroupVersionKind?
    var resource: GroupVersionResource?
    var subResource: String?
    var operation: String?
    var namespace: String?
    var name: String?
    var dryRun: Bool?
    var object: KubernetesObject?
    var oldObject: KubernetesObject?
}

/// Any object whose pod spec the webhook may rewrite. All fields are optional so one type decodes Pods, the
/// workload kinds and PodTemplates alike; `PodSpecLocation` says which field holds the pod spec for a kind.
struct KubernetesObject: Decodable, Sendable {
    var metadata: ObjectMeta?
    var spec: ObjectSpec?
    /// `PodTemplate.template`.
    var template: PodTemplateSpec?
}

struct ObjectMeta: Decodable, Sendable {
    var name: String?
    var generateName: String?
    var namespace: String?
    var labels: [String: String]?
    var annotations: [String: String]?
}

/// A Pod's spec, or a workload's spec, decoded into the same shape.
struct ObjectSpec: Decodable, Sendable {
    var containers: [Container]?
    var initContainers: [Container]?
    var ephemeralContainers: [Container]?
    /// Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, ReplicationControllers.
    var template: PodTemplateSpec?
    /// CronJobs.
    var jobTemplate: JobTemplateSpec?
}

struct PodTemplateSpec: Decodable, Sendable {
    var metadata: ObjectMeta?
    var spec: PodSpec?
}

/// The container lists of a pod spec.
struct PodSpec: Decodable, Sendable {
    var containers: [Container]?
    var initContainers: [Container]?
    var ephemeralContainers: [Container]?
}

struct JobTemplateSpec: Decodable, Sendable {
    var spec: JobSpec?
}

struct JobSpec: Decodable, Sendable {
    var template: PodTemplateSpec?
}

struct Container: Decodable, Sendable {
    var name: String?
    var image: String?
    var imagePullPolicy: String?
}

/// The AdmissionReview the webhook answers with.
struct AdmissionReviewResponse: Encodable, Sendable {
    var apiVersion: String
    var kind = "AdmissionReview"
    var response: AdmissionResponse
}

struct AdmissionResponse: Encodable, Sendable {
    var uid: String
    var allowed: Bool
    var patchType: String?
    /// Base64 of the JSON Patch document.
    var patch: String?
    var warnings: [String]?
    var status: Status?

    struct Status: Encodable, Sendable {
        var code: Int
        var message: String
    }
}
