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

    /// One image to trace, with its context and, for pods, the container it belongs to (`kind/name`).
    typealias Subject = (image: String, context: EvaluationContext, container: String?)

    /// What to evaluate: each image with its context and, for pods, the container it belongs to, plus the originals
    /// an earlier pass recorded in the pod's annotation (by container), so the caller can tell which containers
    /// hold the webhook's own earlier answer. A Pod or an AdmissionReview gives the containers `/mutate` would
    /// evaluate, with the same contexts (`podTemplates` is the running rules' switch); a request the webhook leaves
    /// alone is an error that says why.
    func subjects(podTemplates: Bool) throws(ExplainRequestError) -> (subjects: [Subject], recorded: [String: String]) {
        if let request {
            guard request.object != nil else { throw ExplainRequestError("the AdmissionReview has no object") }
            return try Self.pod(ReviewSubjects.of(request, podTemplates: podTemplates))
        }
        if metadata != nil || spec != nil {
            return try Self.pod(ReviewSubjects.of(pod: metadata, spec: spec, namespace: namespace))
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
        return (all.map { ($0, context, nil) }, [:])
    }

    private static func pod(_ found: Result<ReviewSubjects, ReviewSubjects.Skip>) throws(ExplainRequestError)
        -> (subjects: [Subject], recorded: [String: String])
    {
        switch found {
        case .success(let found): return (found.subjects.map { ($0.image, $0.context, $0.label) }, found.recordedOriginals ?? [:])
        case .failure(let skip): throw ExplainRequestError("the webhook would not rewrite this request: \(skip)")
        }
    }
}

struct ExplainRequestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
