#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

// Decodable and Encodable mirrors of the AdmissionReview fields the reviewer reads and writes, timed through
// JSONDecoder/JSONEncoder: what the reviewer's JSON work cost before it got its own reader and writer
// (ReplacerAdmission's JSONCursor and JSONOutput, package-internal), kept as the reference point.

struct ReviewShape: Decodable {
    struct Request: Decodable {
        struct GVK: Decodable { var group: String?, version: String?, kind: String }
        struct GVR: Decodable { var group: String?, version: String?, resource: String }
        var uid: String
        var kind: GVK?
        var resource: GVR?
        var subResource: String?
        var operation: String?
        var namespace: String?
        var name: String?
        var dryRun: Bool?
        var object: Object?
        var oldObject: Object?
    }
    struct Object: Decodable { var metadata: Meta?, spec: Spec?, template: Template? }
    struct Meta: Decodable {
        var name: String?, generateName: String?, namespace: String?
        var labels: [String: String]?, annotations: [String: String]?
    }
    struct Spec: Decodable {
        var containers: [Container]?, initContainers: [Container]?, ephemeralContainers: [Container]?
        var template: Template?, jobTemplate: JobTemplate?
    }
    struct PodSpec: Decodable {
        var containers: [Container]?, initContainers: [Container]?, ephemeralContainers: [Container]?
    }
    struct Template: Decodable { var metadata: Meta?, spec: PodSpec? }
    struct JobTemplate: Decodable {
        struct JobSpec: Decodable { var template: Template? }
        var spec: JobSpec?
    }
    struct Container: Decodable { var name: String?, image: String?, imagePullPolicy: String? }

    var apiVersion: String?
    var kind: String?
    var request: Request?
}

enum EncodeShape {
    struct Operation: Encodable { var op: String, path: String, value: String }
    struct Response: Encodable {
        var uid: String, allowed: Bool, patchType: String?, patch: String?, warnings: [String]?
    }
    struct Review: Encodable { var apiVersion: String, kind = "AdmissionReview", response: Response }

    static func encodeAnswer() -> Data? {
        let originals = [
            "containers/app": "ghcr.io/org/app:v1.2.3", "containers/metrics": "quay.io/prometheus/node-exporter:v1.8.0",
            "initContainers/setup": "busybox:1.36",
        ]
        let annotationEncoder = JSONEncoder()
        annotationEncoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let annotation = try? annotationEncoder.encode(originals) else { return nil }
        let operations = [
            Operation(op: "replace", path: "/spec/containers/0/image", value: "mirror.corp/ghcr/org/app:v1.2.3"),
            Operation(
                op: "replace", path: "/spec/containers/1/image",
                value: "mirror.corp/quay/prometheus/node-exporter:v1.8.0"),
            Operation(
                op: "replace", path: "/spec/initContainers/0/image", value: "mirror.corp/hub/library/busybox:1.36"),
            Operation(
                op: "add", path: "/metadata/annotations/k8s-image-replacer.dev~1original-images",
                value: String(decoding: annotation, as: UTF8.self)),
        ]
        let patchEncoder = JSONEncoder()
        patchEncoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let patch = try? patchEncoder.encode(operations) else { return nil }
        let response = Response(
            uid: "705ab4f5-6393-11e8-b7cc-42010a800002", allowed: true, patchType: "JSONPatch",
            patch: patch.base64EncodedString(), warnings: nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try? encoder.encode(Review(apiVersion: "admission.k8s.io/v1", response: response))
    }
}
