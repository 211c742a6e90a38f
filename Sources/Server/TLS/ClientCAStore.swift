import NIOConcurrencyHelpers
import NIOSSL
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The CA bundle that client certificates must chain to (`serve --client-ca`), replaceable without a restart.
///
/// BoringSSL's own verification reads its trust roots from a context that is built once, so a rotated CA bundle
/// would need a restart, and until then the server would keep trusting the old CA and refusing the new one. The
/// TLS handler instead asks `verify(_:)` for every client chain, which checks it against the bundle loaded now:
/// RFC 5280 path validation at the current time, and the key usages BoringSSL checks for a server's peer
/// (`ClientAuthenticationUsage`).
///
/// A resumed TLS session skips certificate verification altogether (BoringSSL reuses the session's peer
/// certificate), so a client verified under an earlier bundle could resume after its CA was removed. The TLS
/// port therefore also asks `admitsEstablishedConnection(presenting:)` when a handshake completes: answered from
/// what `verify(_:)` saw under the current bundle, or by verifying the certificate again.
public final class ClientCAStore: Sendable {
    public let path: String

    private struct State {
        var roots: X509.CertificateStore
        /// Counts successful loads, so a verification remembers which bundle it was made against.
        var generation = 0
        /// Leaf certificates (DER) verified under the current bundle, with the generation and the end of the
        /// verified chain's validity. Emptied by a reload; bounded: cleared when full (a forgotten leaf is only
        /// verified again).
        var verified: [[UInt8]: Verified] = [:]
        /// The certificates that came after each verified leaf in its handshake. Kept across reloads: a resumed
        /// session presents only its leaf, and a leaf issued by an intermediate CA needs them to be verified
        /// again. Bounded like `verified`.
        var intermediates: [[UInt8]: [NIOSSLCertificate]] = [:]
    }

    private struct Verified {
        var generation: Int
        var notAfter: Date
    }

    private let state: NIOLockedValueBox<State>
    /// How many verified leaves (and their intermediates) are remembered.
    static let rememberedLeaves = 1024

    /// Loads the PEM bundle; throws a `TLSFilesError` that names the file and what is wrong.
    public init(path: String) throws {
        self.path = path
        self.state = NIOLockedValueBox(State(roots: X509.CertificateStore(try Self.load(path))))
    }

    /// Re-reads the bundle. On failure the previous one stays in force and the error is thrown.
    public func reload() throws {
        let loaded = X509.CertificateStore(try Self.load(path))
        state.withLockedValue {
            $0.roots = loaded
            $0.generation += 1
            $0.verified.removeAll()
        }
    }

    /// Whether `chain` (leaf first, as the client sent it) leads to a CA of the current bundle.
    public func verify(_ chain: [NIOSSLCertificate]) async -> NIOSSLVerificationResult {
        let encoded: [[UInt8]]
        let certificates: [Certificate]
        do {
            encoded = try chain.map { try $0.toDERBytes() }
            certificates = try encoded.map { try Certificate(derEncoded: $0) }
        } catch {
            return .failed
        }
        guard let leaf = certificates.first, let leafBytes = encoded.first else { return .failed }
        let (roots, generation) = state.withLockedValue { ($0.roots, $0.generation) }
        var verifier = Verifier(rootCertificates: roots) {
            RFC5280Policy()
            ClientAuthenticationUsage()
        }
        let result = await verifier.validate(leaf: leaf, intermediates: X509.CertificateStore(certificates.dropFirst()))
        guard case .validCertificate(let validated) = result else { return .failed }
        let notAfter = validated.map(\.notValidAfter).min() ?? leaf.notValidAfter
        state.withLockedValue { state in
            if chain.count > 1 {
                if state.intermediates.count >= Self.rememberedLeaves {
                    state.intermediates.removeAll(keepingCapacity: true)
                }
                state.intermediates[leafBytes] = Array(chain.dropFirst())
            }
            guard state.generation == generation else { return }
            if state.verified.count >= Self.rememberedLeaves { state.verified.removeAll(keepingCapacity: true) }
            state.verified[leafBytes] = Verified(generation: generation, notAfter: notAfter)
        }
        return .certificateVerified
    }

    /// Whether `leaf` was verified under the bundle loaded now and its chain is still within its validity: true
    /// right after a full handshake's `verify(_:)`. Cheap, for the handshake-completed path of every connection.
    func verifiedUnderCurrentBundle(_ leaf: [UInt8], now: Date = Date()) -> Bool {
        state.withLockedValue { state in
            guard let verified = state.verified[leaf] else { return false }
            return verified.generation == state.generation && now < verified.notAfter
        }
    }

    /// Whether a connection whose handshake just completed with `leaf` as the client's certificate may be served.
    ///
    /// A full handshake verified the whole chain moments ago (`verify(_:)`), which this finds without verifying
    /// again. A resumed session carries only the certificate from its first handshake, perhaps under a bundle
    /// that is gone now, or past its expiry: it is verified again against the current bundle, with the
    /// intermediates its first handshake presented when they are still remembered.
    public func admitsEstablishedConnection(presenting leaf: NIOSSLCertificate) async -> Bool {
        guard let bytes = try? leaf.toDERBytes() else { return false }
        if verifiedUnderCurrentBundle(bytes) { return true }
        let intermediates = state.withLockedValue { $0.intermediates[bytes] ?? [] }
        return await verify([leaf] + intermediates) == .certificateVerified
    }

    static func load(_ path: String) throws -> [Certificate] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TLSFilesError(path: path, problem: "cannot be read (\(error))")
        }
        let certificates: [Certificate]
        do {
            certificates = try Certificate.all(inPEM: text)
        } catch {
            throw TLSFilesError(path: path, problem: "is not a PEM CA bundle (\(error))")
        }
        guard !certificates.isEmpty else { throw TLSFilesError(path: path, problem: "holds no certificate") }
        return certificates
    }
}

/// What BoringSSL checks for a server's peer beyond the path: every certificate of the chain that has an extended
/// key usage extension lists client authentication (so a CA restricted to other uses cannot issue clients), the
/// leaf's key usage, when present, allows signing or key agreement, and every issuer's allows signing
/// certificates.
struct ClientAuthenticationUsage: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
        .X509ExtensionID.extendedKeyUsage, .X509ExtensionID.keyUsage,
    ]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        for (position, certificate) in chain.enumerated() {
            let usage: ExtendedKeyUsage?
            let keyUsage: KeyUsage?
            do {
                usage = try certificate.extensions.extendedKeyUsage
                keyUsage = try certificate.extensions.keyUsage
            } catch {
                return .failsToMeetPolicy(reason: "a certificate's key usage extensions cannot be read")
            }
            if let usage, !usage.contains(.clientAuth) {
                return .failsToMeetPolicy(reason: "a certificate in the chain is not for client authentication")
            }
            guard let keyUsage else { continue }
            if position == 0, !keyUsage.digitalSignature, !keyUsage.keyAgreement {
                return .failsToMeetPolicy(reason: "the client certificate's key usage allows no signing")
            }
            if position > 0, !keyUsage.keyCertSign {
                return .failsToMeetPolicy(reason: "an issuer's key usage does not allow signing certificates")
            }
        }
        return .meetsPolicy
    }
}
