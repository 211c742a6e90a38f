/// A rule file shaped like a platform team's: exact pins, a registry move, registry mirrors, a tag policy on the
/// mirrored images, and final per-image overrides (exact, regex, prefix, regex, exact).
public enum FiveStageRules {
    public static var text: String {
        var pins: [(String, String)] = [("busybox", "mirror.corp/hub/library/busybox:1.36.1")]
        for i in 0..<199 {
            pins.append(("pinned/app-\(i):1.\(i % 10)", "mirror.corp/pinned/app-\(i):1.\(i % 10)-fixed"))
        }

        var moves: [(match: String, replace: String)] = [
            (#"^(?:k8s\.gcr\.io|gcr\.io/google[-_]containers)/(?<image>.+)$"#, "registry.k8s.io/${image}")
        ]
        for n in 0..<19 {
            moves.append((#"^gcr\.io/legacy-project-\#(n)/(.+)$"#, "us-docker.pkg.dev/legacy-project-\(n)/images/$1"))
        }

        var mirrors: [(String, String)] = [
            ("docker.io", "mirror.corp/hub"), ("quay.io", "mirror.corp/quay"), ("ghcr.io", "mirror.corp/ghcr"),
            ("registry.k8s.io", "mirror.corp/k8s"), ("gcr.io", "mirror.corp/gcr"),
            ("us-docker.pkg.dev", "mirror.corp/gar"),
        ]
        for n in 0..<44 { mirrors.append(("partner\(n).example.com", "mirror.corp/partners/p\(n)")) }

        var tagPolicy: [(match: String, replace: String)] = [
            (#"^mirror\.corp/hub/library/([^:@]+):latest$"#, "mirror.corp/hub/library/$1:stable")
        ]
        for n in 0..<9 {
            tagPolicy.append(
                (#"^mirror\.corp/partners/p\#(n)/([^:@]+):latest$"#, "mirror.corp/partners/p\(n)/$1:pinned"))
        }

        var overrides: [(String, String)] = []
        for i in 0..<100 {
            overrides.append(("mirror.corp/ghcr/team\(i)/svc:v1", "mirror.corp/ghcr/team\(i)/svc:v1-patched"))
        }

        let skipSystem = "{excludeNamespaces: [kube-system]}"
        return RuleSetFactory.ruleFile(
            name: "bench-five-stage",
            stages: [
                RuleSetFactory.stage(
                    name: "pinned", matcher: "exact", onMatch: "stop", when: skipSystem,
                    rules: RuleSetFactory.mapping(pins)),
                RuleSetFactory.stage(name: "registry-move", matcher: "regex", rules: RuleSetFactory.regexList(moves)),
                RuleSetFactory.stage(
                    name: "mirrors", matcher: "prefix", when: skipSystem, rules: RuleSetFactory.mapping(mirrors)),
                RuleSetFactory.stage(name: "tag-policy", matcher: "regex", rules: RuleSetFactory.regexList(tagPolicy)),
                RuleSetFactory.stage(name: "overrides", matcher: "exact", rules: RuleSetFactory.mapping(overrides)),
            ])
    }
}
