/// A realistic regex stage: one rule per registry or organisation being mirrored, plus a few rules that name no
/// host and so apply to every image.
public enum RegexRules {
    /// How the 96 host rules are written; the images and rewrites are the same in all three.
    public enum Style: String, Sendable, CaseIterable {
        /// `^ghcr\.io/org7/(.+)$`, `^registry7\.corp\.example/(.+)$`, and for Quay a named group that starts with
        /// the team, `^quay\.io/(?<repo>team7/[^:@]+)(?<rest>.*)$`: the literal-prefix prefilter keeps the host (and
        /// for GitHub the organisation), but for Quay only "quay.io/", so all 32 Quay rules run for a Quay image.
        case anchored
        /// As `anchored`, with the Quay team written before the group (`^quay\.io/team7/(?<rest>.+)$`), so every
        /// host rule's literal prefix names its organisation: what the prefilter can do at best.
        case literalOrgs = "literal-orgs"
        /// The `anchored` patterns without `^`: no literal prefix, so every image is tried against every rule.
        case unanchored
    }

    /// Rules that apply to any host, appended after the host rules (file order decides among matches).
    static let hostless: [(match: String, replace: String)] = [
        (#"^[^/]+/legacy-team/(.+)$"#, "mirror.corp/legacy/$1"),
        (#"^([a-z0-9.-]+)/deprecated/([^:@]+)(.*)$"#, "mirror.corp/archive/$1/$2$3"),
        (#"^(?:[a-z0-9-]+\.)?internal\.example/(.+)$"#, "mirror.corp/internal/$1"),
        (#"^(.+):canary-(\d+)$"#, "$1:canary"),
    ]

    /// The 96 host rules: 32 GitHub organisations, 32 Quay teams (named groups), 32 private registries.
    public static func hostRules(_ style: Style) -> [(match: String, replace: String)] {
        let anchor = style == .unanchored ? "" : "^"
        var rules: [(match: String, replace: String)] = []
        for n in 0..<32 {
            rules.append((anchor + #"ghcr\.io/org\#(n)/(.+)$"#, "mirror.corp/ghcr/org\(n)/$1"))
            if style == .literalOrgs {
                rules.append((anchor + #"quay\.io/team\#(n)/(?<rest>.+)$"#, "mirror.corp/quay/team\(n)/${rest}"))
            } else {
                rules.append(
                    (anchor + #"quay\.io/(?<repo>team\#(n)/[^:@]+)(?<rest>.*)$"#, "mirror.corp/quay/${repo}${rest}"))
            }
            rules.append((anchor + #"registry\#(n)\.corp\.example/(.+)$"#, "mirror.corp/r\(n)/$1"))
        }
        return rules
    }

    /// The stage's `rules:` body: 96 host rules and 4 hostless ones.
    public static func body(_ style: Style = .anchored) -> String {
        RuleSetFactory.regexList(hostRules(style) + hostless)
    }

    /// Images one rule rewrites, spread over the three host families and the organisations.
    public static let hits: [String] = (0..<32).flatMap { n in
        [
            "ghcr.io/org\(n)/app:v1.\(n).3",
            "quay.io/team\(n)/exporter:v1.8.\(n)",
            "registry\(n).corp.example/svc/api:2.\(n)",
        ]
    }

    /// Images no rule matches: the same hosts with unmirrored organisations, and hosts no rule names.
    public static let misses: [String] = [
        "nginx:1.25",
        "ghcr.io/other-org/app:v1.2.3",
        "quay.io/prometheus/node-exporter:v1.8.0",
        "registry.k8s.io/pause:3.9",
        "registry99.corp.example/svc/api:2.0",
        "bitnami/redis:7.2",
    ]
}
