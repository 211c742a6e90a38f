import Foundation
import ReplacerCore
import ReplacerServer
import Testing

@testable import ReplacerAdmission

/// The original-images annotation: how the reviewer recognises its own earlier answer on a reinvocation or a second
/// admission, records what it rewrote, and treats an annotation someone else made unreadable.
@Suite struct OriginalImagesAnnotationTests {
    let reviewer = AdmissionReviewer()

    func answer(_ body: Data, rules: RuleSet) async throws -> (DecodedResponse, AdmissionSummary) {
        try await reviewAnswer(body, rules: rules, reviewer: reviewer)
    }

    /// A rule that is not idempotent on its own output (it prefixes every image) must not be applied again when
    /// the webhook is reinvoked on the pod it already patched, nor when that pod is admitted a second time.
    @Test func reinvocationDoesNotReapplyARuleToItsOwnOutput() async throws {
        let rules = try await ruleSet(Self.prefixEverything)
        let object = pod(containers: ["nginx:1.25", "quay.io/app:1"])
        let (first, _) = try await answer(review(object), rules: rules)
        let patched = try apply(try #require(first.patch), to: object) as! [String: Any]
        #expect(images(patched, ["spec"]) == ["cache.corp/docker.io/library/nginx:1.25", "cache.corp/quay.io/app:1"])
        let (again, summary) = try await answer(review(patched), rules: rules)
        #expect(again.patch == nil, "a reinvocation must not prefix the images a second time")
        #expect(summary.rewrites.isEmpty)

        // Another webhook after us pinned our answer to a digest: the repository is still ours, so it is left alone
        // (and its recorded original kept) rather than prefixed again.
        let digest = "sha256:" + String(repeating: "5e", count: 32)
        var pinned = patched
        var pinnedSpec = pinned["spec"] as! [String: Any]
        pinnedSpec["containers"] = [
            ["name": "c0", "image": "cache.corp/docker.io/library/nginx:1.25@\(digest)"],
            ["name": "c1", "image": "cache.corp/quay.io/app:1"],
        ]
        pinned["spec"] = pinnedSpec
        #expect(
            try await answer(review(pinned), rules: rules).0.patch == nil,
            "a digest added by someone else is not ours to prefix")

        // An image the user changed in an UPDATE is not the webhook's output: it is rewritten as usual, and it
        // becomes the container's recorded original, so a reinvocation for this update changes nothing either.
        var edited = patched
        var spec = edited["spec"] as! [String: Any]
        spec["containers"] = [
            ["name": "c0", "image": "redis:7"], ["name": "c1", "image": "cache.corp/quay.io/app:1"],
        ]
        edited["spec"] = spec
        let update = review(edited, operation: "UPDATE", oldObject: patched)
        let (updated, _) = try await answer(update, rules: rules)
        let afterUpdate = try apply(try #require(updated.patch), to: edited) as! [String: Any]
        #expect(images(afterUpdate, ["spec"]) == ["cache.corp/docker.io/library/redis:7", "cache.corp/quay.io/app:1"])
        #expect(
            annotations(afterUpdate)[AdmissionAnnotations.originalImages]
                == #"{"containers/c0":"redis:7","containers/c1":"quay.io/app:1"}"#)
        let (reinvoked, _) = try await answer(
            review(afterUpdate, operation: "UPDATE", oldObject: patched), rules: rules)
        #expect(reinvoked.patch == nil, "a reinvocation for the update must not prefix the new image again")
    }

    /// A container the annotation does not know yet (a sidecar injected after an annotated template was written)
    /// is recorded when it is rewritten, so a reinvocation does not prefix it again.
    @Test func aContainerAddedSinceTheAnnotationIsRecordedToo() async throws {
        let rules = try await ruleSet(Self.prefixEverything)
        let object = pod(
            containers: ["cache.corp/docker.io/library/nginx", "busybox"],
            annotations: [AdmissionAnnotations.originalImages: #"{"containers/c0":"nginx"}"#])
        let (first, _) = try await answer(review(object), rules: rules)
        let patched = try apply(try #require(first.patch), to: object) as! [String: Any]
        #expect(
            images(patched, ["spec"]) == ["cache.corp/docker.io/library/nginx", "cache.corp/docker.io/library/busybox"])
        #expect(
            annotations(patched)[AdmissionAnnotations.originalImages]
                == #"{"containers/c0":"nginx","containers/c1":"busybox"}"#)
        #expect(
            try await answer(review(patched), rules: rules).0.patch == nil, "the sidecar must not be prefixed again")
    }

    static let prefixEverything = """
        apiVersion: k8s-image-replacer/v1
        kind: RuleSet
        stages:
          - name: cache
            matcher: regex
            rules:
              - match: '^(.+)$'
                replace: 'cache.corp/$1'
        """

    static let unreadableAnnotations = ["not json", "", "[]", #"{"containers/c0": 1}"#, #"{"containers/c0": "a""#]

    /// Our annotation, edited into something that is not a JSON object of strings, is not trusted: it is replaced
    /// by this pass's record, with a warning, so reinvocations are recognised again.
    @Test(arguments: unreadableAnnotations)
    func anUnreadableAnnotationIsReplacedWithAWarning(_ text: String) async throws {
        let rules = try await ruleSet(Self.prefixEverything)
        let object = pod(containers: ["nginx"], annotations: [AdmissionAnnotations.originalImages: text])
        let (response, _) = try await answer(review(object), rules: rules)
        let patched = try apply(try #require(response.patch), to: object) as! [String: Any]
        #expect(images(patched, ["spec"]) == ["cache.corp/docker.io/library/nginx"])
        #expect(annotations(patched)[AdmissionAnnotations.originalImages] == #"{"containers/c0":"nginx"}"#)
        #expect(response.warnings.contains { $0.contains("was not a JSON object of strings; replaced") })
        #expect(try await answer(review(patched), rules: rules).0.patch == nil)
    }

    /// On UPDATE only changed containers are evaluated: an annotation made unreadable in the same update is
    /// replaced by the stored object's entries for the others plus this pass's, not by this pass's alone.
    @Test func anUnreadableAnnotationOnUpdateKeepsTheStoredEntries() async throws {
        let rules = try await ruleSet(Self.prefixEverything)
        let recorded = #"{"containers/c0":"nginx"}"#
        let old = pod(
            containers: ["cache.corp/docker.io/library/nginx", "redis"],
            annotations: [AdmissionAnnotations.originalImages: recorded])
        let new = pod(
            containers: ["cache.corp/docker.io/library/nginx", "busybox"],
            annotations: [AdmissionAnnotations.originalImages: "garbled"])
        let (response, _) = try await answer(review(new, operation: "UPDATE", oldObject: old), rules: rules)
        let patched = try apply(try #require(response.patch), to: new) as! [String: Any]
        #expect(
            images(patched, ["spec"]) == ["cache.corp/docker.io/library/nginx", "cache.corp/docker.io/library/busybox"])
        #expect(
            annotations(patched)[AdmissionAnnotations.originalImages]
                == #"{"containers/c0":"nginx","containers/c1":"busybox"}"#)
        #expect(try await answer(review(patched), rules: rules).0.patch == nil)
    }
}
