// The parts of `admission.k8s.io/v1` AdmissionReview that the webhook reads and writes. Decoding ignores every
// field not named here, so the webhook keeps working as Kubernetes adds fields.

/// An AdmissionReview as the API server sends it.
package struct AdmissionReviewRequest: Decodable, Sendable {
    package var apiVersion: String?
    package var kind: String?
    package var request: AdmissionRequest?
}

package struct AdmissionRequest: Decodable, Sendable {
    package struct GroupVersionKind: Decodable, Sendable {
        package var group: String?
        package var version: String?
        package var kind: String
    }

    package struct GroupVersionResource: Decodable, Sendable {
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
package struct KubernetesObject: Decodable, Sendable {
    package var metadata: ObjectMeta?
    package var spec: ObjectSpec?
    /// `PodTemplate.template`.
    package var template: PodTemplateSpec?
}

package struct ObjectMeta: Decodable, Sendable {
    package var name: String?
    package var generateName: String?
    package var namespace: String?
    package var labels: [String: String]?
    package var annotations: [String: String]?
}

/// A Pod's spec, or a workload's spec, decoded into the same shape.
package struct ObjectSpec: Decodable, Sendable {
    package var containers: [Container]?
    package var initContainers: [Container]?
    package var ephemeralContainers: [Container]?
    /// Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, ReplicationControllers.
    package var template: PodTemplateSpec?
    /// CronJobs.
    package var jobTemplate: JobTemplateSpec?
}

package struct PodTemplateSpec: Decodable, Sendable {
    package var metadata: ObjectMeta?
    package var spec: PodSpec?
}

/// The container lists of a pod spec.
package struct PodSpec: Decodable, Sendable {
    package var containers: [Container]?
    package var initContainers: [Container]?
    package var ephemeralContainers: [Container]?

    package init(containers: [Container]?, initContainers: [Container]?, ephemeralContainers: [Container]?) {
        self.containers = containers
        self.initContainers = initContainers
        self.ephemeralContainers = ephemeralContainers
    }
}

package struct JobTemplateSpec: Decodable, Sendable {
    package var spec: JobSpec?
}

package struct JobSpec: Decodable, Sendable {
    package var template: PodTemplateSpec?
}

package struct Container: Decodable, Sendable {
    package var name: String?
    package var image: String?
    package var imagePullPolicy: String?
}

/// The AdmissionReview the webhook answers with.
package struct AdmissionReviewResponse: Encodable, Sendable {
    package var apiVersion: String
    package var kind = "AdmissionReview"
    package var response: AdmissionResponse
}

package struct AdmissionResponse: Encodable, Sendable {
    package var uid: String
    package var allowed: Bool
    package var patchType: String?
    /// Base64 of the JSON Patch document.
    package var patch: String?
    package var warnings: [String]?
    package var status: Status?

    package struct Status: Encodable, Sendable {
        package var code: Int
        package var message: String
    }
}
