import NIOConcurrencyHelpers
import ReplacerCore

/// The rule set in force, replaceable while requests are in flight.
///
/// A request takes the current rule set once, at its start, and uses it to the end, so a reload never mixes two
/// rule files in one answer. Replaced rule sets are shut down after `drainDelay`, long after any request that
/// could still hold one has hit its deadline.
public final class RulesStore: Sendable {
    public struct Snapshot: Sendable {
        public let ruleSet: RuleSet
        /// Starts at 1 and grows by one with every successful reload.
        public let generation: Int
    }

    private let state: NIOLockedValueBox<Snapshot>
    let drainDelay: Duration

    public init(_ ruleSet: RuleSet, drainDelay: Duration = .seconds(30)) {
        self.state = NIOLockedValueBox(Snapshot(ruleSet: ruleSet, generation: 1))
        self.drainDelay = drainDelay
    }

    /// The rule set to use for one request.
    public var current: Snapshot { state.withLockedValue { $0 } }

    /// Puts `ruleSet` in force and returns its generation. The replaced one is shut down later, off the caller's
    /// path.
    @discardableResult
    public func replace(with ruleSet: RuleSet) -> Int {
        let (old, generation) = state.withLockedValue { snapshot in
            let old = snapshot.ruleSet
            snapshot = Snapshot(ruleSet: ruleSet, generation: snapshot.generation + 1)
            return (old, snapshot.generation)
        }
        let delay = drainDelay
        Task {
            try? await Task.sleep(for: delay)
            await old.shutdown()
        }
        return generation
    }
}
