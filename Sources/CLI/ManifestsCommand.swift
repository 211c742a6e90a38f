import ArgumentParser
import Foundation
import ReplacerCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// `manifests`: prints everything that deploys the webhook, for `kubectl apply -f -`.
struct ManifestsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifests",
        abstract: "Print the Kubernetes manifests that deploy the webhook, for `kubectl apply -f -`.",
        discussion: """
            The documents of dev/k8s-image-replacer.yaml (Namespace, ServiceAccount, ConfigMap with the rule file, \
            Deployment, PodDisruptionBudget, Service), then the webhook configuration of \
            dev/mutating-webhook-template.yaml with its caBundle filled from --ca-bundle (the ca.crt `certs` \
            writes). With --cert-manager instead, the Issuers and Certificates of dev/cert-manager/ and a webhook \
            configuration whose CA cert-manager injects. The rule file is checked before it goes into the ConfigMap.
            """)

    @Option(help: "Namespace to deploy into; the webhook never rewrites pods in it, nor in kube-system.")
    var namespace = DeployManifests.defaultNamespace

    @Option(help: "PEM CA certificate that signed the serving certificate (the ca.crt written by `certs`).")
    var caBundle: String?

    @Flag(help: "Have cert-manager issue the serving certificate and inject its CA (instead of --ca-bundle).")
    var certManager = false

    @Option(help: "The webhook's container image.")
    var image = DeployManifests.defaultImage

    @OptionGroup var rules: RulesOptions

    func run() async throws {
        try await ManifestsRunner.run(
            namespace: namespace, caBundlePath: caBundle, certManager: certManager, image: image,
            rulesPath: rules.rules, registry: CommandEnvironment.registry
        ).emit()
    }
}

/// The work behind `manifests`.
enum ManifestsRunner {
    static func run(
        namespace: String, caBundlePath: String?, certManager: Bool, image: String, rulesPath: String?,
        registry: MatcherRegistry
    ) async -> CommandOutput {
        func usage(_ message: String) -> CommandOutput {
            CommandOutput(stderr: "error: \(message)\n", exitCode: CommandOutput.Code.usage)
        }
        if let problem = KubernetesNames.problem(withNamespace: namespace) { return usage(problem) }
        do {
            _ = try ImageReference(parsing: image)
        } catch {
            return usage("--image \"\(image)\" is not an image reference: \(error)")
        }
        let trust: ManifestRenderer.Trust
        switch (caBundlePath, certManager) {
        case (let path?, false):
            guard let data = FileManager.default.contents(atPath: path) else {
                return usage("cannot read the CA bundle \(path)")
            }
            trust = .caBundle(pem: String(decoding: data, as: UTF8.self))
        case (nil, true):
            trust = .certManager
        case (_?, true):
            return usage("give --ca-bundle or --cert-manager, not both")
        case (nil, false):
            return usage("give --ca-bundle FILE (the ca.crt `certs` writes), or --cert-manager where cert-manager runs")
        }

        var renderer = ManifestRenderer(namespace: namespace, image: image)
        do {
            let ruleSet = try await RulesLoading.load(rulesPath, registry: registry)
            renderer.podTemplates = ruleSet.admission.podTemplates
            await ruleSet.shutdown()
        } catch {
            return CommandOutput(stderr: "error: \(error)\n", exitCode: CommandOutput.Code.failure)
        }
        if let rulesPath {
            guard let data = FileManager.default.contents(atPath: rulesPath) else {
                return usage("cannot read \(rulesPath)")
            }
            renderer.rules = String(decoding: data, as: UTF8.self)
        }
        do {
            return CommandOutput(stdout: try renderer.render(trust))
        } catch {
            return usage("\(error)")
        }
    }
}
