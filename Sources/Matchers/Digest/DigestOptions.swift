import Foundation
import NIOSSL
import ReplacerCore
import ReplacerRegistry

/// The `options` of a `digest` stage, decoded and checked at load.
struct DigestOptions: Sendable {
    enum ResolveFrom: String, Sendable { case current, original }
    enum Output: String, Sendable {
        case tagAndDigest = "tag-and-digest"
        case digest
    }
    enum OnError: String, Sendable { case keep, deny }

    var repositories: [Glob] = []
    var resolveFrom = ResolveFrom.current
    var output = Output.tagAndDigest
    var timeout: Duration = .seconds(2)
    var onError = OnError.keep
    var cacheTTL: Duration = .seconds(300)
    var failureTTL: Duration = .seconds(15)
    var cacheSize = 10_000
    var client = RegistryClient.Configuration()

    static let keys = [
        "repositories", "resolveFrom", "output", "timeout", "onError", "cacheTTL", "failureTTL", "cacheSize",
        "insecureRegistries", "caBundles", "dockerConfig",
    ]

    init(_ configuration: MatcherConfiguration) throws(RuleFileError) {
        if let rules = configuration.rules {
            throw rules.error(
                "the digest matcher takes `options`, not `rules`", hint: "scope it with options.repositories")
        }
        let object = try configuration.options(allowed: Self.keys)
        if let node = object["repositories"] { repositories = try node.stringList("repositories").map(Glob.init) }
        resolveFrom = try Self.choice(object["resolveFrom"], "resolveFrom", default: .current)
        output = try Self.choice(object["output"], "output", default: .tagAndDigest)
        onError = try Self.choice(object["onError"], "onError", default: .keep)
        if let node = object["timeout"] {
            timeout = try node.duration("timeout")
            guard timeout > .zero, timeout <= .seconds(8) else {
                throw node.error(
                    "timeout must be above 0 and at most 8s", hint: "it must fit well inside the webhook's deadline")
            }
        }
        if let node = object["cacheTTL"] { cacheTTL = try node.duration("cacheTTL") }
        if let node = object["failureTTL"] { failureTTL = try node.duration("failureTTL") }
        if let node = object["cacheSize"] {
            cacheSize = try node.int("cacheSize")
            guard cacheSize > 0 else { throw node.error("cacheSize must be at least 1") }
        }
        if let node = object["insecureRegistries"] {
            client.insecureRegistries = Set(try node.stringList("insecureRegistries"))
        }
        if let node = object["caBundles"] {
            for entry in try node.entries("caBundles") {
                let path = try entry.value.string("a CA bundle path")
                do {
                    client.trustRoots[entry.key] = try NIOSSLCertificate.fromPEMFile(path)
                } catch {
                    throw entry.value.error(
                        "cannot read a PEM CA bundle from \(path)", hint: "mount the CA file and give its path")
                }
            }
        }
        if let node = object["dockerConfig"] {
            let path = try node.string("dockerConfig")
            guard let data = FileManager.default.contents(atPath: path) else {
                throw node.error(
                    "cannot read docker config \(path)",
                    hint: "mount the pull secret's .dockerconfigjson and give its path")
            }
            do {
                client.credentials = try RegistryCredentials(dockerConfig: data)
            } catch {
                throw node.error("\(path): \(error)")
            }
        }
    }

    private static func choice<T: RawRepresentable>(_ node: ConfigNode?, _ name: String, default value: T)
        throws(RuleFileError) -> T
    where T.RawValue == String {
        guard let node else { return value }
        let text = try node.string(name)
        guard let parsed = T(rawValue: text) else {
            throw node.error("unknown \(name) \"\(text)\"")
        }
        return parsed
    }
}
