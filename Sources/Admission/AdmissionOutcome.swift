import ReplacerCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The reviewer's answer: an AdmissionReview to send back, or an HTTP error for a body that is not one.
public enum AdmissionOutcome: Sendable {
    /// HTTP 200 with this body.
    case answer(Data, AdmissionSummary)
    /// An HTTP error status with a message; used only when there is no request to answer.
    case rejected(status: Int, message: String)
}

/// What happened to one admission request, for the log line and the metrics.
public struct AdmissionSummary: Sendable, Equatable {
    public struct Rewrite: Sendable, Equatable {
        /// `kind/name`, e.g. `initContainers/setup`.
        public var container: String
        public var from: String
        public var to: String
    }

    public var uid: String
    public var namespace: String?
    public var name: String?
    public var kind: String?
    public var operation: String?
    public var dryRun: Bool
    public var rewrites: [Rewrite] = []
    public var warnings: [String] = []
    /// Why the request was left alone as a whole, when it was.
    public var skipped: String?
    /// Set when a stage denied the pod; the answer is `allowed: false` with this message.
    public var denial: String?
    /// The deadline passed before every image was evaluated.
    public var timedOut = false
    /// What the stages did to this request's images, in order: the events with a consequence (a rewrite, a
    /// refusal, a fallback, a denial), from which the metrics are counted. Empty when the pod was admitted
    /// unchanged for want of time.
    public var events: [StageEvent] = []

    init(request: AdmissionRequest) {
        uid = request.uid
        namespace = request.namespace
        name = request.name ?? request.object?.metadata?.name ?? request.object?.metadata?.generateName
        kind = request.kind?.kind
        operation = request.operation
        dryRun = request.dryRun ?? false
    }
}
