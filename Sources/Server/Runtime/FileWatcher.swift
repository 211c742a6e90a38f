import Logging
import ReplacerCore
import ServiceLifecycle

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Watches the rule file and the TLS files and reloads them when their contents change.
///
/// Kubernetes updates a mounted ConfigMap or Secret by swapping a symlink to a new directory, which inotify on the
/// file itself does not see; comparing contents on a short interval catches every update method, and costs a few
/// small reads. A file that cannot be used is logged and counted and the last good version stays in force.
struct FileWatcher: Service {
    let rulesPath: String?
    let loader: RuleSetLoader
    let rules: RulesStore
    let certificates: CertificateStore?
    let interval: Duration
    let metrics: WebhookMetrics
    let logger: Logger
    /// What the current rules were loaded from (see `WebhookServer.Configuration.rulesBaseline`); nil: read the
    /// file when watching starts.
    var rulesBaseline: Data? = nil
    /// The certificate and key files as read just before `certificates` loaded them, for the same reason; nil:
    /// read them when watching starts.
    var certificateBaseline: (certificate: Data?, key: Data?)? = nil
    /// The client CA bundle (`serve --client-ca`), and its bytes as read just before it was loaded.
    var clientCA: ClientCAStore? = nil
    var clientCABaseline: Data? = nil

    func run() async throws {
        // Off the event loops: reading files and compiling a rule file must not hold up requests. A child task
        // with the preference (it inherits the task locals that signal graceful shutdown), cancelled with us.
        let watching = Task(executorPreference: BackgroundExecutor.shared) { try await watch() }
        try await withTaskCancellationHandler {
            try await watching.value
        } onCancel: {
            watching.cancel()
        }
    }

    private func watch() async throws {
        var seenRules = rulesBaseline ?? rulesPath.flatMap(Self.read)
        let baseline = certificateBaseline
        var seenCertificates = certificates.map { store in
            (baseline.map { $0.certificate } ?? Self.read(store.certificatePath)).map { [$0] } ?? []
        }
        var seenKeys = certificates.flatMap { store in baseline.map { $0.key } ?? Self.read(store.keyPath) }
        var seenClientCA = clientCABaseline ?? clientCA.flatMap { Self.read($0.path) }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                // Graceful shutdown ends the wait at once rather than after up to one interval.
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            if let rulesPath {
                let contents = Self.read(rulesPath)
                if let contents, contents != seenRules {
                    seenRules = contents
                    await reloadRules(from: rulesPath)
                } else if contents == nil && seenRules != nil {
                    // Deleted (or unreadable): nothing to load, the last good rules stay. Counted once, so an
                    // alert can fire; the file coming back, even unchanged, is loaded again.
                    seenRules = nil
                    metrics.reload("rules", result: "failure")
                    logger.error(
                        "rule file missing; the previous rules stay in force", metadata: ["file": "\(rulesPath)"])
                }
            }
            if let certificates {
                let certificate = Self.read(certificates.certificatePath).map { [$0] } ?? []
                let key = Self.read(certificates.keyPath)
                if certificate != seenCertificates || key != seenKeys {
                    seenCertificates = certificate
                    seenKeys = key
                    reload(
                        "certificate", path: certificates.certificatePath, loaded: "serving certificate reloaded",
                        rejected: "certificate rejected; the previous one keeps serving", certificates.reload)
                }
            }
            if let clientCA {
                let bundle = Self.read(clientCA.path)
                if let bundle, bundle != seenClientCA {
                    seenClientCA = bundle
                    reload(
                        "client-ca", path: clientCA.path, loaded: "client CA bundle reloaded",
                        rejected: "client CA bundle rejected; the previous one stays in force", clientCA.reload)
                } else if bundle == nil && seenClientCA != nil {
                    // As for the rule file: counted once, the last good bundle stays in force.
                    seenClientCA = nil
                    metrics.reload("client-ca", result: "failure")
                    logger.error(
                        "client CA bundle missing; the previous one stays in force",
                        metadata: ["file": "\(clientCA.path)"])
                }
            }
        }
    }

    func reloadRules(from path: String) async {
        do {
            let ruleSet = try await loader.load(contentsOf: path)
            let generation = rules.replace(with: ruleSet)
            metrics.reload("rules", result: "success")
            metrics.rulesGeneration(generation)
            logger.info(
                "rules reloaded",
                metadata: ["file": "\(path)", "generation": "\(generation)", "stages": "\(ruleSet.stages.count)"])
        } catch {
            metrics.reload("rules", result: "failure")
            logger.error("rule file rejected; the previous rules stay in force", metadata: ["error": "\(error)"])
        }
    }

    /// Runs `load` and counts and logs the result as a reload of `file`; a failed load leaves the previous version
    /// in force (the stores replace their contents only after a successful read).
    func reload(
        _ file: String, path: String, loaded: Logger.Message, rejected: Logger.Message, _ load: () throws -> Void
    ) {
        do {
            try load()
            metrics.reload(file, result: "success")
            logger.info(loaded, metadata: ["file": "\(path)"])
        } catch {
            metrics.reload(file, result: "failure")
            logger.error(rejected, metadata: ["error": "\(error)"])
        }
    }

    /// The file's bytes, following symlinks; nil while it is missing (mid-swap, or deleted).
    static func read(_ path: String) -> Data? {
        FileManager.default.contents(atPath: path)
    }
}
