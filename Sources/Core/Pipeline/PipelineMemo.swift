import Synchronization

/// Earlier pipeline results of one rule set, for rule sets whose answer depends only on the image and on which
/// stages a pod's `when` conditions admit.
///
/// Why: a cluster runs a few hundred distinct images, and the webhook sees each of them again and again. For the
/// built-in matchers (and plugins that say so) the same image through the same stages always gives the same
/// result, so the admission path can look it up instead of parsing and matching it again. The memo belongs to one
/// loaded `RuleSet`: a reload builds a new rule set with an empty memo, so a stale result can never outlive its
/// rules. `explain` and anything else that asks for a trace always runs the stages.
///
/// Bounded: at most `capacity` results, each for an image of at most `maxImageBytes`; when full it starts over
/// (a cluster's working set refills it at once, and a flood of distinct images only costs the lookups).
public final class PipelineMemo: Sendable {
    /// The largest number of results kept.
    public let capacity: Int
    /// Longer images are evaluated every time: references that long are rare, and keeping them would let a
    /// hostile pod spec spend the memo's memory.
    public static let maxImageBytes = 512

    struct Key: Hashable {
        var image: String
        /// Bit `i` is set when stage `i`'s `when` admits the pod.
        var admittedStages: UInt64
    }

    private let results: Mutex<[Key: PipelineResult]>

    public init(capacity: Int = 4096) {
        self.capacity = max(1, capacity)
        self.results = Mutex([:])
    }

    /// The memo's key for `image` in `context`, or nil when this image may not be memoized.
    static func key(_ image: String, context: EvaluationContext, stages: [Stage]) -> Key? {
        guard image.utf8.count <= maxImageBytes, stages.count <= 64 else { return nil }
        var mask: UInt64 = 0
        for (index, stage) in stages.enumerated() where stage.condition.admits(context) {
            mask |= 1 << UInt64(index)
        }
        return Key(image: image, admittedStages: mask)
    }

    func result(for key: Key) -> PipelineResult? {
        results.withLock { $0[key] }
    }

    func remember(_ result: PipelineResult, for key: Key) {
        results.withLock { results in
            if results.count >= capacity, results[key] == nil { results.removeAll(keepingCapacity: true) }
            results[key] = result
        }
    }

    /// How many results are kept now (for tests and diagnostics).
    public var count: Int { results.withLock { $0.count } }
}
