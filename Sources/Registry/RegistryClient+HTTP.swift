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
        _ method: HTTPMethod, _ url: String, host: String, authorization: String?, deadline: NIODeadline,
        subject: String,
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
            let limit = configuration.maxManifestBytes
            answer.body = try await Self.beforeDeadline(deadline) {
                if readBody {
                    return Data(try await response.body.collect(upTo: limit).readableBytesView)
                }
                // Drain so the connection can be reused; HEAD answers have no body.
                for try await _ in response.body {}
                return nil
            }
            return answer
        } catch {
            throw Self.classify(error, subject: subject)
        }
    }

    /// `body`'s result, or `HTTPClientError.deadlineExceeded` at `deadline`.
    ///
    /// AsyncHTTPClient's deadline covers the request up to the response head only: a registry that sends its
    /// headers at once and then the manifest a byte at a time would otherwise hold the lookup, and every admission
    /// sharing it through the cache, for as long as it likes.
    static func beforeDeadline<T: Sendable>(
        _ deadline: NIODeadline, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                let remaining = (deadline - .now()).nanoseconds
                if remaining > 0 { try await Task.sleep(nanoseconds: UInt64(remaining)) }
                return nil
            }
            defer { group.cancelAll() }
            // The first task to finish decides; `nil` comes only from the timer (T itself may be optional).
            guard let first = try await group.next(), let value = first else { throw HTTPClientError.deadlineExceeded }
            return value
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
        if error is NIOTooManyBytesError {
            return RegistryError(.badResponse("manifest larger than accepted"), subject: subject)
        }
        if error is CancellationError { return RegistryError(.timeout, subject: subject) }
        if let error = error as? NIOSSLError { return RegistryError(.unreachable("TLS: \(error)"), subject: subject) }
        let text = "\(error)"
        if text.lowercased().contains("timeout") || text.lowercased().contains("timed out") {
            return RegistryError(.timeout, subject: subject)
        }
        return RegistryError(.unreachable(String(text.prefix(160))), subject: subject)
    }
}
