/// Generated rule bodies for the `exact` and `prefix` stages, with images that hit and images that miss.
///
/// Keys cycle through the shapes real rule files contain (Docker Hub short names, official images, GitHub and
/// Quay namespaces, digests, host-only and host/path prefixes), so hash keys have realistic lengths and the
/// prefix matcher probes a realistic number of path components.
public struct GeneratedStage: Sendable {
    /// The indented `rules:` body.
    public var rules: String
    /// Images (as a pod spec would write them) that some rule rewrites.
    public var hits: [String]
    /// Images of the same shapes that no rule matches.
    public var misses: [String]
}

public enum LookupRules {
    /// An exact key of shape `i % 5`, written the way a user would write it in a rule file and a pod spec.
    static func exactImage(_ i: Int) -> String {
        switch i % 5 {
        case 0: "team\(i)/service-\(i):1.\(i % 30)"
        case 1: "ghcr.io/org\(i % 200)/app-\(i):v1.\(i % 10).0"
        case 2: "tool\(i):3.\(i % 7)"
        case 3: "quay.io/prom\(i % 50)/exporter-\(i):v0.\(i % 40).1"
        default: "registry.k8s.io/component-\(i)@sha256:\(hexDigest(i))"
        }
    }

    /// `count` exact rules; hits and misses are spread over all five key shapes.
    public static func exact(count: Int, samples: Int = 100) -> GeneratedStage {
        let pairs = (0..<count).map { i in (exactImage(i), "mirror.corp/pinned/img-\(i):v\(i % 10)") }
        let hits = spread(samples, over: count, shapes: 5).map(exactImage)
        let misses = (count..<count + samples).map(exactImage)
        return GeneratedStage(rules: RuleSetFactory.mapping(pairs), hits: hits, misses: misses)
    }

    /// A prefix key of shape `i % 6`: half host-only, half host/path, and its mirror.
    static func prefixRule(_ i: Int) -> (key: String, mirror: String) {
        switch i % 6 {
        case 0, 2, 4: ("reg\(i).example.com", "mirror.corp/hosts/reg\(i)")
        case 1: ("ghcr.io/org\(i)", "mirror.corp/ghcr/org\(i)")
        case 3: ("quay.io/team\(i)/sub", "mirror.corp/quay/team\(i)-sub")
        default: ("docker.io/vendor\(i)", "mirror.corp/hub/vendor\(i)")
        }
    }

    /// An image under prefix key `i`, with one to three path components below the key.
    static func prefixImage(_ i: Int) -> String {
        switch i % 6 {
        case 0: "reg\(i).example.com/app:1.0"
        case 2: "reg\(i).example.com/team/web:2.\(i % 10)"
        case 4: "reg\(i).example.com/a/b/c@sha256:\(hexDigest(i))"
        case 1: "ghcr.io/org\(i)/api:v2.\(i % 10).0"
        case 3: "quay.io/team\(i)/sub/tool/x:1"
        default: "vendor\(i)/tool:1.\(i % 20)"
        }
    }

    /// `count` prefix rules; misses reuse the image shapes with hosts and namespaces no key names.
    public static func prefix(count: Int, samples: Int = 96) -> GeneratedStage {
        let pairs = (0..<count).map(prefixRule)
        let hits = spread(samples, over: count, shapes: 6).map(prefixImage)
        let misses = (count..<count + samples).map(prefixImage)
        return GeneratedStage(rules: RuleSetFactory.mapping(pairs), hits: hits, misses: misses)
    }

    /// `samples` rule indices spread over `0..<count`, the k-th of shape `k % shapes`, so every shape is sampled
    /// equally whatever the stride.
    static func spread(_ samples: Int, over count: Int, shapes: Int) -> [Int] {
        let step = max(shapes, count / samples)
        return (0..<samples).map { k in
            let base = (k * step) % count
            return min(count - 1, base - base % shapes + k % shapes)
        }
    }
}
