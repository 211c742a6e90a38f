import Foundation
import ReplacerCore
import ReplacerServer
import Testing

@testable import ReplacerAdmission

@Suite struct AdmissionReviewerTests {
    let reviewer = AdmissionReviewer()

    func answer(_ body: Data, rules: RuleSet) async throws -> (DecodedResponse, AdmissionSummary) {
        try await reviewAnswer(body, rules: rules, reviewer: reviewer)
    }

    @Test func rewritesEveryContainerKindAndRecordsOriginals() async throws {
        let object = pod(
            containers: ["nginx:1.25", "quay.io/app:1"], initContainers: ["busybox"], ephemeralContainers: ["alpine"])
        let (response, summary) = try await answer(review(object), rules: try await ruleSet())
        #expect(response.uid == "705ab4f5-6393-11e8-b7cc-42010a800002")
        #expect(response.allowed)
        #expect(response.apiVersion == "admission.k8s.io/v1")
        let patched = try apply(try #require(response.patch), to: object)
        #expect(images(patched, ["spec"]) == ["mirror.corp/hub/library/nginx:1.25", "quay.io/app:1"])
        #expect(images(patched, ["spec"], "initContainers") == ["mirror.corp/hub/library/busybox"])
        #expect(images(patched, ["spec"], "ephemeralContainers") == ["mirror.corp/hub/library/alpine"])
        let recorded = try #require(annotations(patched)[AdmissionAnnotations.originalImages])
        #expect(
            recorded
                == #"{"containers/c0":"nginx:1.25","ephemeralContainers/e0":"alpine","initContainers/i0":"busybox"}"#)
        #expect(summary.rewrites.count == 3)
        #expect(response.warnings.isEmpty)
    }

    @Test func addsToExistingAnnotationsWithAnEscapedPointer() async throws {
        let object = pod(containers: ["nginx"], annotations: ["a/b~c": "kept"])
        let (response, _) = try await answer(review(object), rules: try await ruleSet())
        let patch = try #require(response.patch)
        #expect(
            patch.contains {
                ($0["path"] as? String) == "/metadata/annotations/k8s-image-replacer.dev~1original-images"
            })
        let patched = try apply(patch, to: object)
        #expect(annotations(patched)["a/b~c"] == "kept")
        #expect(annotations(patched)[AdmissionAnnotations.originalImages] == #"{"containers/c0":"nginx"}"#)
    }

    @Test func secondAdmissionOfARewrittenPodChangesNothing() async throws {
        let rules = try await ruleSet()
        let object = pod(containers: ["nginx", "redis:7"], initContainers: ["busybox"])
        let (first, _) = try await answer(review(object), rules: rules)
        let patched = try apply(try #require(first.patch), to: object) as! [String: Any]
        let (second, summary) = try await answer(review(patched), rules: rules)
        #expect(second.patch == nil)
        #expect(summary.rewrites.isEmpty)
    }

    /// An image the webhook rewrites is not its own earlier answer (those are left alone), so it becomes the
    /// container's recorded original, also over a stale entry: the next pass must recognise this pass's answer.
    @Test func aRewrittenImageBecomesItsContainersRecordedOriginal() async throws {
        let rules = try await ruleSet()
        let object = pod(
            containers: ["nginx"],
            annotations: [AdmissionAnnotations.originalImages: "{\"containers/c0\":\"x\"}"])
        let (response, _) = try await answer(review(object), rules: rules)
        let patched = try apply(try #require(response.patch), to: object) as! [String: Any]
        #expect(images(patched, ["spec"]) == ["mirror.corp/hub/library/nginx"])
        #expect(annotations(patched)[AdmissionAnnotations.originalImages] == #"{"containers/c0":"nginx"}"#)
        #expect(try await answer(review(patched), rules: rules).0.patch == nil)
    }

    @Test func refusedRewriteAdmitsTheOriginalWithAShortWarning() async throws {
        let object = pod(containers: ["quay.io/broken/thing:1", "nginx"])
        let (response, _) = try await answer(review(object), rules: try await ruleSet())
        let patched = try apply(try #require(response.patch), to: object)
        #expect(images(patched, ["spec"]) == ["quay.io/broken/thing:1", "mirror.corp/hub/library/nginx"])
        #expect(response.warnings.count == 1)
        #expect(
            response.warnings[safe: 0]?.hasPrefix(
                "containers/c0: stage quay-broken: rewrite refused, not a valid image reference") == true)
        #expect(response.warnings.allSatisfy { $0.count <= AdmissionReviewer.maxWarningLength })
    }

    @Test func invalidImageIsAdmittedUnchangedWithAWarning() async throws {
        let object = pod(containers: ["Not Valid"])
        let (response, _) = try await answer(review(object), rules: try await ruleSet())
        #expect(response.patch == nil)
        #expect(response.warnings.count == 1)
        #expect(response.warnings[safe: 0]?.contains("not a valid reference") == true)
    }

    @Test func dryRunGetsTheSameAnswer() async throws {
        let object = pod(containers: ["nginx"])
        let rules = try await ruleSet()
        let (wet, _) = try await answer(review(object), rules: rules)
        let (dry, summary) = try await answer(review(object, dryRun: true), rules: rules)
        #expect(summary.dryRun)
        #expect(
            try apply(try #require(dry.patch), to: object) as? NSDictionary
                == (try apply(try #require(wet.patch), to: object) as? NSDictionary))
    }

    @Test(arguments: [
        [AdmissionAnnotations.skip: "true"], [AdmissionAnnotations.skip: "True"],
        [AdmissionAnnotations.mirrorPod: "abc"],
    ])
    func optedOutAndMirrorPodsAreLeftAlone(_ annotations: [String: String]) async throws {
        let (response, summary) = try await answer(
            review(pod(containers: ["nginx"], annotations: annotations)), rules: try await ruleSet())
        #expect(response.patch == nil)
        #expect(summary.skipped != nil)
    }

    @Test func ephemeralContainerSubresourceRewritesOnlyNewContainers() async throws {
        let old = pod(containers: ["nginx"], ephemeralContainers: ["alpine"])
        // The regular container differs too, so only the subresource's kinds keep it out of the patch.
        var new = pod(containers: ["redis"], ephemeralContainers: ["alpine"])
        var spec = new["spec"] as! [String: Any]
        spec["ephemeralContainers"] = [
            ["name": "e0", "image": "alpine"], ["name": "debugger", "image": "busybox:1.36"],
        ]
        new["spec"] = spec
        let body = review(new, subResource: "ephemeralcontainers", operation: "UPDATE", oldObject: old)
        let (response, _) = try await answer(body, rules: try await ruleSet())
        let patch = try #require(response.patch)
        #expect(patch.count == 1, "only the new container, and no annotation: \(patch)")
        #expect(patch[safe: 0]?["path"] as? String == "/spec/ephemeralContainers/1/image")
        #expect(patch[safe: 0]?["value"] as? String == "mirror.corp/hub/library/busybox:1.36")
    }

    @Test func aLongContainerNameDoesNotCutTheStageOutOfAWarning() async throws {
        // 15 + 63 + 2 characters of label put a 40-character stage name past the 120-character cut.
        let stage = "refuse-" + String(repeating: "s", count: 33)
        let rules = try await ruleSet(serverRules.replacingOccurrences(of: "quay-broken", with: stage))
        let name = String(repeating: "n", count: 63)
        let object: [String: Any] = [
            "kind": "Pod", "metadata": ["name": "p"],
            "spec": [
                "initContainers": [
                    ["name": name, "image": "quay.io/broken/" + String(repeating: "x", count: 80) + ":1"]
                ]
            ],
        ]
        let (response, _) = try await answer(review(object), rules: rules)
        let warning = try #require(response.warnings.first)
        #expect(warning.count <= AdmissionReviewer.maxWarningLength)
        #expect(warning.contains("stage \(stage)"), "\(warning)")
        #expect(warning.hasPrefix("initContainers/nnn"))
        // A warning that fits is left whole.
        #expect(
            AdmissionReviewer.warning("stage s: short", label: "containers/app") == "containers/app: stage s: short")
        let long = AdmissionReviewer.warning("stage s: " + String(repeating: "w", count: 200), label: "containers/app")
        #expect(long.count == AdmissionReviewer.maxWarningLength && long.hasSuffix("…"))
    }

    @Test(arguments: [("plain", "plain"), ("a/b", "a~1b"), ("a~b", "a~0b"), ("~1", "~01"), ("/~/", "~1~0~1")])
    func jsonPointerTokensAreEscapedTildeFirst(_ token: String, _ escaped: String) {
        #expect(JSONPatch.escape(token) == escaped)
    }

    @Test func podUpdateRewritesOnlyChangedImages() async throws {
        let old = pod(containers: ["nginx:1.25", "redis:7"])
        let new = pod(containers: ["nginx:1.25", "redis:7.2"])
        let (response, _) = try await answer(
            review(new, operation: "UPDATE", oldObject: old), rules: try await ruleSet())
        let patched = try apply(try #require(response.patch), to: new)
        #expect(images(patched, ["spec"]) == ["nginx:1.25", "mirror.corp/hub/library/redis:7.2"])
    }

    static func deployment() -> [String: Any] {
        [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
            "spec": [
                "replicas": 2,
                "template": [
                    "metadata": ["labels": ["app": "web"]],
                    "spec": ["containers": [["name": "app", "image": "nginx"]]],
                ],
            ],
        ]
    }

    @Test func workloadTemplatesNeedTheRuleFileSwitch() async throws {
        let body = review(Self.deployment(), kind: "Deployment", group: "apps", resource: "deployments")
        let (off, summary) = try await answer(body, rules: try await ruleSet())
        #expect(off.patch == nil)
        #expect(summary.skipped?.contains("podTemplates") == true)

        let (on, _) = try await answer(body, rules: try await ruleSet(podTemplates: true))
        let patched = try apply(try #require(on.patch), to: Self.deployment())
        #expect(images(patched, ["spec", "template", "spec"]) == ["mirror.corp/hub/library/nginx"])
        #expect(
            annotations(patched, ["spec", "template", "metadata"])[AdmissionAnnotations.originalImages] != nil)

        // A custom resource that reuses the kind name has a schema of its own: not patched as a workload.
        let custom = review(Self.deployment(), kind: "Deployment", group: "example.com", resource: "deployments")
        let (left, leftSummary) = try await answer(custom, rules: try await ruleSet(podTemplates: true))
        #expect(left.patch == nil)
        #expect(leftSummary.skipped == "kind Deployment.example.com holds no pod spec")
    }

    @Test func cronJobAndPodTemplatePaths() async throws {
        let rules = try await ruleSet(podTemplates: true)
        let cron: [String: Any] = [
            "kind": "CronJob", "metadata": ["name": "c"],
            "spec": [
                "schedule": "* * * * *",
                "jobTemplate": ["spec": ["template": ["spec": ["containers": [["name": "j", "image": "busybox"]]]]]],
            ],
        ]
        let (cronAnswer, _) = try await answer(
            review(cron, kind: "CronJob", group: "batch", resource: "cronjobs"), rules: rules)
        let patchedCron = try apply(try #require(cronAnswer.patch), to: cron)
        #expect(
            images(patchedCron, ["spec", "jobTemplate", "spec", "template", "spec"]) == [
                "mirror.corp/hub/library/busybox"
            ])

        let template: [String: Any] = [
            "kind": "PodTemplate", "metadata": ["name": "t"],
            "template": ["metadata": [:] as [String: Any], "spec": ["containers": [["name": "a", "image": "redis"]]]],
        ]
        let (templateAnswer, _) = try await answer(
            review(template, kind: "PodTemplate", resource: "podtemplates"), rules: rules)
        let patchedTemplate = try apply(try #require(templateAnswer.patch), to: template)
        #expect(images(patchedTemplate, ["template", "spec"]) == ["mirror.corp/hub/library/redis"])
    }

    @Test func otherKindsAndOperationsAreAllowedWithoutAPatch() async throws {
        let rules = try await ruleSet()
        let service: [String: Any] = ["kind": "Service", "metadata": ["name": "s"], "spec": ["type": "LoadBalancer"]]
        let (serviceAnswer, _) = try await answer(review(service, kind: "Service", resource: "services"), rules: rules)
        #expect(serviceAnswer.allowed && serviceAnswer.patch == nil)
        let (deleteAnswer, _) = try await answer(review(pod(containers: ["nginx"]), operation: "DELETE"), rules: rules)
        #expect(deleteAnswer.allowed && deleteAnswer.patch == nil)
        let (statusAnswer, _) = try await answer(
            review(pod(containers: ["nginx"]), subResource: "status", operation: "UPDATE"), rules: rules)
        #expect(statusAnswer.patch == nil)
    }

    @Test func answersInTheVersionItWasAskedIn() async throws {
        let (response, _) = try await answer(
            review(pod(containers: ["nginx"]), apiVersion: "admission.k8s.io/v1beta1"), rules: try await ruleSet())
        #expect(response.apiVersion == "admission.k8s.io/v1beta1")
    }

    @Test(arguments: [
        ("not json", "not an AdmissionReview"),
        (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#, "has no \"request\""),
        (#"{"request":{"kind":{"kind":"Pod"}}}"#, "missing \"uid\""),
        (
            #"{"request":{"uid":"x","object":{"spec":{"containers":"nope"}}}}"#,
            "wrong type at request.object.spec.containers"
        ),
        ("", "not an AdmissionReview"),
        (
            #"{"uid":"x","kind":{"group":"","version":"v1","kind":"Pod"},"object":{}}"#,
            "bare AdmissionRequest: wrap it as"
        ),
        (
            #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[]}}"#,
            "is a Pod, not an AdmissionReview"
        ),
        (
            #"{"apiVersion":"admission.k8s.io/v2","kind":"AdmissionReview","request":{"uid":"x"}}"#,
            "apiVersion admission.k8s.io/v2 is not"
        ),
    ])
    func malformedBodiesAreRejectedWith400(_ body: String, _ message: String) async throws {
        guard
            case .rejected(let status, let text) = await reviewer.review(Data(body.utf8), ruleSet: try await ruleSet())
        else {
            Issue.record("expected a rejection")
            return
        }
        #expect(status == 400)
        #expect(text.contains(message), "\(text)")
    }

    @Test func aKindOfAnotherTypeGetsNoHintAboutBareRequests() async throws {
        guard
            case .rejected(_, let text) = await reviewer.review(
                Data(#"{"apiVersion":"v1","kind":7}"#.utf8), ruleSet: try await ruleSet())
        else {
            Issue.record("expected a rejection")
            return
        }
        #expect(text == "the body is not an AdmissionReview: wrong type at kind (expected a string)")
    }
}
