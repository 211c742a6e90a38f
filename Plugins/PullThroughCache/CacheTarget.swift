import ReplacerCore

/// Where one upstream registry's images are pulled through, and how the cache names them.
struct CacheTarget: Sendable {
    /// How a product lays out the cached repository name.
    enum Style: String, Sendable, CaseIterable {
        /// AWS ECR pull-through cache: `<account>.dkr.ecr.<region>.amazonaws.com/<ecrRepositoryPrefix>/<upstream
        /// repository>`; the prefix identifies the upstream, so the upstream host is not in the name.
        case ecr
        /// Harbor proxy-cache project: `<harbor>/<project>/<upstream repository>`.
        case harbor
        /// One cache for many upstreams, which needs the upstream host as a path component:
        /// `<cache>[/<prefix>]/<upstream host>/<upstream repository>` (kube-image-keeper's layout).
        case hostPath
    }

    var style: Style
    /// The cache registry host, with port when it has one.
    var host: String
    /// Path components between the host and the upstream part: the ECR prefix or the Harbor project; may be empty.
    var prefix: String
    /// hostPath only: what replaces the `:` of `host:port` in the path component.
    var portSeparator: String

    /// `host/prefix/`, the start of every image this target produces.
    var namePrefix: String { prefix.isEmpty ? host + "/" : host + "/" + prefix + "/" }

    static let keys = Style.allCases.map(\.rawValue) + ["portSeparator"]

    /// Decodes `{ecr|harbor|hostPath: "host[/prefix]", portSeparator: "-"}`.
    init(decoding node: ConfigNode, upstream: String) throws(RuleFileError) {
        let object = try node.object("the cache for \(upstream)", allowed: Self.keys)
        let given = Style.allCases.compactMap { style in object[style.rawValue].map { (style, $0) } }
        guard given.count == 1, let (style, valueNode) = given.first else {
            throw node.error(
                "give exactly one of ecr, harbor or hostPath for \(upstream)",
                hint: "e.g. `ecr: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub`")
        }
        let value = try valueNode.string(style.rawValue)
        let slash = value.firstIndex(of: "/")
        let host = String(value[..<(slash ?? value.endIndex)])
        let prefix = slash.map { String(value[value.index(after: $0)...]) } ?? ""
        guard ReferenceGrammar.isValidDomain(host[...]), ReferenceGrammar.looksLikeDomain(host[...]) else {
            throw valueNode.error(
                "\"\(host)\" is not a registry host", hint: "write host[:port][/prefix], e.g. cache.corp:5000/mirror")
        }
        guard prefix.isEmpty || ReferenceGrammar.isValidPath(prefix[...]) else {
            throw valueNode.error(
                "\"\(prefix)\" is not a valid repository path",
                hint: "lowercase letters, digits and . _ - between them, components joined by /")
        }
        self.style = style
        self.host = host
        self.prefix = prefix
        self.portSeparator = "-"
        if let separatorNode = object["portSeparator"] {
            guard style == .hostPath else {
                throw separatorNode.error(
                    "portSeparator applies to hostPath only",
                    hint: "\(style.rawValue) does not put the upstream host in the name")
            }
            portSeparator = try separatorNode.string("portSeparator")
            guard ["-", "_", ".", "__", "--"].contains(portSeparator) else {
                throw separatorNode.error(
                    "portSeparator must be one of -, _, ., __ or --",
                    hint: "a path component may not contain ':', so the port is joined with one of these")
            }
        }
        try validateProduct(valueNode, upstream: upstream)
    }

    /// The naming rules of the product, so a typo fails the load rather than every pull.
    private func validateProduct(_ node: ConfigNode, upstream: String) throws(RuleFileError) {
        switch style {
        case .ecr:
            guard Self.isECRHost(host) else {
                throw node.error(
                    "\"\(host)\" is not an ECR registry",
                    hint: "write <12-digit account>.dkr.ecr.<region>.amazonaws.com/<prefix>")
            }
            if prefix.isEmpty {
                // ECR's ROOT prefix (no prefix at all) is only allowed for ECR-to-ECR rules.
                guard Self.isECRHost(upstream) else {
                    throw node.error(
                        "an ECR target needs the rule's repository prefix (ecrRepositoryPrefix)",
                        hint: "append it: \(host)/<prefix>; ROOT (no prefix) is only for an ECR upstream")
                }
            } else if !(2...30).contains(prefix.utf8.count) {
                throw node.error(
                    "the ECR repository prefix \"\(prefix)\" must be 2 to 30 characters",
                    hint: "use the ecrRepositoryPrefix of the pull-through cache rule")
            }
        case .harbor:
            guard !prefix.isEmpty, !prefix.contains("/") else {
                throw node.error(
                    "a Harbor target is host/project with exactly one project",
                    hint: "e.g. harbor.corp/dockerhub-proxy; the project is the proxy-cache project")
            }
        case .hostPath:
            break
        }
    }

    /// `<12 digits>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`
    static func isECRHost(_ host: String) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 6, parts[0].count == 12, parts[0].allSatisfy(\.isNumber), parts[1] == "dkr",
            parts[2] == "ecr" || parts[2] == "ecr-fips"
        else { return false }
        let rest = parts[4...].joined(separator: ".")
        return !parts[3].isEmpty && (rest == "amazonaws.com" || rest == "amazonaws.com.cn")
    }

    /// The cached name of `reference` (domain already canonical), or a reason why this target cannot name it.
    func name(for reference: ImageReference, upstreamHost: String) -> Result<String, Unnameable> {
        var name = namePrefix
        if style == .hostPath {
            guard let component = hostComponent(upstreamHost) else { return .failure(Unnameable(host: upstreamHost)) }
            name += component + "/"
        }
        name += reference.path
        if let tag = reference.tag { name += ":" + tag }
        if let digest = reference.digest { name += "@" + digest }
        return .success(name)
    }

    /// `registry.local:5000` → `registry.local-5000`; nil when the host cannot be a path component (an IPv6
    /// address, uppercase letters).
    func hostComponent(_ host: String) -> String? {
        let component = host.split(separator: ":", omittingEmptySubsequences: false).joined(separator: portSeparator)
        return ReferenceGrammar.isValidPath(component[...]) ? component : nil
    }

    struct Unnameable: Error {
        var host: String
    }
}
