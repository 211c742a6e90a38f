import ArgumentParser
import Foundation
import Testing

@testable import ReplacerCLI

/// What the issue asks of dev/k8s-image-replacer.yaml and dev/mutating-webhook-template.yaml, checked on the files.
@Suite struct DeployWorkloadTests {
    let workload: [[String: Any]]
    let webhook: [String: Any]

    init() throws {
        workload = try yamlDocuments(try readRepositoryFile("dev/k8s-image-replacer.yaml"))
        webhook = try #require(
            document(
                try yamlDocuments(try readRepositoryFile("dev/mutating-webhook-template.yaml")),
                kind: "MutatingWebhookConfiguration"))
    }

    var pod: [String: Any]? { value(document(workload, kind: "Deployment"), "spec.template.spec") as? [String: Any] }
    var container: [String: Any]? { value(pod, "containers.0") as? [String: Any] }

    @Test func deploymentIsHighlyAvailable() throws {
        let deployment = try #require(document(workload, kind: "Deployment"))
        #expect((value(deployment, "spec.replicas") as? Int ?? 0) >= 2)
        #expect(value(deployment, "spec.strategy.rollingUpdate.maxUnavailable") as? Int == 0)
        let antiAffinity = try #require(
            value(pod, "affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution.0") as? [String: Any])
        #expect(string(antiAffinity, "podAffinityTerm.topologyKey") == "kubernetes.io/hostname")
        let selector = value(deployment, "spec.selector.matchLabels") as? [String: String]
        #expect(value(antiAffinity, "podAffinityTerm.labelSelector.matchLabels") as? [String: String] == selector)
        let budget = try #require(document(workload, kind: "PodDisruptionBudget"))
        #expect(value(budget, "spec.minAvailable") as? Int == 1)
        #expect(value(budget, "spec.selector.matchLabels") as? [String: String] == selector)
    }

    @Test func podIsLockedDown() throws {
        #expect(value(pod, "securityContext.runAsNonRoot") as? Bool == true)
        #expect((value(pod, "securityContext.runAsUser") as? Int ?? 0) > 0)
        #expect(string(pod, "securityContext.seccompProfile.type") == "RuntimeDefault")
        #expect(value(pod, "automountServiceAccountToken") as? Bool == false)
        #expect(value(container, "securityContext.allowPrivilegeEscalation") as? Bool == false)
        #expect(value(container, "securityContext.readOnlyRootFilesystem") as? Bool == true)
        #expect(value(container, "securityContext.capabilities.drop") as? [String] == ["ALL"])
        for kind in ["requests", "limits"] {
            #expect(
                string(container, "resources.\(kind).cpu") != nil
                    && string(container, "resources.\(kind).memory") != nil)
        }
        #expect(
            (value(document(workload, kind: "Namespace"), "metadata.labels") as? [String: String])?[
                "pod-security.kubernetes.io/enforce"] == "restricted")
    }

    /// The container's arguments are real `serve` flags, and the files they name are what the volume provides.
    @Test func containerArgumentsParseAsServeAndPointIntoTheVolume() throws {
        let arguments = try #require(container?["args"] as? [String])
        let parsed = try ReplacerCommand.parseAsRoot(arguments)
        let serve = try #require(parsed as? ServeCommand)
        #expect(serve.rules.rules == "/etc/k8s-image-replacer/rules.yaml")
        #expect(serve.tlsCert == "/etc/k8s-image-replacer/tls/tls.crt")
        #expect(serve.tlsKey == "/etc/k8s-image-replacer/tls/tls.key")
        #expect(serve.logFormat == .json)

        let mount = try #require(value(container, "volumeMounts.0") as? [String: Any])
        #expect(mount["subPath"] == nil, "subPath mounts are never updated; the server reloads whole directories")
        let mountPath = try #require(mount["mountPath"] as? String)
        let volume = try #require(
            (pod?["volumes"] as? [[String: Any]])?.first { $0["name"] as? String == mount["name"] as? String })
        var provided: Set<String> = []
        for source in value(volume, "projected.sources") as? [[String: Any]] ?? [] {
            for item in (value(source, "configMap.items") ?? value(source, "secret.items")) as? [[String: Any]] ?? [] {
                provided.insert("\(mountPath)/\(item["path"] as? String ?? "")")
            }
        }
        #expect(provided.isSuperset(of: [serve.rules.rules, serve.tlsCert, serve.tlsKey].compactMap { $0 }))
        // Where the README's digest stage example reads registry credentials from.
        #expect(provided.contains("/etc/k8s-image-replacer/pull/.dockerconfigjson"))
        #expect(value(volume, "projected.sources.2.secret.optional") as? Bool == true)
        let configMap = value(volume, "projected.sources.0.configMap.name") as? String
        #expect(configMap == string(document(workload, kind: "ConfigMap"), "metadata.name"))
        #expect(value(volume, "projected.sources.1.secret.name") as? String == DeployManifests.secretName)

        // Probes on the plain probe port, the Service on the TLS port, both as `serve` defaults them.
        let ports = Dictionary(
            uniqueKeysWithValues: (container?["ports"] as? [[String: Any]] ?? []).map {
                ($0["name"] as? String ?? "", $0["containerPort"] as? Int ?? 0)
            })
        #expect(ports == ["https": serve.port, "probes": serve.probePort])
        #expect(string(container, "readinessProbe.httpGet.path") == "/readyz")
        #expect(string(container, "livenessProbe.httpGet.path") == "/healthz")
        #expect(string(container, "readinessProbe.httpGet.port") == "probes")
        #expect(string(container, "livenessProbe.httpGet.port") == "probes")
        let service = try #require(document(workload, kind: "Service"))
        #expect(value(service, "spec.ports.0.port") as? Int == 443)
        #expect(value(service, "spec.ports.0.targetPort") as? Int == serve.port)

        // The webhook answers before the API server gives up on it.
        #expect(Double(value(webhook, "webhooks.0.timeoutSeconds") as? Int ?? 0) > serve.requestTimeout)
    }

    @Test func webhookConfigurationIsSafeByDefault() throws {
        let hook = try #require(value(webhook, "webhooks.0") as? [String: Any])
        #expect(hook["admissionReviewVersions"] as? [String] == ["v1"])
        #expect(hook["sideEffects"] as? String == "None")
        #expect(hook["failurePolicy"] as? String == "Ignore")
        #expect(hook["reinvocationPolicy"] as? String == "IfNeeded")
        #expect(
            string(hook, "clientConfig.service.name") == string(document(workload, kind: "Service"), "metadata.name"))
        #expect(value(hook, "clientConfig.service.port") as? Int == 443)
        #expect(string(hook, "clientConfig.service.path") == "/mutate")
        #expect(string(hook, "clientConfig.caBundle") == DeployManifests.caBundlePlaceholder)
        let rules = try #require(hook["rules"] as? [[String: Any]])
        #expect(rules.count == 2)
        #expect(
            value(rules[0], "operations") as? [String] == ["CREATE"]
                && value(rules[0], "resources") as? [String] == ["pods"])
        #expect(
            value(rules[1], "operations") as? [String] == ["UPDATE"]
                && value(rules[1], "resources") as? [String] == ["pods/ephemeralcontainers"])
        #expect(string(hook, "namespaceSelector.matchExpressions.0.key") == "kubernetes.io/metadata.name")
        #expect(string(hook, "namespaceSelector.matchExpressions.0.operator") == "NotIn")
        #expect(
            value(hook, "namespaceSelector.matchExpressions.0.values") as? [String] == [
                DeployManifests.defaultNamespace, "kube-system",
            ])
        // The webhook's own pods opt out too, in case the selector is ever widened.
        let annotations =
            value(document(workload, kind: "Deployment"), "spec.template.metadata.annotations") as? [String: String]
        #expect(annotations?["k8s-image-replacer.dev/skip"] == "true")
    }

    /// The selector examples stay comments: the template must work as it is on any supported version.
    @Test func selectorExamplesAreDocumentedButNotActive() throws {
        let text = try readRepositoryFile("dev/mutating-webhook-template.yaml")
        #expect(text.contains("# objectSelector:") && text.contains("# matchConditions:"))
        #expect(text.contains("k8s-image-replacer.dev/skip"))
        #expect(
            value(webhook, "webhooks.0.objectSelector") == nil && value(webhook, "webhooks.0.matchConditions") == nil)
    }
}
