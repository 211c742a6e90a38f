import Foundation
import NIOSSL
import Testing

@testable import ReplacerServer

/// What the store remembers about verified client certificates, which decides whether a resumed TLS session is
/// served without verifying its certificate again.
@Suite struct ClientCAStoreTests {
    func store(trusting ca: DevelopmentCertificates) throws -> (ClientCAStore, URL) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("client-ca-\(UUID().uuidString).crt")
        try ca.caCertificatePEM.write(to: file, atomically: true, encoding: .utf8)
        return (try ClientCAStore(path: file.path), file)
    }

    @Test func aVerifiedLeafIsKnownUntilItExpiresOrTheBundleChanges() async throws {
        let client = try DevelopmentCertificates(
            commonName: "apiserver", dnsNames: ["kube-apiserver"], clientAuth: true)
        let (store, file) = try store(trusting: client)
        defer { try? FileManager.default.removeItem(at: file) }
        let leaf = try NIOSSLCertificate(bytes: Array(client.certificatePEM.utf8), format: .pem)
        let bytes = try leaf.toDERBytes()

        #expect(!store.verifiedUnderCurrentBundle(bytes), "nothing verified yet")
        #expect(await store.verify([leaf]) == .certificateVerified)
        #expect(store.verifiedUnderCurrentBundle(bytes))
        // Past the certificate's notAfter the remembered verification no longer counts.
        #expect(!store.verifiedUnderCurrentBundle(bytes, now: Date().addingTimeInterval(10 * 365 * 86_400)))

        // A reload (even of the same bundle) forgets it; verifying again under the new bundle brings it back.
        try store.reload()
        #expect(!store.verifiedUnderCurrentBundle(bytes))
        #expect(await store.admitsEstablishedConnection(presenting: leaf))
        #expect(store.verifiedUnderCurrentBundle(bytes))

        // A bundle without the client's CA: not known, and not admitted when checked again.
        let other = try DevelopmentCertificates(commonName: "other", dnsNames: ["other"], clientAuth: true)
        try other.caCertificatePEM.write(to: file, atomically: true, encoding: .utf8)
        try store.reload()
        #expect(!store.verifiedUnderCurrentBundle(bytes))
        #expect(await !store.admitsEstablishedConnection(presenting: leaf))
    }
}
