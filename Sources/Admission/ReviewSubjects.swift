import ReplacerCore
import ReplacerJSON

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The container images one admission request lets the webhook change, each with the context its rules see, or
/// why the request is left alone as a whole.
///
/// `/mutate` rewrites these subjects and `/explain` traces them, so the two agree about which containers are
/// evaluated (kinds, only-changed on UPDATE), what a stage's `when` sees (namespace, labels, pull policy), and which
/// pods are skipped (opt-out, mirror pods, kinds the rules do not rewrite), and which containers hold the webhook's
/// own earlier answer (`recordedOriginals`, checked by `AdmissionEvaluator`).
package struct ReviewSubjects: Sendable {
    /// One image to evaluate: a container's, or an image volume's.
    package struct Subject: Sendable {
        package var kind: ContainerKind
        /// The index in its list (containers, or volumes): the JSON Patch addresses the image by it.
        package var index: Int
        /// The container's (or volume's) name, or `#index` for a nameless one.
        package var name: String
        package var image: String
        package var context: EvaluationContext

        /// `kind/name`: how warnings, the log line and the original-images annotation name the container (or
        /// image volume: `volumes/data` is another key than `containers/data`).
        package var label: String { "\(kind.rawValue)/\(name)" }

        /// Where the image is in an object whose pod spec is at `specPointer`: a container's `image`, or an image
        /// volume's `image/reference`.
        package func pointer(in specPointer: String) -> String {
            kind == .volumes
                ? "\(specPointer)/volumes/\(index)/image/reference" : "\(specPointer)/\(kind.rawValue)/\(index)/image"
        }
    }

    /// Why a request is left alone; shown in logs and by `/explain`.
    package struct Skip: Error, Sendable, Equatable, CustomStringConvertible {
        package var description: String
    }

    package var location: PodSpecLocation
    /// The metadata of the pod (or pod template) the subjects belong to.
    package var metadata: ObjectMeta?
    /// On UPDATE, the same metadata in the stored object.
    package var oldMetadata: ObjectMeta? = nil
    package var subjects: [Subject]

    /// The subjects of `request`, or why the webhook leaves it alone. `podTemplates` is the rule file's
    /// `admission.podTemplates` switch.
    package static func of(_ request: AdmissionRequest, podTemplates: Bool) -> Result<ReviewSubjects, Skip> {
        guard let object = request.object else { return .failure(Skip(description: "the request carries no object")) }
        let location: PodSpecLocation
        switch PodSpecLocation.locate(request, podTemplates: podTemplates) {
        case .success(let found): location = found
        case .failure(let skip): return .failure(Skip(description: skip.description))
        }
        let (spec, metadata) = location.resolve(object)
        if let annotations = metadata?.annotations {
            if annotations[AdmissionAnnotations.mirrorPod] != nil {
                return .failure(Skip(description: "mirror pod"))
            }
            if annotations[AdmissionAnnotations.skip]?.lowercased() == "true" {
                return .failure(Skip(description: "opted out by \(AdmissionAnnotations.skip)"))
            }
        }
        guard let spec else { return .failure(Skip(description: "the object has no pod spec")) }
        let (old, oldMetadata) = request.oldObject.map { location.resolve($0) } ?? (nil, nil)
        var subjects: [Subject] = []
        for kind in location.kinds {
            // Matched to the old object by name: on UPDATE only new or changed images are rewritten.
            var previous: [String: String] = [:]
            if location.onlyChanged {
                old?.forEachImage(kind) { _, name, image, _ in
                    if let name, previous[name] == nil { previous[name] = image ?? "" }
                }
            }
            spec.forEachImage(kind) { index, name, image, pullPolicy in
                guard let image, !image.isEmpty else { return }
                let name = name ?? "#\(index)"
                if location.onlyChanged, previous[name] == image { return }
                let context = EvaluationContext(
                    namespace: request.namespace ?? metadata?.namespace,
                    podName: metadata?.name ?? metadata?.generateName,
                    labels: metadata?.labels ?? [:], containerName: name, containerKind: kind,
                    operation: request.operation, imagePullPolicy: pullPolicy)
                subjects.append(Subject(kind: kind, index: index, name: name, image: image, context: context))
            }
        }
        return .success(
            ReviewSubjects(location: location, metadata: metadata, oldMetadata: oldMetadata, subjects: subjects))
    }

    /// The images earlier passes recorded in the original-images annotation, by `kind/name`: empty when there is
    /// no such annotation, nil when there is one but it is not a JSON object of strings (someone else's edit: then
    /// nothing in it is trusted, and `/mutate` replaces it).
    package var recordedOriginals: [String: String]? { Self.originals(in: metadata) }

    /// On UPDATE, what the stored object's annotation recorded (see `recordedOriginals`); empty otherwise.
    package var previouslyRecordedOriginals: [String: String]? { Self.originals(in: oldMetadata) }

    private static func originals(in metadata: ObjectMeta?) -> [String: String]? {
        guard var text = metadata?.annotations?[AdmissionAnnotations.originalImages] else { return [:] }
        return text.withUTF8 { bytes in
            var cursor = JSONCursor(bytes)
            guard let map = try? cursor.readOptionalStringMap(), (try? cursor.finish()) != nil else { return nil }
            return map
        }
    }
}
