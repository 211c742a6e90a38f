import Foundation
import Logging
import ReplacerServer
import Testing

@testable import ReplacerCLI

/// The serving certificates from dev/webhook-create-signed-cert.sh and `certs`: they verify against their CA for
/// every name the API server may use, the Secret holds exactly them, and the server loads and serves them.
///
/// These tests need openssl and fail, saying so, when it is missing (dev/install-deps.sh installs it).
@Suite struct DeployCertificateTests {
    /// The defaults, and names at the 63-character limit (the certificates' common names must stay within 64).
    static let names: [Names] = [
        Names(service: DeployManifests.serviceName, namespace: DeployManifests.defaultNamespace),
        Names(service: String(repeating: "s", count: 63), namespace: String(repeating: "n", count: 63)),
    ]

    struct Names: Sendable, CustomTestStringConvertible {
        var service: String
        var namespace: String
        var testDescription: String { "\(service.prefix(20)).\(namespace.prefix(30))" }
    }

    /// Runs the script in --dry-run mode into a fresh directory; returns the files and the printed Secret.
    static func scriptCertificate(_ names: Names) throws -> (CertificateFiles, String) {
        _ = try openssl()
        let directory = try temporaryDirectory()
        let result = try runDevScript(
            "webhook-create-signed-cert.sh",
            [
                "--service", names.service, "--namespace", names.namespace, "--secret", "replacer-tls", "--dry-run",
                "--out",
                directory.path,
            ])
        guard result.status == 0 else { throw YAMLShapeError(problem: "script failed: \(result.stderr)") }
        return (CertificateFiles(directory: directory), result.stdout)
    }

    static func commandCertificate(_ names: Names) throws -> (CertificateFiles, String) {
        let directory = try temporaryDirectory()
        let output = CertsRunner.run(
            service: names.service, namespace: names.namespace, secret: "replacer-tls", out: directory.path, days: 30,
            clusterDomain: "cluster.local", force: false)
        guard output.exitCode == 0 else { throw YAMLShapeError(problem: "certs failed: \(output.stderr)") }
        return (CertificateFiles(directory: directory), output.stdout)
    }

    static func checkVerifiesForEveryName(_ files: CertificateFiles, _ names: Names) throws {
        let (service, namespace) = (names.service, names.namespace)
        let tool = try openssl()
        let verify = try runProcess(tool, ["verify", "-CAfile", files.ca, files.certificate])
        #expect(verify.status == 0 && verify.stdout.contains(": OK"), "\(verify.stdout)\(verify.stderr)")
        for name in CertificateFiles.sans(service: service, namespace: namespace) {
            let check = try runProcess(tool, ["x509", "-in", files.certificate, "-noout", "-checkhost", name])
            #expect(check.stdout.contains("\(name) does match"), "\(name): \(check.stdout)\(check.stderr)")
        }
        let other = try runProcess(
            tool, ["x509", "-in", files.certificate, "-noout", "-checkhost", "other.\(namespace).svc"])
        #expect(other.stdout.contains("does NOT match"), "\(other.stdout)")
        // A serving certificate, not a CA.
        let text = try runProcess(tool, ["x509", "-in", files.certificate, "-noout", "-text"])
        #expect(text.stdout.contains("TLS Web Server Authentication") && text.stdout.contains("CA:FALSE"))
    }

    static func checkSecret(_ yaml: String, _ files: CertificateFiles, _ names: Names) throws {
        let secret = try #require(document(try yamlDocuments(yaml), kind: "Secret"))
        #expect(secret["type"] as? String == "kubernetes.io/tls")
        #expect(string(secret, "metadata.name") == "replacer-tls")
        #expect(string(secret, "metadata.namespace") == names.namespace)
        let data = try #require(secret["data"] as? [String: String])
        #expect(Set(data.keys) == ["tls.crt", "tls.key", "ca.crt"])
        for (key, path) in [("tls.crt", files.certificate), ("tls.key", files.key), ("ca.crt", files.ca)] {
            #expect(Data(base64Encoded: data[key] ?? "") == FileManager.default.contents(atPath: path), "\(key)")
        }
    }

    /// What the server does with a mounted Secret: load the pair (it checks the key matches) and build its TLS
    /// configuration.
    static func checkServerLoads(_ files: CertificateFiles) throws {
        let store = try CertificateStore(certificatePath: files.certificate, keyPath: files.key)
        _ = store.serverConfiguration(clientCA: nil)
    }

    @Test(arguments: names) func scriptCertificateVerifiesForEveryServiceName(_ names: Names) throws {
        let (files, yaml) = try Self.scriptCertificate(names)
        defer { try? FileManager.default.removeItem(at: files.directory) }
        try Self.checkVerifiesForEveryName(files, names)
        try Self.checkSecret(yaml, files, names)
        try Self.checkServerLoads(files)
    }

    @Test(arguments: names) func certsCommandCertificateVerifiesForEveryServiceName(_ names: Names) throws {
        let (files, yaml) = try Self.commandCertificate(names)
        defer { try? FileManager.default.removeItem(at: files.directory) }
        try Self.checkVerifiesForEveryName(files, names)
        try Self.checkSecret(yaml, files, names)
        try Self.checkServerLoads(files)
        // The Namespace printed before the Secret is the one `manifests` applies, so neither undoes the other.
        let namespace = try #require(document(try yamlDocuments(yaml), kind: "Namespace"))
        let rendered = try yamlDocuments(
            ManifestRenderer(namespace: names.namespace).namespaced(DeployManifests.workload))
        #expect(try canonical([namespace]) == canonical([try #require(document(rendered, kind: "Namespace"))]))
    }

    /// A real handshake: the webhook serves the script's certificate and openssl, trusting only the CA, checks the
    /// name the API server dials (service.namespace.svc).
    @Test func serverCompletesAHandshakeWithTheScriptCertificate() async throws {
        let tool = try openssl()
        let names = Self.names[0]
        let (files, _) = try Self.scriptCertificate(names)
        defer { try? FileManager.default.removeItem(at: files.directory) }
        var configuration = WebhookServer.Configuration(certificatePath: files.certificate, keyPath: files.key)
        configuration.host = "127.0.0.1"
        configuration.probeHost = "127.0.0.1"
        configuration.port = 0
        configuration.probePort = 0
        var logger = Logger(label: "deploy-test")
        logger.logLevel = .critical
        let server = WebhookServer(
            configuration: configuration, rules: RulesStore(try await RulesLoading.load(nil, registry: registry)),
            loader: .init(registry: registry), logger: logger)
        let (ready, continuation) = AsyncStream<WebhookServer.BoundPorts>.makeStream()
        let task = Task { try await server.run(handleSignals: false) { continuation.yield($0) } }
        defer { task.cancel() }
        var port = 0
        for await ports in ready {
            port = ports.tls
            break
        }
        let name = "\(names.service).\(names.namespace).svc"
        let handshake = try runProcess(
            tool,
            [
                "s_client", "-connect", "127.0.0.1:\(port)", "-servername", name, "-verify_hostname", name, "-CAfile",
                files.ca,
                "-verify_return_error",
            ])
        #expect(handshake.status == 0, "\(handshake.stdout)\(handshake.stderr)")
        #expect(handshake.stdout.contains("Verify return code: 0 (ok)"), "\(handshake.stdout)")
        let wrongName = try runProcess(
            tool,
            [
                "s_client", "-connect", "127.0.0.1:\(port)", "-verify_hostname", "elsewhere.\(names.namespace).svc",
                "-CAfile",
                files.ca, "-verify_return_error",
            ])
        #expect(wrongName.status != 0 && wrongName.stdout.contains("hostname mismatch"), "\(wrongName.stdout)")
        task.cancel()
        _ = try? await task.value
    }

    @Test func certsKeepsAnExistingCAUnlessForced() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func run(force: Bool) -> CommandOutput {
            CertsRunner.run(
                service: "s", namespace: "n", secret: "t", out: directory.path, days: 1, clusterDomain: "cluster.local",
                force: force)
        }
        #expect(run(force: false).exitCode == 0)
        let first = FileManager.default.contents(atPath: directory.appendingPathComponent("ca.crt").path)
        let refused = run(force: false)
        #expect(refused.exitCode == 2 && refused.stderr.contains("--force"))
        #expect(FileManager.default.contents(atPath: directory.appendingPathComponent("ca.crt").path) == first)
        #expect(run(force: true).exitCode == 0)
        #expect(FileManager.default.contents(atPath: directory.appendingPathComponent("ca.crt").path) != first)
        let keyAttributes = try FileManager.default.attributesOfItem(
            atPath: directory.appendingPathComponent("tls.key").path)
        #expect((keyAttributes[.posixPermissions] as? Int).map { $0 & 0o077 } == 0)
    }

    @Test func scriptAndCommandRefuseNamesKubernetesWouldReject() throws {
        _ = try openssl()
        let script = try runDevScript("webhook-create-signed-cert.sh", ["--namespace", "Team_A", "--dry-run"])
        #expect(script.status != 0 && script.stderr.contains("is not a DNS label"), "\(script.stderr)")
        let command = CertsRunner.run(
            service: "web.hook", namespace: "n", secret: "t", out: "/nonexistent", days: 1,
            clusterDomain: "cluster.local",
            force: false)
        #expect(command.exitCode == 2 && command.stderr.contains("is not a Service name"))
        let shared = CertsRunner.run(
            service: "k8s-image-replacer", namespace: "kube-system", secret: "t", out: "/nonexistent", days: 1,
            clusterDomain: "cluster.local", force: false)
        #expect(shared.exitCode == 2 && shared.stderr.contains("is shared"), "\(shared.stderr)")
    }
}
