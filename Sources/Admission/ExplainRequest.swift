import ReplacerCore
import ReplacerJSON

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A `/explain` body: one or more images with an optional context, a Kubernetes object (a Pod, or a workload with a
/// pod template), or a whole AdmissionReview.
///
/// Read with the same strict reader as `/mutate`'s reviews, so the two agree on what a body says (a repeated member
/// keeps its last value, as in the API server) and refuse the same malformed JSON with the same message.
package struct ExplainRequest: Sendable {
    /// One image to trace (with `images`, all are traced with one context).
    package var image: String?
    package var images: [String]?
    /// The namespace of `image`/`images`, as a stage's `when` sees it; for an object, the namespace it is created
    /// in (its metadata's when absent); unused for a review, which names its own.
    package var namespace: String?
    /// The pod labels of `image`/`images`; objects and reviews carry their own.
    package var labels: [String: String]?
    /// The kind of `image`/`images`: `containers` (when absent), `initContainers`, `ephemeralContainers` or
    /// `volumes` (an image volume's reference).
    package var containerKind: String?
    /// The object's `apiVersion` and `kind`, when the body is an object; `kind` is "AdmissionReview" for a review.
    package var apiVersion: String?
    package var kind: String?
    /// The object's members the webhook reads, when the body is an object.
    package var object: KubernetesObject?
    /// Present when the body is an AdmissionReview.
    package var request: AdmissionRequest?

    /// The most images one request may ask about. A trace is about a kilobyte of JSON per image, built in memory:
    /// without a bound, one 3 MB body of image names made a 130 MB answer and over 600 MB of memory.
    package static let maxSubjects = 1_000

    /// What a body asks to trace.
    package enum Target: Sendable {
        /// Bare images, all in one context.
        case images([String], EvaluationContext)
        /// The subjects of an object or review, as `/mutate` would find them.
        case object(ReviewSubjects)

        /// How many images the target holds.
        var count: Int {
            switch self {
            case .images(let images, _): images.count
            case .object(let found): found.subjects.count
            }
        }
    }

    /// Reads a body.
    ///
    /// - Throws: `JSONReadError` naming the byte (not JSON) or the field (a wrong type).
    package init(json data: Data) throws(JSONReadError) {
        self = try JSONCursor.document(data) { c throws(JSONReadError) in try ExplainRequest(&c) }
    }

    private init(_ cursor: inout JSONCursor) throws(JSONReadError) {
        var body = ExplainRequest()
        var object = KubernetesObject()
        var isObject = false
        try cursor.readObject { c, key throws(JSONReadError) in
            if key.is("image") {
                body.image = try c.member("image") { c throws(JSONReadError) in try c.readOptionalString() }
            } else if key.is("images") {
                body.images = try c.member("images") { c throws(JSONReadError) in
                    if try c.readNull() { return nil }
                    var images: [String] = []
                    try c.readArray { c, _ throws(JSONReadError) in images.append(try c.readString()) }
                    return images
                }
            } else if key.is("namespace") {
                body.namespace = try c.member("namespace") { c throws(JSONReadError) in try c.readOptionalString() }
            } else if key.is("labels") {
                body.labels = try c.member("labels") { c throws(JSONReadError) in try c.readOptionalStringMap() }
            } else if key.is("containerKind") {
                body.containerKind = try c.member("containerKind") { c throws(JSONReadError) in
                    try c.readOptionalString()
                }
            } else if key.is("apiVersion") {
                body.apiVersion = try c.member("apiVersion") { c throws(JSONReadError) in try c.readOptionalString() }
            } else if key.is("kind") {
                body.kind = try c.member("kind") { c throws(JSONReadError) in try c.readOptionalString() }
            } else if try object.readMember(key, &c) {
                isObject = true
            } else if key.is("request") {
                body.request = try c.member("request") { c throws(JSONReadError) in
                    try c.readNull() ? nil : try AdmissionRequest(&c)
                }
            } else {
                try c.skipValue()
            }
        }
        if isObject { body.object = object }
        self = body
    }

    private init() {}

    /// What to trace: bare images with their context, or the subjects of an object or AdmissionReview as `/mutate`
    /// would evaluate them, with the same contexts (`podTemplates` is the running rules' switch). A request the
    /// webhook leaves alone is an error that says why.
    package func target(podTemplates: Bool) throws(ExplainRequestError) -> Target {
        if image != nil || images != nil, request != nil || object != nil {
            // Which would the caller mean? Saying so beats tracing one and silently dropping the other.
            throw ExplainRequestError("give \"image\"/\"images\" or an object or an AdmissionReview, not both")
        }
        let found = try anyTarget(podTemplates: podTemplates)
        guard found.count <= Self.maxSubjects else {
            throw ExplainRequestError(
                "\(found.count) images in one request; /explain traces at most \(Self.maxSubjects): split the request")
        }
        return found
    }

    private func anyTarget(podTemplates: Bool) throws(ExplainRequestError) -> Target {
        if let request {
            if let problem = AdmissionReviewer.envelopeProblem(kind: kind, apiVersion: apiVersion) {
                throw ExplainRequestError(problem)
            }
            guard request.object != nil else {
                throw ExplainRequestError(
                    "the AdmissionReview has no object (operation \(request.operation ?? "unknown"))")
            }
            return .object(try Self.subjects(ReviewSubjects.of(request, podTemplates: podTemplates)))
        }
        if let object {
            return .object(try Self.subjects(ReviewSubjects.of(try creating(object), podTemplates: podTemplates)))
        }
        let all = (image.map { [$0] } ?? []) + (images ?? [])
        guard !all.isEmpty else {
            throw ExplainRequestError(
                "give \"image\" or \"images\" (with optional namespace, labels, containerKind), a Pod or workload, or an AdmissionReview"
            )
        }
        var kind = ContainerKind.containers
        if let containerKind {
            guard let parsed = ContainerKind(rawValue: containerKind) else {
                throw ExplainRequestError(
                    "containerKind must be one of \(ContainerKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            kind = parsed
        }
        return .images(all, EvaluationContext(namespace: namespace, labels: labels ?? [:], containerKind: kind))
    }

    /// The CREATE request the API server would send for `object`, as the body's `kind` and `apiVersion` name it: a
    /// Pod by default, a workload kind in the group that defines it unless `apiVersion` says otherwise.
    private func creating(_ object: KubernetesObject) throws(ExplainRequestError) -> AdmissionRequest {
        let kind = self.kind ?? "Pod"
        var group = PodSpecLocation.templateKinds[kind]?.group ?? ""
        var version = "v1"
        if let apiVersion {
            // `GROUP/VERSION`, or a bare version (`v1`, `v1beta1`) for the core group.
            let parts = apiVersion.split(separator: "/", omittingEmptySubsequences: false)
            switch parts.count {
            case 2 where !parts[0].isEmpty && !parts[1].isEmpty: (group, version) = (String(parts[0]), String(parts[1]))
            case 1 where apiVersion.wholeMatch(of: /v[0-9]+((alpha|beta)[0-9]+)?/) != nil:
                (group, version) = ("", apiVersion)
            default:
                throw ExplainRequestError(
                    "apiVersion \"\(apiVersion)\" is not GROUP/VERSION or a core version such as v1")
            }
        }
        return AdmissionRequest(
            uid: "", kind: .init(group: group, version: version, kind: kind),
            resource: .init(group: group, version: version, resource: kind == "Pod" ? "pods" : kind.lowercased() + "s"),
            subResource: nil, operation: "CREATE", namespace: namespace ?? object.metadata?.namespace,
            name: object.metadata?.name, dryRun: nil, object: object, oldObject: nil)
    }

    private static func subjects(_ found: Result<ReviewSubjects, ReviewSubjects.Skip>) throws(ExplainRequestError)
        -> ReviewSubjects
    {
        switch found {
        case .success(let found): return found
        case .failure(let skip): throw ExplainRequestError("the webhook would not rewrite this request: \(skip)")
        }
    }
}

/// Why `/explain` cannot trace a body (HTTP 400).
package struct ExplainRequestError: Error, CustomStringConvertible {
    package var description: String
    init(_ description: String) { self.description = description }
}
