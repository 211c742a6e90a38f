import Foundation

/// A username and password for one registry. `description` never shows the secret.
public struct RegistryCredential: Sendable, Hashable, CustomStringConvertible {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    public var description: String { "credential for \(username) (redacted)" }

    /// The `Authorization: Basic …` value.
    var basicAuthorization: String { "Basic " + Data("\(username):\(password)".utf8).base64EncodedString() }
}

/// Credentials by registry host, read from a docker `config.json` (the `.dockerconfigjson` key of a
/// `kubernetes.io/dockerconfigjson` Secret).
///
/// `auths` keys may be bare hosts (`ghcr.io`, `registry.local:5000`) or URLs
/// (`https://index.docker.io/v1/`), as `docker login` writes them; all forms of Docker Hub's name find the same
/// entry. Each entry has `auth` (base64 of `user:password`) or `username` and `password`.
public struct RegistryCredentials: Sendable {
    private var byHost: [String: RegistryCredential] = [:]

    public init() {}

    /// Parses a docker config; throws `DockerConfigError` with what is wrong (never the secret itself).
    public init(dockerConfig data: Data) throws {
        let file: DockerConfigFile
        do {
            file = try JSONDecoder().decode(DockerConfigFile.self, from: data)
        } catch {
            throw DockerConfigError("is not a docker config.json (expected {\"auths\": {HOST: {\"auth\": …}}})")
        }
        for (key, entry) in file.auths ?? [:] {
            let credential: RegistryCredential
            if let encoded = entry.auth, !encoded.isEmpty {
                guard let decoded = Data(base64Encoded: encoded).map({ String(decoding: $0, as: UTF8.self) }),
                    let colon = decoded.firstIndex(of: ":")
                else {
                    throw DockerConfigError("auths[\"\(key)\"].auth is not base64 of user:password")
                }
                credential = RegistryCredential(
                    username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]))
            } else if let username = entry.username, let password = entry.password {
                credential = RegistryCredential(username: username, password: password)
            } else {
                continue  // identitytoken/credential-helper entries carry nothing we can use
            }
            byHost[Self.host(ofKey: key)] = credential
        }
    }

    private struct DockerConfigFile: Decodable {
        struct Entry: Decodable {
            var auth: String?
            var username: String?
            var password: String?
        }
        var auths: [String: Entry]?
    }

    /// Adds or replaces the credential for `host`.
    public mutating func set(_ credential: RegistryCredential, for host: String) {
        byHost[Self.host(ofKey: host)] = credential
    }

    /// The credential for a registry host as it appears in image references (`docker.io`, `ghcr.io`, `h:5000`).
    public func credential(for host: String) -> RegistryCredential? {
        byHost[Self.host(ofKey: host)]
    }

    public var isEmpty: Bool { byHost.isEmpty }

    /// Reduces `https://index.docker.io/v1/`, `registry-1.docker.io` and `docker.io` to one key, and any
    /// `scheme://host/path` to its host.
    static func host(ofKey key: String) -> String {
        var text = Substring(key.lowercased())
        if let scheme = text.range(of: "://") { text = text[scheme.upperBound...] }
        if let slash = text.firstIndex(of: "/") { text = text[..<slash] }
        switch text {
        case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com": return "docker.io"
        default: return String(text)
        }
    }
}

/// A docker config file that cannot be used.
public struct DockerConfigError: Error, Sendable, CustomStringConvertible {
    public var problem: String
    init(_ problem: String) { self.problem = problem }
    public var description: String { "docker config \(problem)" }
}
