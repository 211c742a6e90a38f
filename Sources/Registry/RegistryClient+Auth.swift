import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

extension RegistryClient {
    /// Answers a 401 challenge: a bearer token from the realm (with the host's credentials, if any), or basic auth.
    func authorize(_ challenge: AuthChallenge?, host: String, scope: String, deadline: NIODeadline, subject: String)
        async throws(RegistryError) -> String
    {
        let credential = configuration.credentials.credential(for: host)
        guard let challenge else { throw RegistryError(.unauthorized, subject: subject) }
        switch challenge.scheme {
        case "basic":
            guard let credential else { throw RegistryError(.unauthorized, subject: subject) }
            return credential.basicAuthorization
        case "bearer":
            guard let realm = challenge.parameters["realm"], var components = URLComponents(string: realm),
                let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http"
            else {
                throw RegistryError(.authFailed("the challenge has no usable realm"), subject: subject)
            }
            // Credentials go over plain HTTP only to a realm on a registry the user marked insecure.
            if scheme == "http" && credential != nil && !configuration.insecureRegistries.contains(host) {
                throw RegistryError(
                    .authFailed("refusing to send credentials to a plain-HTTP token realm"), subject: subject)
            }
            var query = components.queryItems ?? []
            if let service = challenge.parameters["service"] {
                query.append(URLQueryItem(name: "service", value: service))
            }
            query.append(URLQueryItem(name: "scope", value: challenge.parameters["scope"] ?? scope))
            components.queryItems = query
            guard let url = components.string else {
                throw RegistryError(.authFailed("bad realm URL"), subject: subject)
            }
            let token = try await fetchToken(url, credential: credential, deadline: deadline, subject: subject)
            tokens.withLockedValue { $0["\(host) \(scope)"] = (token.value, token.expires) }
            return "Bearer \(token.value)"
        default:
            throw RegistryError(.authFailed("unsupported auth scheme \(challenge.scheme)"), subject: subject)
        }
    }

    func cachedToken(host: String, scope: String) -> String? {
        let now = NIODeadline.now()
        return tokens.withLockedValue { tokens in
            guard let entry = tokens["\(host) \(scope)"] else { return nil }
            guard entry.expires > now else {
                tokens["\(host) \(scope)"] = nil
                return nil
            }
            return entry.token
        }
    }

    /// The token endpoint's answer; its keys are the Docker token protocol's snake_case names.
    private struct TokenResponse: Decodable {
        var token: String?
        var accessToken: String?
        var expiresIn: Int?

        enum CodingKeys: String, CodingKey {
            case token
            case accessToken = "access_token"
            case expiresIn = "expires_in"
        }
    }

    private func fetchToken(_ url: String, credential: RegistryCredential?, deadline: NIODeadline, subject: String)
        async throws(RegistryError) -> (value: String, expires: NIODeadline)
    {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "User-Agent", value: "k8s-image-replacer")
        if let credential { request.headers.add(name: "Authorization", value: credential.basicAuthorization) }
        do {
            let response = try await http.execute(request, deadline: deadline)
            let body = try await Self.beforeDeadline(deadline) { try await response.body.collect(upTo: 1 << 20) }
            switch response.status.code {
            case 200: break
            case 401, 403: throw RegistryError(.unauthorized, subject: subject)
            case let status:
                throw RegistryError(.authFailed("token endpoint answered HTTP \(status)"), subject: subject)
            }
            let decoded = try JSONDecoder().decode(TokenResponse.self, from: Data(body.readableBytesView))
            guard let token = decoded.token ?? decoded.accessToken, !token.isEmpty else {
                throw RegistryError(.authFailed("token endpoint sent no token"), subject: subject)
            }
            // Refresh a little early so a token never expires between check and use; 60 s is the spec's default.
            let lifetime = max(10, (decoded.expiresIn ?? 60) - 5)
            return (token, .now() + .seconds(Int64(lifetime)))
        } catch let error as RegistryError {
            throw error
        } catch is DecodingError {
            throw RegistryError(.authFailed("token endpoint answer is not JSON"), subject: subject)
        } catch {
            throw Self.classify(error, subject: subject)
        }
    }
}
