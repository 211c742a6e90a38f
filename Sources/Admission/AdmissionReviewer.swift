import ReplacerCore
import ReplacerJSON

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Turns an AdmissionReview into its answer: the pipeline applied to every container image the request allows
/// the webhook to change, as a JSON Patch.
///
/// The reviewer denies a pod only when a stage the user configured to deny says so (e.g. `onError: deny`).
/// Anything else it cannot or may not rewrite is admitted unchanged, with an admission warning when the user should
/// know (a refused rewrite, a failing stage); only a body that is not an AdmissionReview at all is rejected, with
/// HTTP 400, because there is no request to answer.
public struct AdmissionReviewer: Sendable {
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
            let kindIsObject =
                error.path == ["kind"] && error.kind == .wrongType(expected: "a string")
                && error.offset.map { $0 < body.count && body[body.startIndex + $0] == UInt8(ascii: "{") } == true
            let hint =
                kindIsObject
                ? #"; this looks like a bare AdmissionRequest: wrap it as {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{...}}"#
                : ""
            return .rejected(status: 400, message: "the body is not an AdmissionReview: \(error)\(hint)")
        }
        if let problem = Self.envelopeProblem(kind: review.kind, apiVersion: review.apiVersion) {
            return .rejected(status: 400, message: problem)
        }
        guard let request = review.request else {
            return .rejected(status: 400, message: "the AdmissionReview has no \"request\"")
        }
        let apiVersion = review.answerVersion
        let (patch, summary): (JSONPatch, AdmissionSummary)
        if ruleSet.runsWithoutWaiting {
            // Nothing in these rules waits, so there is nothing to race: skip the race and its two thread hand-offs.
            // Their work is bounded per image (regex match limits), but not per pod, so `rewrite` checks the
            // deadline between containers.
            var inlineSummary = AdmissionSummary(request: request)
            patch = await rewrite(request, ruleSet: ruleSet, summary: &inlineSummary, until: .now + deadline)
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

    /// Races the rewrite against the deadline; on timeout the pod is admitted unchanged with a warning, without
    /// waiting for a stage that does not stop when cancelled (see `DeadlineRace`).
    private func rewriteWithinDeadline(_ request: AdmissionRequest, ruleSet: RuleSet) async -> (
        JSONPatch, AdmissionSummary
    ) {
        let finished = await DeadlineRace.run(within: deadline) {
            var summary = AdmissionSummary(request: request)
            let patch = await self.rewrite(request, ruleSet: ruleSet, summary: &summary)
            return (patch, summary)
        }
        if let finished { return finished }
        return (JSONPatch(), timedOut(AdmissionSummary(request: request)))
    }

    /// `summary` for a pod admitted unchanged because the deadline passed: nothing of the pass is applied, so
    /// nothing of it is reported or counted either.
    private func timedOut(_ summary: AdmissionSummary) -> AdmissionSummary {
        var summary = summary
        summary.rewrites = []
        summary.events = []
        summary.warnings = [Self.timeoutWarning(deadline)]
        summary.timedOut = true
        return summary
    }

    /// The patch for `request`. Past `until` (checked before each container) it gives up: the pod is admitted
    /// unchanged, with the warning a timed-out admission gets.
    private func rewrite(
        _ request: AdmissionRequest, ruleSet: RuleSet, summary: inout AdmissionSummary,
        until: ContinuousClock.Instant? = nil
    ) async -> JSONPatch {
        let found: ReviewSubjects
        switch ReviewSubjects.of(request, podTemplates: ruleSet.admission.podTemplates) {
        case .success(let subjects): found = subjects
        case .failure(let skip):
            summary.skipped = skip.description
            return JSONPatch()
        }
        // Read once: nil when the annotation is there but unreadable, which `recordOriginals` must know.
        let readable = found.recordedOriginals
        guard
            let results = await AdmissionEvaluator(ruleSet).evaluate(
                found, recorded: readable ?? [:], trace: false, until: until)
        else {
            summary = timedOut(summary)
            return JSONPatch()
        }
        var patch = JSONPatch()
        var originals: [String: String] = [:]
        for (subject, result) in zip(found.subjects, results) {
            if let denial = result.denial {
                summary.denial = "\(subject.label): \(denial)"
                return JSONPatch()
            }
            for warning in result.warnings { summary.warnings.append(Self.warning(warning, label: subject.label)) }
            summary.events += result.events
            guard result.changed else { continue }
            patch.replace(subject.pointer(in: found.location.specPointer), with: result.image)
            originals[subject.label] = subject.image
            summary.rewrites.append(.init(container: subject.label, from: subject.image, to: result.image))
        }
        if !originals.isEmpty, let metadataPointer = found.location.metadataPointer {
            if recordOriginals(
                originals, recorded: readable, found: found, at: metadataPointer, in: &patch)
            {
                summary.warnings.append(
                    "k8s-image-replacer: \(AdmissionAnnotations.originalImages) was not a JSON object of strings; replaced"
                )
            }
        }
        return patch
    }

    /// Adds the images this pass rewrote to the original-images annotation at `metadataPointer`; true when an
    /// unreadable annotation (`recorded` nil) was replaced.
    ///
    /// Every image this pass rewrote is the original of its container from now on: it was not this webhook's
    /// earlier answer (those are left alone before they get here), so it is what a user, a template or an
    /// injector wrote. Recording it, also for a container added since the annotation was written (a sidecar) and
    /// over a stale entry, is what lets the reinvocation check recognise this pass's answer; without it, a rule
    /// that rewrites its own output would rewrite that container again on every pass. Entries of containers left
    /// alone are kept.
    private func recordOriginals(
        _ originals: [String: String], recorded: [String: String]?, found: ReviewSubjects, at metadataPointer: String,
        in patch: inout JSONPatch
    ) -> Bool {
        guard let metadata = found.metadata else {
            // JSON Patch `add` needs the parent to exist: a template may have no metadata, a pod no annotations.
            patch.add(
                metadataPointer,
                .object(["annotations": .object([AdmissionAnnotations.originalImages: .string(Self.json(originals))])]))
            return false
        }
        guard let annotations = metadata.annotations else {
            patch.add(
                "\(metadataPointer)/annotations",
                .object([AdmissionAnnotations.originalImages: .string(Self.json(originals))]))
            return false
        }
        let pointer = "\(metadataPointer)/annotations/\(AdmissionAnnotations.escapedOriginalImagesToken)"
        guard annotations[AdmissionAnnotations.originalImages] != nil else {
            patch.add(pointer, .string(Self.json(originals)))
            return false
        }
        guard let recorded else {
            // On UPDATE only changed containers are subjects: keep what the stored object recorded for the others,
            // or a later pass (a pod from this template) would not recognise their images as ours.
            let kept = found.location.onlyChanged ? found.previouslyRecordedOriginals ?? [:] : [:]
            patch.replace(pointer, with: Self.json(kept.merging(originals) { _, new in new }))
            return true
        }
        if originals.contains(where: { recorded[$0.key] != $0.value }) {
            patch.replace(pointer, with: Self.json(recorded.merging(originals) { _, new in new }))
        }
        return false
    }

    /// Why a review's `kind` and `apiVersion` are not an AdmissionReview's, or nil. Both are optional (the request
    /// is what matters), but when present they must say AdmissionReview: a Pod or another object posted by mistake
    /// would otherwise be read as an empty review. `/explain` asks the same of the reviews it is given.
    package static func envelopeProblem(kind: String?, apiVersion: String?) -> String? {
        if let kind, kind != "AdmissionReview" { return "the body is a \(kind), not an AdmissionReview" }
        if let apiVersion, apiVersion != "admission.k8s.io/v1", apiVersion != "admission.k8s.io/v1beta1" {
            return "apiVersion \(apiVersion) is not admission.k8s.io/v1 (or v1beta1); the API server sends those"
        }
        return nil
    }

    static func timeoutWarning(_ deadline: Duration) -> String {
        "k8s-image-replacer: rewriting took longer than \(deadline); pod admitted unchanged"
    }

    /// A warning for the user, `kind/name: text`. The container label is shortened first when the whole would
    /// not fit `maxWarningLength`, so the stage the text names survives the cut.
    package static func warning(_ text: String, label: String) -> String {
        let room = maxWarningLength - text.count - 2
        let shown = label.count <= max(room, 24) ? label : String(label.prefix(max(room, 24) - 1)) + "…"
        return clip("\(shown): \(text)")
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
}
