/// The image references the benchmarks feed in. Fixed lists, so every run measures the same inputs.
public enum ImageSamples {
    /// The mix the parsing target is stated for: one of each common shape.
    public static let typical: [String] = [
        "nginx:1.25",
        "ghcr.io/org/app:v1.2.3",
        "registry.k8s.io/pause@sha256:" + hexDigest(1),
        "quay.io/prometheus/node-exporter:v1.8.0",
        "localhost:5000/team/app",
    ]

    /// Short labels for ``typical``, for benchmark names.
    public static let typicalLabels = ["docker-hub-short", "ghcr-tag", "digest", "quay-nested", "localhost-port"]

    /// Invalid references as pods write them by mistake: the error path (offset and message) is measured too.
    public static let invalid: [String] = [
        "ghcr.io/Org/App:v1",
        "nginx:1.25:extra",
        "registry.k8s.io/pause@sha256:abc",
    ]

    /// Images a realistic cluster runs; used by the five-stage pipeline and the admission review.
    public static let cluster: [String] = [
        "nginx:1.25",
        "ghcr.io/org/app:v1.2.3",
        "registry.k8s.io/pause@sha256:" + hexDigest(1),
        "quay.io/prometheus/node-exporter:v1.8.0",
        "localhost:5000/team/app",
        "k8s.gcr.io/coredns/coredns:v1.11.1",
        "busybox",
        "bitnami/redis:7.2",
        "alpine:latest",
    ]
}
