import Foundation
import ReplacerCore
import ReplacerServer
import Testing

@testable import ReplacerAdmission

/// Burns 40 ms of CPU per image without waiting, to stand for regex rules at their match limits.
struct BusyMatcher: ConfigurableMatcher {
    static let id = "busy"
    var traits: MatcherTraits { .runsWithoutWaiting }
    init(configuration: MatcherConfiguration) throws {}
    func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult {
        let end = ContinuousClock.now + .milliseconds(40)
        while ContinuousClock.now < end {}
        return .rewrite(to: "busy.corp/x", rule: "busy")
    }
}

/// Sleeps before answering, to stand for a registry lookup that hangs.
struct SlowMatcher: ConfigurableMatcher {
    static let id = "slow"
    init(configuration: MatcherConfiguration) throws {}
    func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult {
        try await Task.sleep(for: .seconds(30))
        return .rewrite(to: "too.late/x", rule: "slow")
    }
}

/// Waits `seconds` without ever looking at cancellation, as a plugin stuck in a blocking call would, and without
/// holding a thread meanwhile.
func waitIgnoringCancellation(seconds: Double) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { continuation.resume() }
    }
}

/// Answers after 20 s and does not stop when cancelled.
struct StuckMatcher: ConfigurableMatcher {
    static let id = "stuck"
    init(configuration: MatcherConfiguration) throws {}
    func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult {
        await waitIgnoringCancellation(seconds: 20)
        return .rewrite(to: "too.late/x", rule: "stuck")
    }
}

@Suite struct AdmissionDeadlineTests {
    /// Stages that never wait skip the deadline race, but their work adds up over a pod's containers: the deadline
    /// is checked between containers, and a pod past it is admitted unchanged with the timeout warning.
    @Test func inlineStagesStopAtTheDeadlineBetweenContainers() async throws {
        let rules = try await RuleSetLoader(registry: try MatcherRegistry([BusyMatcher.self])).load(
            text: "apiVersion: k8s-image-replacer/v1\nkind: RuleSet\nstages: [{name: cpu, matcher: busy}]\n",
            file: "r.yaml")
        #expect(rules.runsWithoutWaiting)
        let object = pod(containers: (0..<20).map { "app\($0)" })
        let started = ContinuousClock.now
        let outcome = await AdmissionReviewer(deadline: .milliseconds(150)).review(review(object), ruleSet: rules)
        let elapsed = ContinuousClock.now - started
        guard case .answer(_, let summary) = outcome else {
            Issue.record("no answer")
            return
        }
        #expect(summary.timedOut && summary.rewrites.isEmpty)
        #expect(summary.warnings.contains { $0.contains("pod admitted unchanged") })
        // Twenty containers would take 800 ms; it stops at the first container past 150 ms.
        #expect(elapsed < .milliseconds(600), "\(elapsed)")
    }

    /// A stage that sleeps (and stops when cancelled) and one that ignores cancellation: either way the answer
    /// comes at the deadline, not when the stage is done (a task group would wait the stuck one's 20 s).
    @Test(arguments: [SlowMatcher.id, StuckMatcher.id])
    func aSlowStageAdmitsThePodUnchangedWithAWarning(_ matcher: String) async throws {
        let rules = try await RuleSetLoader(registry: try MatcherRegistry([SlowMatcher.self, StuckMatcher.self])).load(
            text: "apiVersion: k8s-image-replacer/v1\nkind: RuleSet\nstages: [{name: lookup, matcher: \(matcher)}]\n",
            file: "r.yaml")
        let started = ContinuousClock.now
        let outcome = await AdmissionReviewer(deadline: .milliseconds(200)).review(
            review(pod(containers: ["nginx"])), ruleSet: rules)
        #expect(ContinuousClock.now - started < .seconds(10), "the deadline must cut the slow stage short")
        guard case .answer(let data, let summary) = outcome else {
            Issue.record("expected an answer")
            return
        }
        let response = try decodeAnswer(data)
        #expect(response.allowed)
        #expect(response.patch == nil)
        #expect(summary.timedOut)
        #expect(response.warnings.first?.contains("took longer than") == true)
    }

    @Test func aCancelledRequestEndsTheRace() async throws {
        let task = Task {
            await DeadlineRace.run(within: .seconds(60)) { () async -> Int in
                await waitIgnoringCancellation(seconds: 20)
                return 1
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        let started = ContinuousClock.now
        #expect(await task.value == nil)
        #expect(ContinuousClock.now - started < .seconds(10))
        // Work that finishes first wins.
        #expect(await DeadlineRace.run(within: .seconds(60)) { 7 } == 7)
    }
}
