import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Pushes test content through the registry API: blobs, image manifests and an image index.
struct ImagePusher {
    let base: String
    var authorization: String?
    /// Trust anchors for a registry served over TLS with a test CA.
    var tlsRoots: [NIOSSLCertificate]?

    init(base: String, authorization: String? = nil, tlsRoots: [NIOSSLCertificate]? = nil) {
        self.base = base
        self.authorization = authorization
        self.tlsRoots = tlsRoots
    }

    struct PushFailed: Error, CustomStringConvertible { var description: String }

    static func digest(_ data: Data) -> String {
        "sha256:" + SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    func pushBlob(_ repository: String, _ data: Data) async throws -> (digest: String, size: Int) {
        let digest = Self.digest(data)
        var start = HTTPClientRequest(url: "\(base)/v2/\(repository)/blobs/uploads/")
        start.method = .POST
        authorize(&start)
        let started = try await HTTPClient.shared.execute(start, timeout: .seconds(10))
        _ = try await started.body.collect(upTo: 1 << 20)
        guard started.status == .accepted, let location = started.headers.first(name: "Location") else {
            throw PushFailed(description: "blob upload start: HTTP \(started.status.code)")
        }
        let url = location.hasPrefix("http") ? location : base + location
        var put = HTTPClientRequest(url: url + (url.contains("?") ? "&" : "?") + "digest=\(digest)")
        put.method = .PUT
        put.headers.add(name: "Content-Type", value: "application/octet-stream")
        put.body = .bytes(ByteBuffer(bytes: data))
        authorize(&put)
        let finished = try await HTTPClient.shared.execute(put, timeout: .seconds(10))
        _ = try await finished.body.collect(upTo: 1 << 20)
        guard finished.status == .created else {
            throw PushFailed(description: "blob upload: HTTP \(finished.status.code)")
        }
        return (digest, data.count)
    }

    /// Pushes a one-layer OCI image for `architecture` and returns its manifest's digest and size.
    func pushImage(_ repository: String, reference: String, architecture: String = "amd64", salt: String = "")
        async throws -> (digest: String, size: Int)
    {
        let config = Data(
            #"{"architecture":"\#(architecture)","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"salt":"\#(salt)"}"#
                .utf8)
        let layer = Data("layer for \(repository) \(architecture) \(salt)".utf8)
        let configBlob = try await pushBlob(repository, config)
        let layerBlob = try await pushBlob(repository, layer)
        let manifest = Data(
            """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
            "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(configBlob.digest)","size":\(configBlob.size)},\
            "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"\(layerBlob.digest)","size":\(layerBlob.size)}]}
            """.utf8)
        try await putManifest(repository, reference, manifest, type: "application/vnd.oci.image.manifest.v1+json")
        return (Self.digest(manifest), manifest.count)
    }

    /// Pushes an amd64 and an arm64 image and an index over them tagged `tag`; returns the index digest.
    func pushIndex(_ repository: String, tag: String) async throws -> String {
        let amd = try await pushImage(repository, reference: "amd64-\(tag)", architecture: "amd64")
        let arm = try await pushImage(repository, reference: "arm64-\(tag)", architecture: "arm64")
        let index = Data(
            """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[\
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(amd.digest)","size":\(amd.size),"platform":{"architecture":"amd64","os":"linux"}},\
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(arm.digest)","size":\(arm.size),"platform":{"architecture":"arm64","os":"linux"}}]}
            """.utf8)
        try await putManifest(repository, tag, index, type: "application/vnd.oci.image.index.v1+json")
        return Self.digest(index)
    }

    func putManifest(_ repository: String, _ reference: String, _ body: Data, type: String) async throws {
        var put = HTTPClientRequest(url: "\(base)/v2/\(repository)/manifests/\(reference)")
        put.method = .PUT
        put.headers.add(name: "Content-Type", value: type)
        put.body = .bytes(ByteBuffer(bytes: body))
        authorize(&put)
        let response = try await HTTPClient.shared.execute(put, timeout: .seconds(10))
        let text = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .created else {
            throw PushFailed(description: "manifest \(reference): HTTP \(response.status.code) \(String(buffer: text))")
        }
    }

    private func authorize(_ request: inout HTTPClientRequest) {
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        if let tlsRoots {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.trustRoots = .certificates(tlsRoots)
            request.tlsConfiguration = configuration
        }
    }
}
