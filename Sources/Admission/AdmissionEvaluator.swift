import ReplacerCore

/// The one evaluation behind `/mutate`, `/explain` and the CLI: an image of a pod (or a bare image with a context)
/// is left alone when Kubernetes or the webhook's own earlier answer says so, and runs through the pipeline
/// otherwise.
///
/// The routes and commands only adapt its answers (a JSON Patch, a trace document, text), so what `explain` shows
/// is what `/mutate` does.
package struct AdmissionEvaluator: Sendable {
    package let pipeline: Pipeline
    package var ruleSet: RuleSet { pipeline.ruleSet }

    /// `usesMemo: false` runs the stages every time (`test` checks the stages, never the memo).
    package init(_ ruleSet: RuleSet, usesMemo: Bool = true) {
        pipeline = Pipeline(ruleSet, usesMemo: usesMemo)
    }

    /// Why an image with `imagePullPolicy: Never` is left alone.
    package static let pullPolicyNever =
        "imagePullPolicy is Never: the node must already hold this exact image, so it is not rewritten"

    /// What becomes of one image in `context`. `recordedOriginal` is what the original-images annotation recorded
    /// for its container, when the image belongs to an object that has one.
    package func evaluate(
        _ image: String, context: EvaluationContext, recordedOriginal: String? = nil, trace: Bool
    ) async -> PipelineResult {
        if context.imagePullPolicy == "Never" {
            // The kubelet looks the image up on the node by this exact name; any other name would fail the pod.
            return pipeline.notRun(image, because: Self.pullPolicyNever, trace: trace)
        }
        if let original = recordedOriginal, await isEarlierAnswer(image, of: original, context: context) {
            let why =
                "the image is this webhook's own rewrite of \(original) (recorded in "
                + "\(AdmissionAnnotations.originalImages)), which /mutate leaves alone"
            return pipeline.notRun(image, because: why, trace: trace)
        }
        return await pipeline.run(image, context: context, trace: trace)
    }

    /// Every subject of `found`, in order, against `recorded`: the originals its annotation recorded
    /// (`found.recordedOriginals`, which a caller that needs them too reads once and passes in). Result `i` is
    /// subject `i`'s.
    ///
    /// Without a trace (the admission path) the pod's fate is all that matters: it stops after the first denial (so
    /// there may be fewer results than subjects), and gives up (nil) when `until` passes before a subject, for the
    /// caller to admit the pod unchanged. A traced evaluation shows every subject.
    package func evaluate(
        _ found: ReviewSubjects, recorded: [String: String]? = nil, trace: Bool, until: ContinuousClock.Instant? = nil
    ) async -> [PipelineResult]? {
        let recorded = recorded ?? found.recordedOriginals ?? [:]
        var results: [PipelineResult] = []
        results.reserveCapacity(found.subjects.count)
        for subject in found.subjects {
            if let until, ContinuousClock.now >= until { return nil }
            // `isEmpty` first: most pods carry no annotation, and the lookup would hash the label for nothing.
            let original = recorded.isEmpty ? nil : recorded[subject.label]
            let result = await evaluate(
                subject.image, context: subject.context, recordedOriginal: original, trace: trace)
            results.append(result)
            if !trace, result.denial != nil { break }
        }
        return results
    }

    /// Whether `image` is this webhook's own earlier answer for a container whose recorded original is
    /// `original`: the rules, as they are now, make `image` of it, or the same repository with another tag or
    /// digest (another webhook after us pinned our answer to a digest, or a user moved it to another tag of our
    /// mirror).
    ///
    /// Such a container is left alone (a reinvocation, or a pod re-applied with the annotation): rewriting the
    /// output again could apply a rule that is not idempotent on its own output. When the rules have changed
    /// since and name another repository, the image is no longer their answer and is evaluated like any other.
    package func isEarlierAnswer(_ image: String, of original: String, context: EvaluationContext) async -> Bool {
        guard original != image else { return false }
        let earlier = await pipeline.run(original, context: context, trace: false)
        guard earlier.denial == nil, earlier.changed else { return false }
        if earlier.image == image { return true }
        guard let ours = try? ImageReference.normalized(earlier.image), let now = try? ImageReference.normalized(image)
        else { return false }
        return ours.name == now.name
    }
}

extension AdmissionEvaluator {
    /// The trace of every image `target` names, as `/explain` returns it.
    package func explain(_ target: ExplainRequest.Target) async -> [ExplainDocument.Result] {
        switch target {
        case .images(let images, let context):
            var results: [ExplainDocument.Result] = []
            for image in images {
                results.append(ExplainDocument.Result(await evaluate(image, context: context, trace: true)))
            }
            return results
        case .object(let found):
            let results = await evaluate(found, trace: true) ?? []
            return zip(found.subjects, results).map { ExplainDocument.Result($1, container: $0.label) }
        }
    }
}
