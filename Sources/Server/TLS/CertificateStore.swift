import HummingbirdHTTP2
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The serving certificate and key, replaceable without a restart.
///
/// The TLS configuration asks this store for the certificate on every handshake (nio-ssl's context callback), so
/// a rotated Secret takes effect for new connections as soon as it is loaded, while established connections keep
/// the certificate they were opened with.
public final class CertificateStore: Sendable {
    struct Identity: Sendable {
        var chain: [NIOSSLCertificate]
        var key: NIOSSLPrivateKey
    }

    private let identity: NIOLockedValueBox<Identity>
    public let certificatePath: String
    public let keyPath: String

    /// Loads the PEM certificate chain and key; throws a `TLSFilesError` that names the file and what is wrong.
    public init(certificatePath: String, keyPath: String) throws {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.identity = NIOLockedValueBox(try Self.load(certificatePath: certificatePath, keyPath: keyPath))
    }

    /// The chain new handshakes are served now.
    var currentChain: [NIOSSLCertificate] { identity.withLockedValue { $0.chain } }

    /// Re-reads the files. On failure the previous certificate stays in use and the error is thrown.
    public func reload() throws {
        let loaded = try Self.load(certificatePath: certificatePath, keyPath: keyPath)
        identity.withLockedValue { $0 = loaded }
    }

    /// The TLS port's configuration: the certificate from this store on every handshake, TLS 1.2 and later, and
    /// with `clientCA`, a client certificate required and judged by `clientCA.verify` against the bundle loaded
    /// at that handshake (BoringSSL's own trust roots are fixed when the context is built, so a rotated bundle
    /// would need a restart).
    public func serverConfiguration(clientCA: ClientCAStore?) -> TLSChannelConfiguration {
        var verifyClient: TLSChannelConfiguration.CustomVerificationCallback?
        if let clientCA {
            verifyClient = { chain, promise in promise.completeWithTask { await clientCA.verify(chain) } }
        }
        return TLSChannelConfiguration(
            tlsConfiguration: tlsConfiguration(verifyingClients: clientCA != nil),
            customVerificationCallback: verifyClient)
    }

    private func tlsConfiguration(verifyingClients: Bool) -> TLSConfiguration {
        let current = identity.withLockedValue { $0 }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: current.chain.map { .certificate($0) }, privateKey: .privateKey(current.key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuiteValues = Self.tls12CipherSuites
        // When we close a connection (shutdown, idle timeout), our close_notify and every answer are already
        // written; waiting for the client's close_notify only delays the close. The library waits 5 s, which held
        // every SIGTERM under load for 5 s with clients that never send it (wrk); 1 s still lets a client that
        // is reading our last answer finish before the socket goes.
        configuration.shutdownTimeout = .seconds(1)
        if verifyingClients {
            // A certificate from every client, with no name to check (the API server's cannot be predicted) and
            // no trust roots here: the verification callback is the only judge.
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates([])
        }
        configuration.sslContextCallback = { [identity] _, promise in
            let current = identity.withLockedValue { $0 }
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = current.chain.map { .certificate($0) }
            override.privateKey = .privateKey(current.key)
            promise.succeed(override)
        }
        return configuration
    }

    /// TLS 1.2 suites offered: forward-secret (ECDHE) AEAD only, no CBC, no static RSA. TLS 1.3 suites are always
    /// the library's modern set. The Kubernetes API server (Go's crypto/tls) supports all of these.
    static let tls12CipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]

    static func load(certificatePath: String, keyPath: String) throws -> Identity {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw TLSFilesError(path: certificatePath, problem: "is not a PEM certificate chain (\(error))")
        }
        guard !chain.isEmpty else { throw TLSFilesError(path: certificatePath, problem: "holds no certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw TLSFilesError(path: keyPath, problem: "is not a PEM private key (\(error))")
        }
        // A mismatched pair would only fail at the first handshake; check it now so a bad rotation is refused.
        do {
            let leaf = try Certificate(derEncoded: try chain[0].toDERBytes())
            let pem = try String(contentsOfFile: keyPath, encoding: .utf8)
            let privateKey = try Certificate.PrivateKey(pemEncoded: pem)
            guard privateKey.publicKey == leaf.publicKey else {
                throw TLSFilesError(path: keyPath, problem: "does not belong to the certificate in \(certificatePath)")
            }
        } catch let error as TLSFilesError {
            throw error
        } catch {
            // A key type swift-certificates cannot parse is still usable by BoringSSL; the handshake will tell.
        }
        return Identity(chain: chain, key: key)
    }
}

/// A certificate, key or CA file that cannot be used.
public struct TLSFilesError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var problem: String
    public var description: String { "\(path) \(problem)" }
}

/// The CA bundle a webhook configuration's `caBundle` holds: the API server trusts the serving certificate through
/// it, so it must hold CA certificates, not the serving certificate itself.
package enum WebhookCABundle {
    /// Why `pem` cannot serve as the bundle, or nil. A serving certificate given by mistake (`tls.crt` for
    /// `ca.crt`) works until its first rotation, and then every admission fails its TLS handshake.
    package static func problem(_ pem: String) -> String? {
        let certificates: [Certificate]
        do {
            certificates = try Certificate.all(inPEM: pem)
        } catch {
            return "the CA bundle is not a PEM certificate (\(error))"
        }
        guard !certificates.isEmpty else {
            return "the CA bundle is not a PEM certificate (-----BEGIN CERTIFICATE-----)"
        }
        for certificate in certificates {
            guard case .isCertificateAuthority = try? certificate.extensions.basicConstraints else {
                return "the CA bundle holds \(certificate.subject), which is not a CA certificate (no basicConstraints "
                    + "CA:TRUE): give the CA's certificate (the ca.crt `certs` writes), not the serving certificate"
            }
        }
        return nil
    }
}

extension Certificate {
    /// Every `CERTIFICATE` block of a PEM text, in order (other blocks, such as keys, are skipped); empty when there
    /// is none. Throws when a block is not PEM or not a certificate.
    static func all(inPEM text: String) throws -> [Certificate] {
        try PEMDocument.parseMultiple(pemString: text)
            .filter { $0.discriminator == "CERTIFICATE" }
            .map { try Certificate(derEncoded: $0.derBytes) }
    }
}
