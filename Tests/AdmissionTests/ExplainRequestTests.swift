import Foundation
import ReplacerCore
import ReplacerJSON
import Testing

@testable import ReplacerAdmission

/// `/explain` bodies are read by the same strict reader as `/mutate`'s reviews, and an object is traced as the
/// CREATE the API server would send for it.
@Suite struct ExplainRequestTests {
    typealias Subject = (image: String, context: EvaluationContext, container: String?)

    /// Every image the body asks to trace, with its context and, for objects, its container.
    func subjects(_ json: String, podTemplates: Bool = false) throws -> [Subject] {
        switch try ExplainRequest(json: Data(json.utf8)).target(podTemplates: podTemplates) {
        case .images(let images, let context): images.map { ($0, context, nil) }
        case .object(let found): found.subjects.map { ($0.image, $0.context, $0.label) }
        }
    }

    @Test func imagesWithAContext() throws {
        let found = try subjects(
            #"{"image": "nginx", "images": ["redis"], "namespace": "web", "labels": {"a": "b"}, "containerKind": "initContainers"}"#
        )
        #expect(found.map(\.image) == ["nginx", "redis"])
        #expect(
            found.allSatisfy {
                $0.context.namespace == "web" && $0.context.labels == ["a": "b"]
                    && $0.context.containerKind == .initContainers
            })
        #expect(found.allSatisfy { $0.container == nil })
    }

    /// A repeated member keeps its last value, as the API server (and `/mutate`) read it.
    @Test func aRepeatedMemberKeepsItsLastValue() throws {
        let found = try subjects(#"{"spec": {"containers": [{"name": "a", "image": "quay.io/x", "image": "nginx"}]}}"#)
        #expect(found.map(\.image) == ["nginx"])
    }

    @Test(arguments: [
        (#"{"image": "nginx",}"#, "invalid JSON at byte 18"),
        (#"{"image": 012}"#, "invalid JSON"),
        (#"{"images": "nginx"}"#, "wrong type at images (expected an array)"),
        (#"{"spec": {"containers": [{"image": 1}]}}"#, "wrong type at spec.containers"),
    ])
    func malformedBodiesSayWhereAndWhat(_ json: String, _ message: String) {
        #expect(throws: JSONReadError.self) { try ExplainRequest(json: Data(json.utf8)) }
        do {
            _ = try ExplainRequest(json: Data(json.utf8))
        } catch {
            #expect(error.description.contains(message), "\(error)")
        }
    }

    /// A workload is traced as its pod template when the rules rewrite templates, and refused with the reason when
    /// they do not; a custom resource reusing a kind name is not a workload.
    @Test func workloadsAsTheirCreateWouldBeSeen() throws {
        let deployment =
            #"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "team"}, "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx"}]}}}}"#
        let found = try subjects(deployment, podTemplates: true)
        #expect(found.map(\.container) == ["containers/app"])
        #expect(found.first?.context.namespace == "team")
        #expect(throws: ExplainRequestError.self) { try subjects(deployment) }
        do { _ = try subjects(deployment) } catch { #expect("\(error)".contains("admission.podTemplates is off")) }

        let custom = deployment.replacingOccurrences(of: "apps/v1", with: "example.com/v1")
        do {
            _ = try subjects(custom, podTemplates: true)
            Issue.record("a custom Deployment was traced as a workload")
        } catch {
            #expect("\(error)".contains("Deployment.example.com holds no pod spec"), "\(error)")
        }
        // Without apiVersion a workload kind means the built-in one; without kind the object is a Pod.
        #expect(
            try subjects(
                deployment.replacingOccurrences(of: #""apiVersion": "apps/v1", "#, with: ""), podTemplates: true
            ).count == 1)
        #expect(
            try subjects(#"{"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}"#)
                .count == 1)
    }

    /// Traces are built in memory, about a kilobyte per image: one request may not ask for more than a thousand.
    @Test func tooManyImagesAreRefused() throws {
        let images = (0...ExplainRequest.maxSubjects).map { "\"nginx:\($0)\"" }.joined(separator: ",")
        do {
            _ = try subjects(#"{"images": [\#(images)]}"#)
            Issue.record("1,001 images were traced")
        } catch {
            #expect("\(error)".contains("1001 images in one request; /explain traces at most 1000"), "\(error)")
        }
        #expect(
            try subjects(#"{"images": [\#(images.split(separator: ",").dropLast().joined(separator: ","))]}"#).count
                == 1_000)
    }

    /// What `/mutate` refuses as a review, `/explain` refuses too; an object's apiVersion must be one.
    @Test(arguments: [
        (
            #"{"kind": "Pod", "request": {"uid": "u", "object": {"spec": {"containers": []}}}}"#,
            "the body is a Pod, not an AdmissionReview"
        ),
        (
            #"{"apiVersion": "admission.k8s.io/v2", "request": {"uid": "u", "object": {}}}"#,
            "is not admission.k8s.io/v1"
        ),
        (#"{"apiVersion": "example.com/", "kind": "PodTemplate", "template": {}}"#, "is not GROUP/VERSION"),
        (#"{"apiVersion": "apps", "kind": "Deployment", "spec": {}}"#, "is not GROUP/VERSION"),
        (#"{"apiVersion": "", "kind": "Deployment", "spec": {}}"#, "is not GROUP/VERSION"),
        (#"{"image": "nginx", "spec": {"containers": []}}"#, "not both"),
    ])
    func envelopesAndVersionsAreChecked(_ json: String, _ message: String) {
        do {
            _ = try subjects(json, podTemplates: true)
            Issue.record("traced: \(json)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    @Test func aReviewWithoutAnObjectNamesItsOperation() {
        let review =
            #"{"request": {"uid": "u", "kind": {"kind": "Pod"}, "resource": {"resource": "pods"}, "operation": "DELETE"}}"#
        do {
            _ = try subjects(review)
            Issue.record("a review without an object was traced")
        } catch {
            #expect("\(error)".contains("operation DELETE"), "\(error)")
        }
    }
}
