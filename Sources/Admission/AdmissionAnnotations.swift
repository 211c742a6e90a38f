import ReplacerJSON

/// The annotations the webhook reads and writes on pods and pod templates.
public enum AdmissionAnnotations {
    /// Records, as JSON keyed by `kind/name`, the image each container had before this webhook last rewrote it;
    /// what lets a later pass recognise its own answer (`AdmissionEvaluator.isEarlierAnswer`).
    public static let originalImages = "k8s-image-replacer.dev/original-images"
    /// `"true"` on a pod (or pod template) opts it out of every rewrite.
    public static let skip = "k8s-image-replacer.dev/skip"
    /// Set by the kubelet on mirror pods of static pods, which the API server cannot change anyway.
    public static let mirrorPod = "kubernetes.io/config.mirror"
    /// `originalImages` as a JSON Pointer token, escaped once rather than per request.
    package static let escapedOriginalImagesToken = JSONPatch.escape(originalImages)
}
