#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// AdmissionReview bodies as the API server sends them for a Pod CREATE: a ReplicaSet-owned pod with two
/// containers and an init container, and the fields a real one carries (labels, owner references, env, resources,
/// probes, volumes, user info), so that JSON decoding skips as much as it does in a cluster.
///
/// The body is `Benchmarks/load/pod-review.json`, the one the load script posts, so that the in-process and the
/// over-the-wire figures are about the same request.
public enum AdmissionFixtures {
    /// The three images of the fixture, as its pod spec writes them.
    public static let images = ["ghcr.io/org/app:v1.2.3", "quay.io/prometheus/node-exporter:v1.8.0", "busybox:1.36"]

    /// The fixture's text, read once from beside the sources (benchmarks always run from a checkout).
    static let text: String = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("load").appendingPathComponent("pod-review.json")
        guard let data = try? Data(contentsOf: url) else { fatalError("cannot read the fixture \(url.path)") }
        return String(decoding: data, as: UTF8.self)
    }()

    /// The Pod review in `namespace` (the request's and the pod's).
    public static func podReview(namespace: String = "web") -> Data {
        Data(text.replacing("\"namespace\":\"web\"", with: "\"namespace\":\"\(namespace)\"").utf8)
    }

    /// The same pod with images the benchmark rules leave alone, for the "nothing to patch" path.
    public static func unchangedPodReview() -> Data {
        let mirrored = [
            "mirror.corp/ghcr/org/app:v1.2.3", "mirror.corp/quay/prometheus/node-exporter:v1.8.0",
            "mirror.corp/hub/library/busybox:1.36.1",
        ]
        var body = text
        for (image, replacement) in zip(images, mirrored) {
            body = body.replacing("\"image\":\"\(image)\"", with: "\"image\":\"\(replacement)\"")
        }
        return Data(body.utf8)
    }
}
