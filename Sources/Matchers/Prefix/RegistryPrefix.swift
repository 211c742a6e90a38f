import ReplacerCore

/// A registry host with an optional repository path below it, such as `docker.io`, `quay.io/prometheus` or
/// `mirror.corp:5000/hub`: the keys and targets of the `prefix` matcher.
///
/// Unlike an image reference, a prefix may stop at the host, and it never gets `library/` added: `docker.io/bitnami`
/// is the `bitnami` namespace on Docker Hub, and official images live under `docker.io/library`.
struct RegistryPrefix: Hashable, Sendable, CustomStringConvertible {
    /// The host, with `index.docker.io` folded into `docker.io` as image references are.
    var host: String
    /// Path components below the host, possibly empty.
    var path: String

    var description: String { path.isEmpty ? host : host + "/" + path }

    /// Parses `text`, or returns why it is not a prefix.
    init(parsing text: String) throws(PrefixError) {
        var text = Substring(text)
        while text.hasSuffix("/") { text = text.dropLast() }
        let slash = text.firstIndex(of: "/")
        let host = slash.map { text[..<$0] } ?? text
        let path = slash.map { text[text.index(after: $0)...] } ?? ""
        guard !host.isEmpty, ReferenceGrammar.looksLikeDomain(host), ReferenceGrammar.isValidDomain(host) else {
            throw PrefixError(
                "does not start with a registry host",
                hint: "write the host first, with a '.' or a port (docker.io/\(text), mirror.corp:5000/\(text))")
        }
        if host.contains(where: \.isUppercase) {
            throw PrefixError("has an uppercase registry host", hint: "write \"\(host.lowercased())\"")
        }
        if text.contains("@") || path.contains(":") {
            throw PrefixError(
                "contains a tag or digest", hint: "a prefix names a registry or repository, not an image version")
        }
        guard path.isEmpty || ReferenceGrammar.isValidPath(path) else {
            throw PrefixError("has an invalid repository path \"\(path)\"", hint: "use lowercase path components")
        }
        self.host = host == "index.docker.io" ? "docker.io" : String(host)
        self.path = String(path)
    }

    /// `self`, then each prefix above it up to the bare host: every prefix `self` lies within.
    var selfAndAncestors: [RegistryPrefix] {
        var result = [self]
        var path = Substring(self.path)
        while !path.isEmpty {
            path = path.lastIndex(of: "/").map { path[..<$0] } ?? ""
            var ancestor = self
            ancestor.path = String(path)
            result.append(ancestor)
        }
        return result
    }
}

/// Why a text is not a registry prefix; the matcher adds the position.
struct PrefixError: Error {
    var message: String
    var hint: String?
    init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }
}
