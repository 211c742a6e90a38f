/// The rule file used when `--rules` is not given.
///
/// It is compiled into the binary (not a bundle resource) so the executable works wherever it is copied. The
/// rules are real, useful ones rather than placeholders, so that the quick-start webhook does something a
/// platform team would recognise; every stage is excluded from kube-system, which should never depend on a mirror.
public enum DefaultRules {
    /// A label for the embedded file in errors and traces.
    public static let source = "<embedded default>"

    public static let text = """
        # k8s-image-replacer embedded default rules (print them with `k8s-image-replacer rules`).
        # Copy this file, edit it, check it with `k8s-image-replacer check --rules FILE`.
        apiVersion: k8s-image-replacer/v1
        kind: RuleSet
        metadata:
          name: embedded-default
          description: Public mirror examples; replace them with your own mirrors.
        stages:
          # The old Kubernetes registries were frozen and redirected to registry.k8s.io; rewriting the
          # name avoids the redirect and keeps old manifests pulling.
          - name: k8s-registry-move
            matcher: regex
            onMatch: stop
            when:
              excludeNamespaces: [kube-system]
            rules:
              - match: '^(?:k8s\\.gcr\\.io|gcr\\.io/google[-_]containers)/(?<image>.+)$'
                replace: 'registry.k8s.io/${image}'

          # Docker Hub official images through Google's public pull-through cache of Docker Hub,
          # which avoids Docker Hub's anonymous pull rate limit.
          - name: docker-hub-official-mirror
            matcher: prefix
            when:
              excludeNamespaces: [kube-system]
            rules:
              docker.io/library: mirror.gcr.io/library

          # Exact overrides for single images, compared in normalized form
          # (busybox, library/busybox and docker.io/library/busybox:latest are one key).
          - name: pinned-overrides
            matcher: exact
            when:
              excludeNamespaces: [kube-system]
            rules:
              mirror.gcr.io/library/busybox:latest: mirror.gcr.io/library/busybox:1.36
        """
}
