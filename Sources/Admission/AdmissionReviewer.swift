#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ReplacerCore

/// Turns an AdmissionReview into its answer: the pipeline applied to every container image the request allows
/// the webhook to change, as a JSON Patch.
///
/// The reviewer never denies a pod. Anything it cannot or may not rewrite is admitted unchanged, with an admission
/// warning when the user should know (a refused rewrite, a failing stage); only a body that is not an
/// AdmissionReview at all is rejected, with HTTP 400, because there is no request to answer.
public struct AdmissionReviewer: Sendable {
    /// Records the images as they were before the first rewrite, as JSON keyed by `kind/name`.
    public static let originalImagesAnnotation = "k8s-image-replacer.dev/original-images"
    /// `"true"` on a pod (or pod template) opts it out of every rewrite.
    public static let skipAnnotation = "k8s-image-replacer.dev/skip"
    /// Set by the kubelet on mirror pods of static pods, which the API server cannot change anyway.
    public static let mirrorPodAnnotation = "kubernetes.io/config.mirror"
    /// The annotation key as a JSON Pointer token, escaped once rather than per request.
    package static let escapedAnnotationToken = JSONPatch.escape(originalImagesAnnotation)
    /// Kubernetes shows warnings to users; longer ones are truncated by clients, so keep them short.
    public static let maxWarningLength = 120

    /// How long rewriting one request may take before the pod is admitted unchanged. Well below the API server's
    /// webhook timeout (10 s by default), so that our answer, not the API server's failure policy, decides.
    public var deadline: Duration

    public init(deadline: Duration = .seconds(8)) {
        self.deadline = deadline
    }

    /// Reviews one request body against `ruleSet`.
    ///
    /// Never fails: a body that is not an AdmissionReview gives `.rejected` (HTTP 400 with a message naming the
    /// byte or field); everything else gives an answer that admits the pod, patched or not, unless a stage was
    /// configured to deny.
    public func review(_ body: Data, ruleSet: RuleSet) async -> AdmissionOutcome {
        let review: AdmissionReviewRequest
        do throws(JSONReadError) {
            review = try AdmissionReviewRequest(json: body)
        } catch {
            // A top-level `kind` that is an object is an AdmissionRequest's GroupVersionKind: someone posted the
            // request (as many policy test fixtures store it) without the AdmissionReview around it.
            let kindIsObject = error.path == ["kind"] && error.kind == .wrongType(expected: "a string")
                && error.offset.map { $0 < body.count && body[body.startIndex + $0] == UInt8(ascii: "{") } == true
            let hint = kindIsObject
                ? #"; this looks like a bare AdmissionRequest: wrap it as {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{...}}"#
                : ""
            return .rejected(status: 400, message: "the body is not an AdmissionReview: \(error)\(hint)")
        }
        guard let request = review.request else {
            return .rejected(status: 400, message: "the AdmissionReview has no \"request\"")
        }
        let apiVersion = review.answerVersion
        let (patch, summary): (JSONPatch, AdmissionSummary)
        if ruleSet.runsWithoutWaiting {
            // Nothing in these rules can wait, so nothing can outlast the deadline: skip the race and its two
            // thread hand-offs.
            var inlineSummary = AdmissionSummary(request: request)
            patch = await rewrite(request, ruleSet: ruleSet, summary: &inlineSummary)
            summary = inlineSummary
        } else {
            (patch, summary) = await rewriteWithinDeadline(request, ruleSet: ruleSet)
        }
        return answer(request, apiVersion: apiVersion, patch: patch, summary: summary)
    }

    private func answer(_ request: AdmissionRequest, apiVersion: String, patch: JSONPatch, summary: AdmissionSummary)
        -> AdmissionOutcome
    {
        var response = AdmissionResponse(uid: request.uid, allowed: true)
        if let denial = summary.denial {
            // A stage the user configured to deny (e.g. a digest stage with onError: deny) refused this pod.
            response.allowed = false
            response.status = .init(code: 403, message: "k8s-image-replacer: \(denial)")
        } else if !patch.isEmpty {
            response.patch = patch.encoded().base64EncodedString()
            response.patchType = "JSONPatch"
        }
        if !summary.warnings.isEmpty { response.warnings = summary.warnings.map(Self.clip) }
        return .answer(AdmissionReviewResponse(apiVersion: apiVersion, response: response).json(), summary)
    }

    /// Races the rewrite against the deadline; on timeout the pod is admitted unchanged with a warning.
    private func rewriteWithinDeadline(_ request: AdmissionRequest, ruleSet: RuleSet) async -> (JSONPatch, AdmissionSummary) {
        let deadline = self.deadline
        return await withTaskGroup(of: (JSONPatch, AdmissionSummary)?.self) { group in
            group.addTask {
                var summary = AdmissionSummary(request: request)
                let patch = await self.rewrite(request, ruleSet: ruleSet, summary: &summary)
                return (patch, summary)
            }
            group.addTask {
                try? await Task.sleep(for: deadline)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if let first { return first }
            var summary = AdmissionSummary(request: request)
            summary.timedOut = true
            summary.warnings.append("k8s-image-replacer: rewriting took longer than \(deadline); pod admitted unchanged")
            return (JSONPatch(), summary)
        }
    }

    private func rewrite(_ request: AdmissionRequest, ruleSet: RuleSet, summary: inout AdmissionSummary) async -> JSONPatch {
        guard let object = request.object else {
            summary.skipped = "the request carries no object"
            return JSONPatch()
        }
        let location: PodSpecLocation
        switch PodSpecLocation.locate(request, podTemplates: ruleSet.admission.podTemplates) {
        case .success(let found): location = found
        case .failure(let skip):
            summary.skipped = skip.description
            return JSONPatch()
        }
        let (spec, metadata) = location.resolve(object)
        let annotations = metadata?.annotations ?? [:]
        if annotations[Self.mirrorPodAnnotation] != nil {
            summary.skipped = "mirror pod"
            return JSONPatch()
        }
        if annotations[Self.skipAnnotation]?.lowercased() == "true" {
            summary.skipped = "opted out by \(Self.skipAnnotation)"
            return JSONPatch()
        }
        guard let spec else {
            summary.skipped = "the object has no pod spec"
            return JSONPatch()
        }
        let old = request.oldObject.flatMap { location.resolve($0).spec }
        let pipeline = Pipeline(ruleSet)
        var patch = JSONPatch()
        var originals: [String: String] = [:]
        for kind in location.kinds {
            let previous = Dictionary(
                (old?.containers(kind) ?? []).compactMap { c in c.name.map { ($0, c.image ?? "") } },
                uniquingKeysWith: { first, _ in first })
            for (index, container) in spec.containers(kind).enumerated() {
                guard let image = container.image, !image.isEmpty else { continue }
                let name = container.name ?? "#\(index)"
                if location.onlyChanged, previous[name] == image { continue }
                let context = EvaluationContext(
                    namespace: request.namespace ?? metadata?.namespace, podName: metadata?.name ?? metadata?.generateName,
                    labels: metadata?.labels ?? [:], containerName: name, containerKind: kind, operation: request.operation,
                    imagePullPolicy: container.imagePullPolicy)
                let result = await pipeline.run(image, context: context, trace: false)
                if let denial = result.denial {
                    summary.denial = "\(kind.rawValue)/\(name): \(denial)"
                    return JSONPatch()
                }
                for warning in result.warnings { summary.warnings.append("\(kind.rawValue)/\(name): \(warning)") }
                summary.refusedBy += result.refusedBy
                summary.rewrittenBy += result.rewrittenBy
                summary.fellBackBy += result.fellBackBy
                summary.unverifiedBy += result.unverifiedBy
                guard result.changed else { continue }
                patch.replace("\(location.specPointer)/\(kind.rawValue)/\(index)/image", with: result.image)
                originals["\(kind.rawValue)/\(name)"] = image
                summary.rewrites.append(.init(container: "\(kind.rawValue)/\(name)", from: image, to: result.image))
            }
        }
        // The annotation keeps the first pass's originals: a reinvocation or a later update must not overwrite
        // them with already-rewritten images.
        if !originals.isEmpty, let metadataPointer = location.metadataPointer,
            annotations[Self.originalImagesAnnotation] == nil
        {
            let json = Self.json(originals)
            // JSON Patch `add` needs the parent to exist: a template may have no metadata, a pod no annotations.
            if metadata == nil {
                patch.add(metadataPointer, .object(["annotations": .object([Self.originalImagesAnnotation: .string(json)])]))
            } else if metadata?.annotations == nil {
                patch.add("\(metadataPointer)/annotations", .object([Self.originalImagesAnnotation: .string(json)]))
            } else {
                patch.add("\(metadataPointer)/annotations/\(Self.escapedAnnotationToken)", .string(json))
            }
        }
        return patch
    }

    private static func json(_ map: [String: String]) -> String {
        var out = JSONOutput(capacity: 64 * map.count)
        out.sortedObject(map)
        return out.text
    }

    package static func clip(_ warning: String) -> String {
        guard warning.count > maxWarningLength else { return warning }
        return String(warning.prefix(maxWarningLength - 1)) + "…"
    }

    /// Decoding errors name the offending field without echoing the body back.
    package static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing \"\(key.stringValue)\" at \(path(context.codingPath))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at \(path(context.codingPath))"
        case DecodingError.dataCorrupted(let context):
            return context.codingPath.isEmpty ? "invalid JSON" : "invalid value at \(path(context.codingPath))"
        default:
            return "invalid JSON"
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.isEmpty ? "the top level" : codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}
