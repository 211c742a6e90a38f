/// Where an image is being evaluated: the pod and container it belongs to.
///
/// Stages use it for `when` scoping; matchers may use it too (a plugin could name a mirror after the namespace).
/// Every field is optional because `explain` runs without a pod.
public struct EvaluationContext: Sendable, Hashable {
    public var namespace: String?
    public var podName: String?
    public var labels: [String: String]
    public var containerName: String?
    public var containerKind: ContainerKind
    /// The admission operation (`CREATE`, `UPDATE`), when there is a request.
    public var operation: String?
    /// The container's `imagePullPolicy`, when known. The pipeline does not interpret it; the admission layer
    /// leaves a `Never` image alone before the pipeline runs (the node must already hold that exact name).
    public var imagePullPolicy: String?
    /// The image as the pod spec wrote it, before any stage. Set by the pipeline for every stage, so a later stage
    /// can act on where an image came from (a digest stage resolving against the upstream of a mirror).
    public var originalImage: String?
    /// True when the pipeline is building a trace (`explain`, `test`), the only place a `noMatch` reason or a
    /// match's `detail` is shown. Set by the pipeline. Matchers whose reasons cost an allocation (an interpolated
    /// string) can skip them when it is false: the admission path evaluates most stages without a match.
    public var explaining: Bool = false

    public init(
        namespace: String? = nil, podName: String? = nil, labels: [String: String] = [:],
        containerName: String? = nil, containerKind: ContainerKind = .containers, operation: String? = nil,
        imagePullPolicy: String? = nil
    ) {
        self.imagePullPolicy = imagePullPolicy
        self.namespace = namespace
        self.podName = podName
        self.labels = labels
        self.containerName = containerName
        self.containerKind = containerKind
        self.operation = operation
    }
}

/// The four places of a Pod spec that name an image the kubelet pulls: the three container lists and image volumes
/// (KEP-4639, `volumes[].image.reference`). The raw values are the Pod spec's field names; a stage's
/// `when.containerKinds` and a plugin's input use them.
public enum ContainerKind: String, Sendable, Hashable, CaseIterable, Codable {
    case containers
    case initContainers
    case ephemeralContainers
    /// Image volumes: the volume's name stands where a container's would, its `pullPolicy` for `imagePullPolicy`.
    case volumes
}
