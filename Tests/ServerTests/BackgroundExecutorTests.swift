import CoreMetrics
import Foundation
import Logging
import NIOSSL
import Prometheus
import ReplacerCore
import Synchronization
import Testing

@testable import ReplacerServer

/// A new temporary directory holding `rules.yaml` with `text`; the caller removes the directory.
func rulesFile(_ text: String) throws -> (directory: URL, path: String) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("watcher-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent("rules.yaml").path
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return (directory, path)
}

/// Records whether its stages are compiled on the background executor's thread.
struct ThreadRecordingMatcher: ConfigurableMatcher {
    static let id = "thread-recording"
    static let compiledInBackground = Mutex<[Bool]>([])

    init(configuration: MatcherConfiguration) throws {
        let background = BackgroundExecutor.shared.isCurrentThread()
        Self.compiledInBackground.withLock { $0.append(background) }
    }

    func evaluate(_ image: ImageInput, context: EvaluationContext) async throws -> MatchResult { .noMatch() }
}

@Suite struct BackgroundExecutorTests {
    @Test func jobsRunOnTheExecutorsOwnThread() async {
        #expect(!BackgroundExecutor.shared.isCurrentThread())
        let seen = await Task(executorPreference: BackgroundExecutor.shared) {
            var seen: [Bool] = []
            for _ in 0..<3 {
                seen.append(BackgroundExecutor.shared.isCurrentThread())
                await Task.yield()
            }
            return seen
        }.value
        #expect(seen == [true, true, true])
    }

    @Test func aReloadCompilesTheRulesOffTheCallersThreads() async throws {
        let text =
            "apiVersion: k8s-image-replacer/v1\nkind: RuleSet\nstages: [{name: recorded, matcher: thread-recording}]\n"
        let (directory, path) = try rulesFile(text)
        defer { try? FileManager.default.removeItem(at: directory) }

        let loader = RuleSetLoader(registry: try MatcherRegistry([ThreadRecordingMatcher.self]))
        let baseline = FileManager.default.contents(atPath: path)
        let store = RulesStore(try await loader.load(contentsOf: path), drainDelay: .milliseconds(10))
        let watcher = FileWatcher(
            rulesPath: path, loader: loader, rules: store, certificates: nil, interval: .milliseconds(20),
            metrics: WebhookMetrics(factory: NOOPMetricsHandler.instance), logger: Logger(label: "test"),
            rulesBaseline: baseline)
        ThreadRecordingMatcher.compiledInBackground.withLock { $0.removeAll() }
        let watching = Task { try await watcher.run() }
        defer { watching.cancel() }

        try await Task.sleep(for: .milliseconds(60))
        try Data((text + "# changed\n").utf8).write(to: URL(fileURLWithPath: path))
        for _ in 0..<250 where store.current.generation < 2 {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(store.current.generation == 2, "the changed file was not reloaded")
        #expect(ThreadRecordingMatcher.compiledInBackground.withLock { $0 } == [true])
    }
}

@Suite struct FileWatcherBaselineTests {
    /// The rules were loaded, then the file changed before the watcher first looked at it: the watcher must
    /// compare against what was loaded, not against its own first read, or the change is never applied.
    @Test func aChangeBetweenLoadingAndWatchingIsReloaded() async throws {
        let text =
            "apiVersion: k8s-image-replacer/v1\nkind: RuleSet\nstages: [{name: hub, matcher: prefix, rules: {docker.io: a.corp}}]\n"
        let (directory, path) = try rulesFile(text)
        defer { try? FileManager.default.removeItem(at: directory) }

        let loader = RuleSetLoader(registry: registry)
        let baseline = FileManager.default.contents(atPath: path)
        let store = RulesStore(try await loader.load(contentsOf: path), drainDelay: .milliseconds(10))
        try Data(text.replacingOccurrences(of: "a.corp", with: "b.corp").utf8).write(to: URL(fileURLWithPath: path))

        // Metrics of this watcher's own, so the values below are exact (the process-wide ones are shared).
        let prometheus = PrometheusCollectorRegistry()
        let watcher = FileWatcher(
            rulesPath: path, loader: loader, rules: store, certificates: nil, interval: .milliseconds(20),
            metrics: WebhookMetrics(factory: PrometheusMetricsFactory(registry: prometheus)),
            logger: Logger(label: "test"),
            rulesBaseline: baseline)
        let watching = Task { try await watcher.run() }
        defer { watching.cancel() }
        for _ in 0..<250 where store.current.generation < 2 {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(store.current.generation == 2, "the edit made before watching began was not applied")
        let result = await Pipeline(store.current.ruleSet).run("nginx:1.27", context: EvaluationContext())
        #expect(result.image == "b.corp/library/nginx:1.27")
        func metrics() -> String {
            var buffer: [UInt8] = []
            prometheus.emit(into: &buffer)
            return String(decoding: buffer, as: UTF8.self)
        }
        #expect(metricValue(metrics(), "k8s_image_replacer_rules_generation") == 2)
        #expect(metricValue(metrics(), #"k8s_image_replacer_reloads_total{file="rules",result="success"}"#) == 1)

        // A file that does not load is counted once and changes neither the rules nor the generation.
        try Data("stages: [".utf8).write(to: URL(fileURLWithPath: path))
        let failures = #"k8s_image_replacer_reloads_total{file="rules",result="failure"}"#
        for _ in 0..<250 where metricValue(metrics(), failures) < 1 {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(metricValue(metrics(), failures) == 1)
        #expect(metricValue(metrics(), "k8s_image_replacer_rules_generation") == 2)
        #expect(store.current.generation == 2)
    }

    /// The same for the serving certificate: a rotation between loading it and watching is served.
    @Test func aRotationBetweenLoadingAndWatchingIsServed() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("baseline-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let tls = directory.path
        let first = try DevelopmentCertificates(commonName: "first", dnsNames: ["localhost"])
        try first.write(to: tls)
        let (certificatePath, keyPath) = (tls + "/tls.crt", tls + "/tls.key")
        let baseline = (
            certificate: FileManager.default.contents(atPath: certificatePath),
            key: FileManager.default.contents(atPath: keyPath)
        )
        let store = try CertificateStore(certificatePath: certificatePath, keyPath: keyPath)
        let rotated = try DevelopmentCertificates(commonName: "rotated", dnsNames: ["localhost"])
        try rotated.write(to: tls)
        let served = { try store.currentChain.first?.toDERBytes() }
        #expect(
            try served() == (try NIOSSLCertificate(bytes: Array(first.certificatePEM.utf8), format: .pem).toDERBytes()))

        let watcher = FileWatcher(
            rulesPath: nil, loader: RuleSetLoader(registry: registry), rules: RulesStore(try await ruleSet()),
            certificates: store, interval: .milliseconds(20),
            metrics: WebhookMetrics(factory: NOOPMetricsHandler.instance), logger: Logger(label: "test"),
            certificateBaseline: baseline)
        let watching = Task { try await watcher.run() }
        defer { watching.cancel() }
        let expected = try NIOSSLCertificate(bytes: Array(rotated.certificatePEM.utf8), format: .pem).toDERBytes()
        for _ in 0..<250 where try served() != expected {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try served() == expected, "the certificate rotated before watching began is not served")
    }
}
