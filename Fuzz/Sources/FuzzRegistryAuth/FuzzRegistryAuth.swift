// Fuzz target: what the registry client parses from outside: `WWW-Authenticate` challenges (from any registry a
// rule points at) and docker config files (from pull secrets).
//
// Input: a docker `config.json` when it starts with "{" (after whitespace), otherwise a `WWW-Authenticate` value.
import Foundation
import FuzzSupport
import ReplacerRegistry

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRegistryAuth(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzInput(data, count)
    if input.bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{") {
        checkDockerConfig(Data(input.bytes))
    } else {
        checkChallenge(input.text)
    }
    return 0
}

/// A challenge is nil only for a blank header; its scheme and parameter names are lowercase, names are never empty
/// and values are trimmed; and writing the parsed challenge back out, every value quoted, reads back the same.
private func checkChallenge(_ header: String) {
    guard let challenge = AuthChallenge(header: header) else {
        require(header.utf8.allSatisfy { $0 == 0x20 || $0 == 0x09 }, "no challenge read from \(shown(header))")
        return
    }
    require(
        !challenge.scheme.isEmpty && challenge.scheme == challenge.scheme.lowercased()
            && !challenge.scheme.utf8.contains(where: { $0 == 0x20 || $0 == 0x09 }),
        "scheme \(shown(challenge.scheme)) from \(shown(header))")
    for (name, value) in challenge.parameters {
        // Byte-level, as the parser reads the header: a space followed by a combining mark is still a space.
        require(
            !name.isEmpty && name == name.lowercased() && !name.utf8.contains(0x20),
            "parameter name \(shown(name)) from \(shown(header))")
        require(
            ![0x20, 0x09].contains(value.utf8.first) && ![0x20, 0x09].contains(value.utf8.last),
            "untrimmed value \(shown(value)) from \(shown(header))")
    }
    let written =
        challenge.scheme + " "
        + challenge.parameters.sorted { $0.key < $1.key }.map { name, value in
            // Escaped per scalar: a quote followed by a combining mark is one Character, but still a quote byte.
            var escaped = String.UnicodeScalarView()
            for scalar in value.unicodeScalars {
                if scalar == "\\" || scalar == "\"" { escaped.append("\\") }
                escaped.append(scalar)
            }
            return "\(name)=\"\(String(escaped))\""
        }.joined(separator: ", ")
    let reread = AuthChallenge(header: written)
    require(reread == challenge, "\(shown(header)) → \(shown(written)) → \(String(describing: reread))")
}

/// A config either loads or throws `DockerConfigError`; when it loads, every `auths` entry that carries a credential
/// (a non-empty `auth`, or `username` and `password`) can be found again by its own key.
/// The key check runs on the config as `JSONSerialization` re-writes it: with a duplicate key the two JSON readers
/// may keep different entries.
private func checkDockerConfig(_ data: Data) {
    _ = loadDockerConfig(data)
    guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
        let auths = root["auths"] as? [String: Any],
        let canonical = try? JSONSerialization.data(withJSONObject: root),
        let credentials = loadDockerConfig(canonical)
    else { return }
    for (key, entry) in auths {
        guard let entry = entry as? [String: Any] else { continue }
        let auth = entry["auth"] as? String ?? ""
        let hasPair = entry["username"] is String && entry["password"] is String
        guard !auth.isEmpty || hasPair else { continue }
        require(credentials.credential(for: key) != nil, "no credential found for auths key \(shown(key))")
    }
}

private func loadDockerConfig(_ data: Data) -> RegistryCredentials? {
    do {
        return try RegistryCredentials(dockerConfig: data)
    } catch {
        require(error is DockerConfigError, "unexpected error type \(type(of: error))")
        require(!String(describing: error).isEmpty, "empty error description")
        return nil
    }
}
