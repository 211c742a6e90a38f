import Foundation

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// A `kubernetes.io/tls` Secret holding the serving certificate, its key and the CA, as YAML for
/// `kubectl apply -f -`: the same document dev/webhook-create-signed-cert.sh prints with --dry-run.
struct TLSSecretManifest: Sendable {
    var name: String
    var namespace: String
    var certificatePEM: String
    var keyPEM: String
    var caCertificatePEM: String

    var yaml: String {
        """
        apiVersion: v1
        kind: Secret
        metadata:
          name: \(name)
          namespace: \(namespace)
          labels:
            app.kubernetes.io/name: k8s-image-replacer
        type: kubernetes.io/tls
        data:
          tls.crt: \(Self.base64(certificatePEM))
          tls.key: \(Self.base64(keyPEM))
          ca.crt: \(Self.base64(caCertificatePEM))

        """
    }

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
}

/// Kubernetes object names used on the command line: a DNS label (RFC 1123) for Services and namespaces.
enum KubernetesNames {
    /// Namespaces other things live in. The manifests create their namespace, label it for Pod Security
    /// `restricted` (which would then refuse kube-proxy, CNI and CSI pods in kube-system), and `kubectl delete -f`
    /// deletes it: none of these may be the webhook's.
    static let sharedNamespaces: Set<String> = ["default", "kube-system", "kube-public", "kube-node-lease"]

    /// Why `namespace` cannot hold the webhook, or nil.
    static func problem(withNamespace namespace: String) -> String? {
        guard isDNSLabel(namespace) else {
            return "--namespace \"\(namespace)\" is not a namespace name (lowercase letters, digits and '-')"
        }
        guard !sharedNamespaces.contains(namespace) else {
            return
                "--namespace \(namespace) is shared: the manifests create their namespace, label it for Pod Security "
                + "restricted, and `kubectl delete -f` deletes it; give the webhook a namespace of its own"
        }
        return nil
    }

    static func isDNSLabel(_ name: String) -> Bool {
        guard (1...63).contains(name.utf8.count), let first = name.utf8.first, let last = name.utf8.last else {
            return false
        }
        func alphanumeric(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) }
        return alphanumeric(first) && alphanumeric(last) && name.utf8.allSatisfy { alphanumeric($0) || $0 == 0x2D }
    }

    /// A DNS subdomain (RFC 1123): dot-separated labels, at most 253 characters; what a Secret's name must be.
    static func isDNSSubdomain(_ name: String) -> Bool {
        name.utf8.count <= 253
            && name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
                isDNSLabel(String($0))
            }
    }
}
