import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

extension RegistryClient {
    /// What the lookup needs of one registry response.
    struct Answer {
        var status: HTTPResponseStatus
        var digest: String?
        var challenge: AuthChallenge?
        var body: Data?
    }

    func send(
        _ method: HTTPMethod, _ url: String, host: String, authorization: String?, deadline: NIODeadline, subject: String,
        readBody: Bool = false, accept: [String] = RegistryClient.acceptedManifestTypes
    ) async throws(RegistryError) -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: accept.joined(separator: ", "))
        request.headers.add(name: "User-Agent", value: "k8s-image-replacer")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        if let roots = configuration.trustRoots[host] {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(roots)
            request.tlsConfiguration = tls
        }
        do {
            let response = try await http.execute(request, deadline: deadline)
            var answer = Answer(
                status: response.status, digest: response.headers.first(name: "Docker-Content-Digest"),
                challenge: response.headers.first(name: "WWW-Authenticate").flatMap(AuthChallenge.init(header:)))
            if readBody {
                let buffer = try await response.body.collect(upTo: configuration.maxManifestBytes)
                answer.body = Data(buffer.readableBytesView)
            } else {
                // Drain so the connection can be reused; HEAD answers have no body.
                for try await _ in response.body {}
            }
            return answer
        } catch {
            throw Self.classify(error, subject: subject)
        }
    }

    /// Maps transport errors to what the user can act on, without echoing request headers.
    static func classify(_ error: any Error, subject: String) -> RegistryError {
        if let error = error as? RegistryError { return error }
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
                return RegistryError(.timeout, subject: subject)
            }
            return RegistryError(.unreachable("\(error)"), subject: subject)
        }
        if error is NIOTooManyBytesError { return RegistryError(.badResponse("manifest larger than accepted"), subject: subject) }
        if error is CancellationError { return RegistryError(.timeout, subject: subject) }
        if let error = error as? NIOSSLError { return RegistryError(.unreachable("TLS: \(error)"), subject: subject) }
        let text = "\(error)"
        if text.lowercased().contains("timeout") || text.lowercased().contains("timed out") {
            return RegistryError(.timeout, subject: subject)
        }
        return RegistryError(.unreachable(String(text.prefix(160))), subject: subject)
    }
}
