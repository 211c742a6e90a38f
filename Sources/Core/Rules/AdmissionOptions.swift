/// The rule file's `admission:` section: how the webhook applies the pipeline to Kubernetes objects.
///
/// It lives in the rule file, not on the command line, so that what a cluster does can be read, reviewed and
/// tested in one place.
public struct AdmissionOptions: Sendable, Hashable {
    /// Rewrite the pod templates of workloads (Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs,
    /// ReplicationControllers, PodTemplates) as well as Pods. Off by default: rewriting templates changes the
    /// workload's spec, and if the webhook is then unavailable under `failurePolicy: Ignore` a controller sees
    /// its template differ from its pods' and can roll out new ReplicaSets over and over. Pods are always
    /// rewritten, which covers every workload without touching it.
    public var podTemplates: Bool = false

    public init(podTemplates: Bool = false) {
        self.podTemplates = podTemplates
    }

    static let keys = ["podTemplates"]

    init(decoding node: ConfigNode) throws(RuleFileError) {
        let object = try node.object("admission", allowed: Self.keys)
        self.init()
        if let value = object["podTemplates"] { podTemplates = try value.bool("admission.podTemplates") }
    }
}
