import Crypto
import Foundation
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// A private CA and a serving certificate signed by it, made in-process with swift-certificates.
///
/// Used by `serve --dev` (the quick start), by the tests, and by `certs` for clusters without cert-manager. Keys are
/// ECDSA P-256, which every Kubernetes API server accepts and which is fast to generate.
public struct DevelopmentCertificates: Sendable {
    /// PEM of the CA certificate: what goes in a webhook configuration's `caBundle`.
    public let caCertificatePEM: String
    public let caKeyPEM: String
    /// PEM of the serving certificate.
    public let certificatePEM: String
    public let keyPEM: String

    /// Makes a CA and a certificate for `dnsNames` and `ipAddresses` (dotted IPv4 or IPv6 text), for serving, or
    /// with `clientAuth` for authenticating a client (mTLS tests, an API server's webhook client certificate).
    /// Both are valid from one hour ago (clock skew) for `validity`.
    public init(
        commonName: String, dnsNames: [String], ipAddresses: [String] = [], clientAuth: Bool = false,
        validity: Duration = .seconds(365 * 86_400)
    ) throws {
        let now = Date()
        let notBefore = now.addingTimeInterval(-3600)
        let notAfter = now.addingTimeInterval(TimeInterval(validity.components.seconds))

        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("k8s-image-replacer")
            CommonName("\(commonName) CA")
        }
        let caPublicKey = Certificate.PublicKey(caKey.publicKey)
        let ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: caPublicKey, notValidBefore: notBefore,
            notValidAfter: notAfter, issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: caPublicKey)
            },
            issuerPrivateKey: .init(caKey))

        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        var names: [GeneralName] = dnsNames.map { .dnsName($0) }
        for address in ipAddresses {
            guard let bytes = Self.ipBytes(address) else {
                throw CertificateRequestError(problem: "\"\(address)\" is not an IP address")
            }
            names.append(.ipAddress(ASN1OctetString(contentBytes: bytes[...])))
        }
        guard !names.isEmpty else {
            throw CertificateRequestError(problem: "a serving certificate needs at least one name")
        }
        let subject = try DistinguishedName {
            OrganizationName("k8s-image-replacer")
            CommonName(dnsNames.first ?? commonName)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: publicKey, notValidBefore: notBefore,
            notValidAfter: notAfter, issuer: caName, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage(clientAuth ? [.clientAuth] : [.serverAuth])
                SubjectAlternativeNames(names)
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: caPublicKey).keyIdentifier)
            },
            issuerPrivateKey: .init(caKey))

        caCertificatePEM = try ca.serializeAsPEM().pemString + "\n"
        caKeyPEM = caKey.pemRepresentation + "\n"
        certificatePEM = try certificate.serializeAsPEM().pemString + "\n"
        keyPEM = key.pemRepresentation + "\n"
    }

    /// Writes `ca.crt`, `ca.key`, `tls.crt` and `tls.key` (the names of a `kubernetes.io/tls` Secret) into
    /// `directory`, creating it; keys are readable by the owner only.
    public func write(to directory: String) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text, secret) in [
            ("ca.crt", caCertificatePEM, false), ("ca.key", caKeyPEM, true), ("tls.crt", certificatePEM, false),
            ("tls.key", keyPEM, true),
        ] {
            let path = (directory as NSString).appendingPathComponent(name)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            try manager.setAttributes([.posixPermissions: secret ? 0o600 : 0o644], ofItemAtPath: path)
        }
    }

    static func ipBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}

/// A certificate cannot be made as asked.
public struct CertificateRequestError: Error, CustomStringConvertible, Sendable {
    public var problem: String
    public var description: String { "cannot make the certificate: \(problem)" }
}
