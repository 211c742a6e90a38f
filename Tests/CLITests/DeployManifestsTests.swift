import Foundation
import Testing
import Yams

@testable import ReplacerCLI

/// dev/ and `manifests`: the YAML parses, the binary's copy is the files, and `manifests` prints what the files and
/// dev/webhook-patch-ca-bundle.sh produce.
@Suite struct DeployManifestsTests {
    static let yamlUnderDev: [String] = {
        let root = repositoryFile("dev")
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        return walker.compactMap { $0 as? String }
            .filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix("chart/templates/") }
            .sorted()
            .map { "dev/\($0)" }
    }()

    @Test func devHasTheExpectedFiles() {
        for path in [
            "dev/k8s-image-replacer.yaml", "dev/mutating-webhook-template.yaml", "dev/cert-manager/certificates.yaml",
            "dev/cert-manager/mutating-webhook.yaml", "dev/chart/Chart.yaml", "dev/chart/values.yaml",
        ] {
            #expect(Self.yamlUnderDev.contains(path), "\(path) is missing")
        }
    }

    /// Helm templates are not YAML until rendered; HelmChartTests checks them.
    @Test(arguments: yamlUnderDev) func everyYAMLFileUnderDevParses(_ path: String) throws {
        let documents = try yamlDocuments(try readRepositoryFile(path))
        #expect(!documents.isEmpty)
        if !path.hasPrefix("dev/chart/") {
            for document in documents {
                #expect(document["apiVersion"] is String && document["kind"] is String, "\(path): \(document.keys)")
            }
        }
    }

    @Test(arguments: DeployManifests.embeddedFiles.map(\.path)) func embeddedCopyEqualsTheFile(_ path: String) throws {
        let embedded = try #require(DeployManifests.embeddedFiles.first { $0.path == path }?.text)
        #expect(embedded == (try readRepositoryFile(path)), "\(path) changed: run dev/embed-manifests.sh")
    }

    /// The cert-manager webhook is derived from the template in the binary; it must still read exactly as the file.
    @Test func certManagerWebhookDerivationEqualsTheFile() throws {
        #expect(
            DeployManifests.certManagerWebhook == (try readRepositoryFile("dev/cert-manager/mutating-webhook.yaml")),
            "dev/cert-manager/mutating-webhook.yaml and DeployManifests.certManagerWebhook disagree")
    }

    /// The ConfigMap deploys the same rules that `rules` prints and `manifests` puts in without --rules.
    @Test func configMapHoldsTheEmbeddedDefaultRules() throws {
        let documents = try yamlDocuments(try readRepositoryFile("dev/k8s-image-replacer.yaml"))
        let data = try #require(document(documents, kind: "ConfigMap")?["data"] as? [String: Any])
        let rules = try #require(data["rules.yaml"] as? String)
        #expect(rules == DefaultRules.text + "\n", "DefaultRules changed: copy it into dev/k8s-image-replacer.yaml")
    }

    @Test(arguments: [DeployManifests.defaultNamespace, "team-a"])
    func manifestsPrintsTheDevFilesAndThePatchedTemplate(_ namespace: String) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let certs = CertsRunner.run(
            service: DeployManifests.serviceName, namespace: namespace, secret: DeployManifests.secretName,
            out: directory.path, days: 30, clusterDomain: "cluster.local", force: false)
        #expect(certs.exitCode == 0, "\(certs.stderr)")
        let caPath = directory.appendingPathComponent("ca.crt").path

        let output = await ManifestsRunner.run(
            namespace: namespace, caBundlePath: caPath, certManager: false, image: DeployManifests.defaultImage,
            rulesPath: nil, registry: registry)
        #expect(output.exitCode == 0, "\(output.stderr)")

        let patched = try runDevScript(
            "webhook-patch-ca-bundle.sh", ["--ca", caPath, "--namespace", namespace],
            stdin: try readRepositoryFile("dev/mutating-webhook-template.yaml"))
        #expect(patched.status == 0, "\(patched.stderr)")
        let workload = try readRepositoryFile("dev/k8s-image-replacer.yaml")
            .replacingOccurrences(of: DeployManifests.defaultNamespace, with: namespace)
        #expect(output.stdout == workload + "---\n" + patched.stdout)

        let documents = try yamlDocuments(output.stdout)
        #expect(
            documents.map { $0["kind"] as? String ?? "" } == [
                "Namespace", "ServiceAccount", "ConfigMap", "Deployment", "PodDisruptionBudget", "Service",
                "MutatingWebhookConfiguration",
            ])
        for document in documents
        where !["Namespace", "MutatingWebhookConfiguration"].contains(document["kind"] as? String) {
            #expect(string(document, "metadata.namespace") == namespace)
        }
        #expect(string(document(documents, kind: "Namespace"), "metadata.name") == namespace)
        let webhook = try #require(document(documents, kind: "MutatingWebhookConfiguration"))
        #expect(string(webhook, "webhooks.0.clientConfig.service.namespace") == namespace)
        #expect(
            value(webhook, "webhooks.0.namespaceSelector.matchExpressions.0.values") as? [String] == [
                namespace, "kube-system",
            ])
        let bundle = try #require(string(webhook, "webhooks.0.clientConfig.caBundle"))
        #expect(Data(base64Encoded: bundle) == FileManager.default.contents(atPath: caPath))
    }

    @Test func manifestsPutsTheImageAndTheRuleFileIn() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rules = try String(contentsOfFile: fixture("golden/mirrors.rules.yaml"), encoding: .utf8)
        let output = await ManifestsRunner.run(
            namespace: "mirrors", caBundlePath: nil, certManager: true,
            image: "registry.example.com/platform/k8s-image-replacer:1.0.0",
            rulesPath: fixture("golden/mirrors.rules.yaml"),
            registry: registry)
        #expect(output.exitCode == 0, "\(output.stderr)")
        let documents = try yamlDocuments(output.stdout)
        let configMap = try #require(document(documents, kind: "ConfigMap"))
        let deployed = try #require((configMap["data"] as? [String: Any])?["rules.yaml"] as? String)
        #expect(deployed.trimmingCharacters(in: .newlines) == rules.trimmingCharacters(in: .newlines))
        #expect(
            string(document(documents, kind: "Deployment"), "spec.template.spec.containers.0.image")
                == "registry.example.com/platform/k8s-image-replacer:1.0.0")
        // The rules really load from where the ConfigMap puts them.
        let path = try write(deployed, to: directory, as: "rules.yaml")
        #expect(await CheckRunner.run(rulesPath: path, registry: registry).exitCode == 0)
    }

    /// A rule file that rewrites pod templates gets a webhook configuration that sends the workloads; the default
    /// one sends pods only.
    @Test(arguments: [false, true])
    func workloadRulesFollowTheRuleFile(_ certManager: Bool) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let certs = CertsRunner.run(
            service: DeployManifests.serviceName, namespace: "webhooks", secret: DeployManifests.secretName,
            out: directory.path, days: 30, clusterDomain: "cluster.local", force: false)
        #expect(certs.exitCode == 0, "\(certs.stderr)")
        let ca = directory.appendingPathComponent("ca.crt").path
        let templates = try write(
            DefaultRules.text.replacingOccurrences(of: "stages:", with: "admission: {podTemplates: true}\nstages:"),
            to: directory, as: "rules.yaml")
        for (rules, expected) in [
            (nil, [["pods"], ["pods/ephemeralcontainers"]]),
            (
                templates,
                [
                    ["pods"], ["pods/ephemeralcontainers"],
                    ["deployments", "statefulsets", "daemonsets", "replicasets"],
                    ["jobs", "cronjobs"], ["replicationcontrollers", "podtemplates"],
                ]
            ),
        ] {
            let output = await ManifestsRunner.run(
                namespace: "webhooks", caBundlePath: certManager ? nil : ca, certManager: certManager,
                image: DeployManifests.defaultImage, rulesPath: rules, registry: registry)
            #expect(output.exitCode == 0, "\(output.stderr)")
            let webhook = document(try yamlDocuments(output.stdout), kind: "MutatingWebhookConfiguration")
            let sent = (value(webhook, "webhooks.0.rules") as? [[String: Any]])?.map {
                $0["resources"] as? [String] ?? []
            }
            #expect(sent == expected, "\(rules ?? "default rules")")
        }
    }

    @Test func certManagerVariantIsTheTemplateWithInjectionInsteadOfABundle() async throws {
        let output = await ManifestsRunner.run(
            namespace: "webhooks", caBundlePath: nil, certManager: true, image: DeployManifests.defaultImage,
            rulesPath: nil, registry: registry)
        #expect(output.exitCode == 0, "\(output.stderr)")
        let documents = try yamlDocuments(output.stdout)
        #expect(
            documents.map { $0["kind"] as? String ?? "" }.suffix(5) == [
                "Issuer", "Certificate", "Issuer", "Certificate", "MutatingWebhookConfiguration",
            ])
        let certificate = try #require(document(documents, kind: "Certificate", name: "k8s-image-replacer"))
        #expect(string(certificate, "spec.secretName") == DeployManifests.secretName)
        #expect(
            value(certificate, "spec.dnsNames") as? [String]
                == CertificateFiles.sans(service: "k8s-image-replacer", namespace: "webhooks"))

        var injected = try #require(document(documents, kind: "MutatingWebhookConfiguration"))
        #expect(
            (value(injected, "metadata.annotations") as? [String: Any])?["cert-manager.io/inject-ca-from"] as? String
                == "webhooks/k8s-image-replacer")
        #expect(value(injected, "webhooks.0.clientConfig.caBundle") == nil)

        // Apart from the annotation and caBundle, the two webhook configurations are the same.
        var metadata = try #require(injected["metadata"] as? [String: Any])
        metadata["annotations"] = nil
        injected["metadata"] = metadata
        let templateText = ManifestRenderer(namespace: "webhooks").namespaced(DeployManifests.webhookTemplate)
        var template = try #require(document(try yamlDocuments(templateText), kind: "MutatingWebhookConfiguration"))
        var webhooks = try #require(template["webhooks"] as? [[String: Any]])
        var clientConfig = try #require(webhooks[0]["clientConfig"] as? [String: Any])
        clientConfig["caBundle"] = nil
        webhooks[0]["clientConfig"] = clientConfig
        template["webhooks"] = webhooks
        #expect(try canonical([injected]) == canonical([template]))
    }

    @Test func manifestsRefusesWhatCannotWork() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let notPEM = try write("not a certificate\n", to: directory, as: "ca.crt")
        let issued = directory.appendingPathComponent("issued")
        #expect(
            CertsRunner.run(
                service: DeployManifests.serviceName, namespace: "team-a", secret: DeployManifests.secretName,
                out: issued.path, days: 1, clusterDomain: "cluster.local", force: false
            ).exitCode == 0)
        let servingCertificate = issued.appendingPathComponent("tls.crt").path
        let broken = try write(
            "apiVersion: k8s-image-replacer/v1\nkind: RuleSet\nstages:\n  - name: x\n    matcher: nope\n",
            to: directory, as: "r.yaml")
        let cases: [(String, String?, Bool, String, String?, Int32, String)] = [
            ("Team_A", nil, true, DeployManifests.defaultImage, nil, 2, "is not a namespace name"),
            // The manifests label and own their namespace: a shared one would get Pod Security restricted.
            ("kube-system", nil, true, DeployManifests.defaultImage, nil, 2, "--namespace kube-system is shared"),
            ("default", nil, true, DeployManifests.defaultImage, nil, 2, "--namespace default is shared"),
            ("team-a", nil, false, DeployManifests.defaultImage, nil, 2, "give --ca-bundle FILE"),
            ("team-a", notPEM, true, DeployManifests.defaultImage, nil, 2, "not both"),
            ("team-a", notPEM, false, DeployManifests.defaultImage, nil, 2, "not a PEM certificate"),
            // The serving certificate in place of the CA: trusted until its first rotation, then nothing is.
            (
                "team-a", servingCertificate, false, DeployManifests.defaultImage, nil, 2,
                "which is not a CA certificate"
            ),
            ("team-a", "/nonexistent/ca.crt", false, DeployManifests.defaultImage, nil, 2, "cannot read"),
            ("team-a", nil, true, "Not An Image", nil, 2, "is not an image reference"),
            ("team-a", nil, true, DeployManifests.defaultImage, broken, 1, "r.yaml:5:14"),
        ]
        for (namespace, ca, certManager, image, rules, code, message) in cases {
            let output = await ManifestsRunner.run(
                namespace: namespace, caBundlePath: ca, certManager: certManager, image: image, rulesPath: rules,
                registry: registry)
            #expect(output.exitCode == code && output.stdout.isEmpty, "\(namespace) \(image): \(output.stderr)")
            #expect(output.stderr.contains(message), "\(output.stderr)")
        }
    }

    @Test func patchScriptFillsTheTemplateWithTheBase64CA() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try DevelopmentCertificatesFixture.write(to: directory)
        let result = try runDevScript(
            "webhook-patch-ca-bundle.sh", ["--ca", files.ca],
            stdin: try readRepositoryFile("dev/mutating-webhook-template.yaml"))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("${CA_BUNDLE}"))
        let webhook = try #require(document(try yamlDocuments(result.stdout), kind: "MutatingWebhookConfiguration"))
        let bundle = try #require(string(webhook, "webhooks.0.clientConfig.caBundle"))
        let pem = String(decoding: try #require(Data(base64Encoded: bundle)), as: UTF8.self)
        #expect(pem.hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(pem == (try String(contentsOfFile: files.ca, encoding: .utf8)))

        let refused = try runDevScript(
            "webhook-patch-ca-bundle.sh", ["--ca", files.key],
            stdin: try readRepositoryFile("dev/mutating-webhook-template.yaml"))
        #expect(refused.status != 0 && refused.stderr.contains("not a PEM certificate"), "\(refused.stderr)")
    }
}

/// A CA and certificate made in-process, for tests that only need some valid PEM files.
enum DevelopmentCertificatesFixture {
    static func write(to directory: URL) throws -> CertificateFiles {
        let output = CertsRunner.run(
            service: "k8s-image-replacer", namespace: "fixture", secret: "tls", out: directory.path, days: 1,
            clusterDomain: "cluster.local", force: false)
        guard output.exitCode == 0 else { throw YAMLShapeError(problem: output.stderr) }
        return CertificateFiles(directory: directory)
    }
}
