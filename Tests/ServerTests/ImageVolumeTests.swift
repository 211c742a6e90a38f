import Foundation
import ReplacerCore
import ReplacerServer
import Testing

@testable import ReplacerAdmission

/// Image volumes (KEP-4639) are pulled by the kubelet like container images, so they are rewritten like them:
/// `/spec/volumes/I/image/reference`, recorded as `volumes/NAME`, with the volume's own pull policy.
@Suite struct ImageVolumeTests {
    let reviewer = AdmissionReviewer()

    func answer(_ body: Data, rules: RuleSet) async throws -> (DecodedResponse, AdmissionSummary) {
        try await reviewAnswer(body, rules: rules, reviewer: reviewer)
    }

    /// Only image volumes, among volumes of other kinds and malformed ones, which are left alone without an error.
    @Test func aPodWithOnlyImageVolumes() async throws {
        var object = pod(
            containers: [],
            volumes: [
                imageVolume("models", "docker.io/acme/models:v3", pullPolicy: "IfNotPresent"),
                ["name": "scratch", "emptyDir": [String: Any]()],
                ["name": "config", "configMap": ["name": "app"]],
                ["name": "odd", "image": "not an object"],
                ["name": "empty", "image": ["reference": ""]],
                ["name": "missing", "image": ["pullPolicy": "Always"]],
                imageVolume("weights", "quay.io/acme/weights:1"),
            ])
        var spec = object["spec"] as! [String: Any]
        spec["containers"] = nil
        object["spec"] = spec
        let (response, summary) = try await answer(review(object), rules: try await ruleSet())
        #expect(response.allowed && response.warnings.isEmpty)
        let patch = try #require(response.patch)
        #expect(patch.contains { $0["path"] as? String == "/spec/volumes/0/image/reference" })
        let patched = try apply(patch, to: object)
        #expect(
            volumeReferences(patched, ["spec"]) == [
                "models": "mirror.corp/hub/acme/models:v3", "empty": "", "weights": "quay.io/acme/weights:1",
            ])
        #expect(
            annotations(patched)[AdmissionAnnotations.originalImages]
                == #"{"volumes/models":"docker.io/acme/models:v3"}"#)
        #expect(summary.rewrites.map(\.container) == ["volumes/models"])
        #expect(summary.events.map(\.stage) == ["hub"])
    }

    /// `containers/data` and `volumes/data` are different keys; a second admission (a reinvocation) changes nothing.
    @Test func containersAndVolumesWithTheSameNameAreRecordedApart() async throws {
        let rules = try await ruleSet()
        var object = pod(containers: ["nginx:1.27"], volumes: [imageVolume("c0", "redis:7")])
        let (first, _) = try await answer(review(object), rules: rules)
        object = try apply(try #require(first.patch), to: object) as! [String: Any]
        #expect(images(object, ["spec"]) == ["mirror.corp/hub/library/nginx:1.27"])
        #expect(volumeReferences(object, ["spec"]) == ["c0": "mirror.corp/hub/library/redis:7"])
        #expect(
            annotations(object)[AdmissionAnnotations.originalImages]
                == #"{"containers/c0":"nginx:1.27","volumes/c0":"redis:7"}"#)
        let (second, summary) = try await answer(review(object), rules: rules)
        #expect(second.patch == nil && summary.rewrites.isEmpty)
    }

    /// `pullPolicy: Never` means the node holds exactly this name: left alone like `imagePullPolicy: Never`; an
    /// invalid reference is kept with the warning an invalid container image gets.
    @Test func neverAndInvalidReferencesAreKept() async throws {
        let object = pod(
            containers: [],
            volumes: [imageVolume("local", "nginx:1", pullPolicy: "Never"), imageVolume("bad", "Not A Ref")])
        let (response, _) = try await answer(review(object), rules: try await ruleSet())
        #expect(response.patch == nil)
        #expect(response.warnings == [#"volumes/bad: image "Not A Ref" is not a valid reference; left unchanged"#])
    }

    /// Pod volumes are immutable: an UPDATE never rewrites one, even a new or changed reference; only containers
    /// change there.
    @Test func aPodUpdateNeverRewritesAVolume() async throws {
        let old = pod(containers: ["nginx:1"], volumes: [imageVolume("models", "acme/models:v1")])
        let new = pod(containers: ["nginx:2"], volumes: [imageVolume("models", "acme/models:v2")])
        let (response, _) = try await answer(
            review(new, operation: "UPDATE", oldObject: old), rules: try await ruleSet())
        let patched = try apply(try #require(response.patch), to: new)
        #expect(images(patched, ["spec"]) == ["mirror.corp/hub/library/nginx:2"])
        #expect(volumeReferences(patched, ["spec"]) == ["models": "acme/models:v2"])
    }

    static func deployment(_ reference: String) -> [String: Any] {
        [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "namespace": "team-a"],
            "spec": [
                "template": [
                    "metadata": ["labels": ["app": "web"]],
                    "spec": [
                        "containers": [["name": "app", "image": "quay.io/acme/app:1"]],
                        "volumes": [imageVolume("models", reference), imageVolume("fixed", "acme/fixed:1")],
                    ],
                ]
            ],
        ]
    }

    /// A template's image volumes are rewritten with `podTemplates` on, at the template's path; on UPDATE only a
    /// changed reference is.
    @Test func workloadTemplatesRewriteTheirVolumes() async throws {
        func body(_ object: [String: Any], old: [String: Any]? = nil) -> Data {
            review(
                object, kind: "Deployment", group: "apps", resource: "deployments",
                operation: old == nil ? "CREATE" : "UPDATE", oldObject: old)
        }
        let (off, _) = try await answer(body(Self.deployment("acme/models:v3")), rules: try await ruleSet())
        #expect(off.patch == nil)

        let rules = try await ruleSet(podTemplates: true)
        let created = Self.deployment("acme/models:v3")
        let (on, _) = try await answer(body(created), rules: rules)
        let patched = try apply(try #require(on.patch), to: created)
        #expect(
            volumeReferences(patched, ["spec", "template", "spec"]) == [
                "models": "mirror.corp/hub/acme/models:v3", "fixed": "mirror.corp/hub/acme/fixed:1",
            ])
        #expect(on.patch?.contains { $0["path"] as? String == "/spec/template/spec/volumes/0/image/reference" } == true)

        let changed = Self.deployment("acme/models:v4")
        let (update, _) = try await answer(body(changed, old: created), rules: rules)
        let updated = try apply(try #require(update.patch), to: changed)
        #expect(
            volumeReferences(updated, ["spec", "template", "spec"]) == [
                "models": "mirror.corp/hub/acme/models:v4", "fixed": "acme/fixed:1",
            ])
    }

    /// `when.containerKinds: [volumes]` selects image volumes only; a list without `volumes` leaves them alone.
    @Test func containerKindsSelectVolumes() async throws {
        let rules = try await ruleSet(
            """
            apiVersion: k8s-image-replacer/v1
            kind: RuleSet
            stages:
              - name: volumes-only
                matcher: prefix
                when: {containerKinds: [volumes]}
                rules: {docker.io: volumes.corp/hub}
              - name: containers-only
                matcher: prefix
                when: {containerKinds: [containers, initContainers]}
                rules: {docker.io: containers.corp/hub}
            """)
        let object = pod(containers: ["nginx"], volumes: [imageVolume("models", "acme/models:v3")])
        let (response, _) = try await answer(review(object), rules: rules)
        let patched = try apply(try #require(response.patch), to: object)
        #expect(images(patched, ["spec"]) == ["containers.corp/hub/library/nginx"])
        #expect(volumeReferences(patched, ["spec"]) == ["models": "volumes.corp/hub/acme/models:v3"])
    }

    /// A verifying stage falls back for a volume as for a container: the first mirror fails verification, the
    /// second is patched in, and the fallback is counted.
    @Test func verifiedMirrorsFallBackForVolumes() async throws {
        struct OnlyMirror: ImageVerifier {
            func verify(_ candidate: ImageReference, policy: VerifyPolicy, deadline: ContinuousClock.Instant) async
                -> VerificationVerdict
            {
                VerificationVerdict(passed: candidate.domain == "mirror.corp", source: .live, detail: "scripted")
            }
        }
        let text = """
            apiVersion: k8s-image-replacer/v1
            kind: RuleSet
            stages:
              - name: mirrors
                matcher: prefix
                rules: {docker.io: [down.corp/hub, mirror.corp/hub]}
                verify: {policy: manifest}
            """
        let rules = try await RuleSetLoader(registry: registry, verifierFactory: { _ in OnlyMirror() }).load(
            text: text, file: "rules.yaml")
        let object = pod(containers: [], volumes: [imageVolume("models", "acme/models:v3")])
        let (response, summary) = try await answer(review(object), rules: rules)
        let patched = try apply(try #require(response.patch), to: object)
        #expect(volumeReferences(patched, ["spec"]) == ["models": "mirror.corp/hub/acme/models:v3"])
        #expect(summary.events.map(\.fellBack) == [true])
    }

    /// `/explain` traces a Pod's image volumes as `/mutate` sees them, and a bare image as a volume.
    @Test func explainTracesVolumes() async throws {
        let rules = try await ruleSet()
        let body = try JSONSerialization.data(
            withJSONObject: pod(containers: ["nginx"], volumes: [imageVolume("models", "acme/models:v3")]))
        guard case .object(let found) = try ExplainRequest(json: body).target(podTemplates: false) else {
            Issue.record("a Pod is an object")
            return
        }
        let results = await AdmissionEvaluator(rules).explain(.object(found))
        #expect(results.map(\.container) == ["containers/c0", "volumes/models"])
        #expect(results.last?.image == "mirror.corp/hub/acme/models:v3")
        let bare = try ExplainRequest(json: Data(#"{"image": "acme/x:1", "containerKind": "volumes"}"#.utf8))
        guard case .images(_, let context) = try bare.target(podTemplates: false) else {
            Issue.record("bare images")
            return
        }
        #expect(context.containerKind == .volumes)
    }
}

/// The same over real TLS with a real client, as the API server calls: a Pod with containers and image volumes
/// whose names collide, a `Never` volume, then the patched Pod admitted again; `/explain` agrees.
@Suite struct ImageVolumeServerTests {
    @Test func mutateAndExplainOverTLS() async throws {
        try await withServer { server in
            try await withClient(try server.client()) { client in
                let object = pod(
                    containers: ["nginx:1.27"],
                    volumes: [
                        imageVolume("c0", "acme/models:v3", pullPolicy: "IfNotPresent"),
                        imageVolume("local", "acme/cache:1", pullPolicy: "Never"),
                        ["name": "tmp", "emptyDir": [String: Any]()],
                    ])
                let mutated = try decodeAnswer(try await server.post(client, "/mutate", review(object)).body)
                #expect(mutated.allowed && mutated.uid == "705ab4f5-6393-11e8-b7cc-42010a800002")
                let patched = try apply(try #require(mutated.patch), to: object) as! [String: Any]
                #expect(images(patched, ["spec"]) == ["mirror.corp/hub/library/nginx:1.27"])
                #expect(
                    volumeReferences(patched, ["spec"]) == [
                        "c0": "mirror.corp/hub/acme/models:v3", "local": "acme/cache:1",
                    ])
                #expect(
                    annotations(patched)[AdmissionAnnotations.originalImages]
                        == #"{"containers/c0":"nginx:1.27","volumes/c0":"acme/models:v3"}"#)

                let explained = try JSONDecoder().decode(
                    ExplainDocument.self, from: try await server.post(client, "/explain", review(object)).body)
                #expect(explained.results.map(\.container) == ["containers/c0", "volumes/c0", "volumes/local"])
                #expect(
                    explained.results.map(\.image) == [
                        "mirror.corp/hub/library/nginx:1.27", "mirror.corp/hub/acme/models:v3", "acme/cache:1",
                    ])
                #expect(explained.results.last?.stages.first?.detail?.contains("Never") == true)

                // A reinvocation, or the same Pod admitted again: nothing to do.
                let again = try decodeAnswer(try await server.post(client, "/mutate", review(patched)).body)
                #expect(again.patch == nil && again.warnings.isEmpty)
                let rewrites = #"k8s_image_replacer_rewrites_total{stage="hub"}"#
                #expect(metricValue(try await server.probe("/metrics").body, rewrites) == 2)

                // A Pod with only image volumes; then an UPDATE that changes its volume, which is never rewritten.
                let onlyVolumes: [String: Any] = [
                    "kind": "Pod", "metadata": ["name": "models", "namespace": "team-a"],
                    "spec": ["volumes": [imageVolume("models", "acme/models:v3")]],
                ]
                let volumesOnly = try decodeAnswer(try await server.post(client, "/mutate", review(onlyVolumes)).body)
                let pinned = try apply(try #require(volumesOnly.patch), to: onlyVolumes) as! [String: Any]
                #expect(volumeReferences(pinned, ["spec"]) == ["models": "mirror.corp/hub/acme/models:v3"])
                var changed = onlyVolumes
                changed["spec"] = ["volumes": [imageVolume("models", "acme/models:v4")]]
                let update = try decodeAnswer(
                    try await server.post(client, "/mutate", review(changed, operation: "UPDATE", oldObject: pinned))
                        .body)
                #expect(update.allowed && update.patch == nil)

                // A Deployment's template is left alone with podTemplates off (the server's rules).
                let deployment = review(
                    ImageVolumeTests.deployment("acme/models:v3"), kind: "Deployment", group: "apps",
                    resource: "deployments")
                #expect(try decodeAnswer(try await server.post(client, "/mutate", deployment).body).patch == nil)
            }
        }
        // With podTemplates on, the template's image volumes are rewritten at the template's path.
        try await withServer(
            rules: serverRules.replacingOccurrences(
                of: "kind: RuleSet\n", with: "kind: RuleSet\nadmission: {podTemplates: true}\n")
        ) { server in
            try await withClient(try server.client()) { client in
                let object = ImageVolumeTests.deployment("acme/models:v3")
                let body = review(object, kind: "Deployment", group: "apps", resource: "deployments")
                let answer = try decodeAnswer(try await server.post(client, "/mutate", body).body)
                let patched = try apply(try #require(answer.patch), to: object)
                #expect(
                    volumeReferences(patched, ["spec", "template", "spec"]) == [
                        "models": "mirror.corp/hub/acme/models:v3", "fixed": "mirror.corp/hub/acme/fixed:1",
                    ])
                #expect(
                    annotations(patched, ["spec", "template", "metadata"])[AdmissionAnnotations.originalImages]
                        == #"{"volumes/fixed":"acme/fixed:1","volumes/models":"acme/models:v3"}"#)
            }
        }
    }
}
