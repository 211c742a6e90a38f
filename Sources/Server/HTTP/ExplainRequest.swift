#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ReplacerAdmission
import ReplacerCore

/// A `/explain` body: one or more images with an optional context, a Pod, or a whole AdmissionReview.
struct ExplainRequest: Decodable, Sendable {
    var image: String?
    var images: [String]?
    var namespace: String?
    var labels: [String: String]?
    var containerKind: String?
    /// Present when the body is a Pod.
    var metadata: ObjectMeta?
    var spec: ObjectSpec?
    /// Present when the body is an AdmissionReview.
    var request: AdmissionRequest?

    /// What to evaluate: each image with its context and, for pods, the container it belongs to.
    func subjects() throws(ExplainRequestError) -> [(image: String, context: EvaluationContext, container: String?)] {
        if let request {
            guard let object = request.object else { throw ExplainRequestError("the AdmissionReview has no object") }
            let location = PodSpecLocation.locate(request, podTemplates: true)
            guard case .success(let found) = location else {
                if case .failure(let skip) = location { throw ExplainRequestError("the webhook would not rewrite this request: \(skip)") }
                throw ExplainRequestError("the webhook would not rewrite this request")
            }
            let (spec, metadata) = found.resolve(object)
            return pod(spec, metadata, namespace: request.namespace, operation: request.operation, kinds: found.kinds)
        }
        if let spec {
            let podSpec = PodSpec(containers: spec.containers, initContainers: spec.initContainers, ephemeralContainers: spec.ephemeralContainers)
            return pod(podSpec, metadata, namespace: namespace ?? metadata?.namespace, operation: nil, kinds: ContainerKind.allCases)
        }
        let all = (image.map { [$0] } ?? []) + (images ?? [])
        guard !all.isEmpty else {
            throw ExplainRequestError("give \"image\" or \"images\" (with optional namespace, labels, containerKind), a Pod, or an AdmissionReview")
        }
        var kind = ContainerKind.containers
        if let containerKind {
            guard let parsed = ContainerKind(rawValue: containerKind) else {
                throw ExplainRequestError("containerKind must be one of \(ContainerKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            kind = parsed
        }
        let context = EvaluationContext(namespace: namespace, labels: labels ?? [:], containerKind: kind)
        return all.map { ($0, context, nil) }
    }

    private func pod(_ spec: PodSpec?, _ metadata: ObjectMeta?, namespace: String?, operation: String?, kinds: [ContainerKind])
        -> [(image: String, context: EvaluationContext, container: String?)]
    {
        var subjects: [(image: String, context: EvaluationContext, container: String?)] = []
        for kind in kinds {
            for (index, container) in (spec?.containers(kind) ?? []).enumerated() {
                guard let image = container.image else { continue }
                let name = container.name ?? "#\(index)"
                let context = EvaluationContext(
                    namespace: namespace, podName: metadata?.name ?? metadata?.generateName, labels: metadata?.labels ?? [:],
                    containerName: name, containerKind: kind, operation: operation)
                subjects.append((image, context, "\(kind.rawValue)/\(name)"))
            }
        }
        return subjects
    }
}

struct ExplainRequestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
