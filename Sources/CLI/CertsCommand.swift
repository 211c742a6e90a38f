import ArgumentParser
import Foundation
import ReplacerServer

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// `certs`: a CA and a serving certificate for the webhook's Service, made in-process (no openssl).
struct CertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs",
        abstract: "Make a CA and a serving certificate for the webhook's Service; print them as a Secret.",
        discussion: """
            Writes ca.crt, ca.key, tls.crt and tls.key into --out and prints the Namespace and a kubernetes.io/tls \
            Secret (tls.crt, tls.key, ca.crt) for `kubectl apply -f -`. The certificate (ECDSA P-256) names S, \
            S.N, S.N.svc and S.N.svc.DOMAIN; pass ca.crt to `manifests --ca-bundle`. Keep ca.key private: only \
            signing again needs it, and the cluster never does. The same as dev/webhook-create-signed-cert.sh.
            """)

    @Option(help: "The webhook's Service.")
    var service = DeployManifests.serviceName

    @Option(help: "The Service's namespace.")
    var namespace = DeployManifests.defaultNamespace

    @Option(help: "Name of the Secret to print.")
    var secret = DeployManifests.secretName

    @Option(help: "Directory for ca.crt, ca.key, tls.crt and tls.key.")
    var out: String

    @Option(help: "Days the CA and the certificate are valid.")
    var days = 365

    @Option(help: "The cluster's DNS domain.")
    var clusterDomain = "cluster.local"

    @Flag(help: "Replace a CA already in --out (the webhook configuration must then get the new ca.crt).")
    var force = false

    func run() throws {
        try CertsRunner.run(
            service: service, namespace: namespace, secret: secret, out: out, days: days,
            clusterDomain: clusterDomain, force: force
        ).emit()
    }
}

/// The work behind `certs`.
enum CertsRunner {
    static func dnsNames(service: String, namespace: String, clusterDomain: String) -> [String] {
        [
            service, "\(service).\(namespace)", "\(service).\(namespace).svc",
            "\(service).\(namespace).svc.\(clusterDomain)",
        ]
    }

    static func run(
        service: String, namespace: String, secret: String, out: String, days: Int, clusterDomain: String,
        force: Bool
    ) -> CommandOutput {
        func usage(_ message: String) -> CommandOutput {
            CommandOutput(stderr: "error: \(message)\n", exitCode: CommandOutput.Code.usage)
        }
        guard KubernetesNames.isDNSLabel(service) else {
            return usage("--service \"\(service)\" is not a Service name")
        }
        if let problem = KubernetesNames.problem(withNamespace: namespace) { return usage(problem) }
        guard KubernetesNames.isDNSSubdomain(secret) else {
            return usage("--secret \"\(secret)\" is not a Secret name")
        }
        guard KubernetesNames.isDNSSubdomain(clusterDomain) else {
            return usage("--cluster-domain \"\(clusterDomain)\" is not a DNS name")
        }
        guard (1...3650).contains(days) else { return usage("--days must be between 1 and 3650") }
        let existing = (out as NSString).appendingPathComponent("ca.crt")
        if !force && FileManager.default.fileExists(atPath: existing) {
            return usage(
                "\(existing) exists; --force replaces the CA (then re-render the webhook configuration with it)")
        }

        let names = dnsNames(service: service, namespace: namespace, clusterDomain: clusterDomain)
        let certificates: DevelopmentCertificates
        do {
            certificates = try DevelopmentCertificates(
                commonName: "k8s-image-replacer", dnsNames: names, validity: .seconds(days * 86_400))
            try certificates.write(to: out)
        } catch {
            return CommandOutput(stderr: "error: \(error)\n", exitCode: CommandOutput.Code.failure)
        }
        let manifest = TLSSecretManifest(
            name: secret, namespace: namespace, certificatePEM: certificates.certificatePEM,
            keyPEM: certificates.keyPEM, caCertificatePEM: certificates.caCertificatePEM)
        let namespaceDocument = ManifestRenderer(namespace: namespace).namespaceDocument()
        let caPath = (out as NSString).appendingPathComponent("ca.crt")
        return CommandOutput(
            stdout: namespaceDocument + "---\n" + manifest.yaml,
            stderr: """
                certificate for \(names.joined(separator: ", ")) written to \(out)
                next: k8s-image-replacer manifests --namespace \(namespace) --ca-bundle \(caPath) | kubectl apply -f -

                """)
    }
}
