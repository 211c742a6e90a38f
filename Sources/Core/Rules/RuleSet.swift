/// A loaded, fully validated rule file: the ordered stages of the pipeline.
///
/// A `RuleSet` is immutable and is only ever built whole (see `RuleSetLoader`), so a request never sees a
/// half-loaded one. Replacing it on reload is a matter of swapping one reference.
public struct RuleSet: Sendable {
    /// The `apiVersion` this build reads.
    public static let apiVersion = "k8s-image-replacer/v1"
    /// The `kind` of a rule file.
    public static let kind = "RuleSet"

    public let stages: [Stage]
    /// `metadata.name`, when given; shown in traces and logs.
    public let name: String?
    /// Where the rules came from (a path, or a label for the embedded default).
    public let source: String
    /// The `admission:` section.
    public let admission: AdmissionOptions
    /// True when every stage runs without waiting (see `MatcherTraits.runsWithoutWaiting`) and none verifies its
    /// output against a registry: evaluating the rules then cannot outlast any deadline worth enforcing.
    public let runsWithoutWaiting: Bool
    /// Earlier admission results, when every stage depends only on its image (see `PipelineMemo`); nil otherwise.
    /// Each loaded rule set has its own, so a reload starts empty.
    public let memo: PipelineMemo?

    public init(stages: [Stage], name: String? = nil, source: String = "<code>", admission: AdmissionOptions = .init())
    {
        self.stages = stages
        self.name = name
        self.source = source
        self.admission = admission
        self.runsWithoutWaiting = stages.allSatisfy(\.runsWithoutWaiting)
        self.memo = stages.count <= 64 && stages.allSatisfy(\.dependsOnlyOnImage) ? PipelineMemo() : nil
    }

    /// Shuts every stage's matcher down. Call once, after the last evaluation that uses this rule set.
    public func shutdown() async {
        for stage in stages {
            await stage.matcher.shutdown()
            await stage.verification.verifier?.shutdown()
        }
    }
}
