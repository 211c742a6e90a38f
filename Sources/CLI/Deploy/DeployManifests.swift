import Foundation

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// The Kubernetes manifests under dev/, compiled into the binary so that `manifests` and `certs` work from the
/// executable alone.
///
/// The YAML files are the source: dev/embed-manifests.sh copies each into `DeployManifests+<Name>.swift`, and a
/// test checks the copies still equal the files. What the binary prints is therefore what `kubectl apply -f dev/`
/// and the dev/ scripts produce, with the same few substitutions.
enum DeployManifests {
    /// The namespace the files are written for. Every occurrence is replaced by `--namespace`, the same way
    /// dev/webhook-patch-ca-bundle.sh replaces it, so the name appears nowhere else in the files.
    static let defaultNamespace = "k8s-image-replacer-system"
    /// The Service the webhook configuration calls and the certificate names.
    static let serviceName = "k8s-image-replacer"
    /// The Secret the Deployment mounts.
    static let secretName = "k8s-image-replacer-tls"
    /// The image in dev/k8s-image-replacer.yaml, replaced by `--image`.
    static let defaultImage = "k8s-image-replacer:dev"
    /// Filled with the base64 PEM CA, as by dev/webhook-patch-ca-bundle.sh.
    static let caBundlePlaceholder = "${CA_BUNDLE}"
    /// The ConfigMap key whose block scalar holds the rule file.
    static let rulesKeyLine = "  rules.yaml: |"
    /// Lines of the rule file inside that block scalar are indented this much.
    static let rulesIndentation = "    "

    /// `dev/cert-manager/mutating-webhook.yaml`, derived from the template rather than embedded a second time: the
    /// variant differs only in its header comment, the CA-injector annotation and the absent `caBundle` line
    /// (a test keeps the derivation equal to the file).
    static var certManagerWebhook: String {
        let header = """
            # The MutatingWebhookConfiguration for clusters that run cert-manager: identical to
            # dev/mutating-webhook-template.yaml except that cert-manager's CA injector fills caBundle from the
            # Certificate named in the annotation (see dev/cert-manager/certificates.yaml).
            #
            #   kubectl apply -f dev/cert-manager/mutating-webhook.yaml

            """
        let labels = "  labels:\n    app.kubernetes.io/name: k8s-image-replacer\n"
        let annotation = "  annotations:\n    cert-manager.io/inject-ca-from: \(defaultNamespace)/\(serviceName)\n"
        var lines = webhookTemplate.components(separatedBy: "\n")
        lines.removeAll { $0.trimmingCharacters(in: .whitespaces) == "caBundle: \(caBundlePlaceholder)" }
        var body = lines.drop { $0.hasPrefix("#") }.joined(separator: "\n")
        body = body.replacingOccurrences(
            of: "metadata:\n  name: \(serviceName)\n" + labels,
            with: "metadata:\n  name: \(serviceName)\n" + labels + annotation)
        return header + body
    }
}
