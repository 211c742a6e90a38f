import Foundation
import ReplacerServer

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// Turns the embedded dev/ manifests into what `manifests` prints: the namespace, image, rule file and CA bundle
/// put in by plain text substitution, so the output stays the dev/ files byte for byte apart from those values.
struct ManifestRenderer: Sendable {
    /// How the API server comes to trust the webhook's certificate.
    enum Trust: Sendable {
        /// The CA certificate (PEM) goes into the webhook configuration's caBundle.
        case caBundle(pem: String)
        /// cert-manager issues the certificate and its CA injector fills caBundle.
        case certManager
    }

    var namespace = DeployManifests.defaultNamespace
    var image = DeployManifests.defaultImage
    /// The rule file for the ConfigMap.
    var rules = DefaultRules.text
    /// The rule file's `admission.podTemplates`: the webhook configuration then sends the workloads too (the
    /// embedded one has their rules commented out, for the default).
    var podTemplates = false

    /// The multi-document YAML for `kubectl apply -f -`: the workload, then what makes the webhook trusted.
    func render(_ trust: Trust) throws(ManifestError) -> String {
        var workload = try withRules(namespaced(DeployManifests.workload))
        guard workload.contains("image: \(DeployManifests.defaultImage)\n") else {
            throw ManifestError(problem: "the embedded Deployment has no image line to replace")
        }
        workload = workload.replacingOccurrences(
            of: "image: \(DeployManifests.defaultImage)\n", with: "image: \(image)\n")
        switch trust {
        case .caBundle(let pem):
            if let problem = WebhookCABundle.problem(pem) { throw ManifestError(problem: problem) }
            let bundle = Data(pem.utf8).base64EncodedString()
            let webhook = try withWorkloadRules(namespaced(DeployManifests.webhookTemplate))
                .replacingOccurrences(of: DeployManifests.caBundlePlaceholder, with: bundle)
            return workload + "---\n" + webhook
        case .certManager:
            return workload + "---\n" + namespaced(DeployManifests.certManagerCertificates) + "---\n"
                + (try withWorkloadRules(namespaced(DeployManifests.certManagerWebhook)))
        }
    }

    /// The line that introduces the commented-out workload rules in the embedded webhook configurations.
    static let workloadRulesMarker =
        "# With `admission: {podTemplates: true}` in the rule file, add the workloads as well:"

    /// With `podTemplates`, the webhook configuration's workload rules uncommented; otherwise `text` as it is.
    func withWorkloadRules(_ text: String) throws(ManifestError) -> String {
        guard podTemplates else { return text }
        var lines = text.components(separatedBy: "\n")
        guard let marker = lines.firstIndex(where: { $0.hasSuffix(Self.workloadRulesMarker) }) else {
            throw ManifestError(problem: "the embedded webhook configuration has no commented-out workload rules")
        }
        let indent = String(lines[marker].prefix { $0 == " " })
        lines[marker] = indent + "# The rule file sets `admission: {podTemplates: true}`: the workloads as well."
        var index = marker + 1
        while index < lines.count, lines[index].hasPrefix(indent + "# - ") || lines[index].hasPrefix(indent + "#   ") {
            lines[index] = indent + lines[index].dropFirst(indent.count + 2)
            index += 1
        }
        return lines.joined(separator: "\n")
    }

    /// The Namespace document alone, exactly as `render` has it, so applying it before or after does not fight
    /// over its labels.
    func namespaceDocument() -> String {
        let text = namespaced(DeployManifests.workload)
        let first = text.components(separatedBy: "\n---\n")[0]
        let lines = first.split(separator: "\n", omittingEmptySubsequences: false).drop { $0.hasPrefix("#") }
        return lines.joined(separator: "\n") + "\n"
    }

    func namespaced(_ text: String) -> String {
        text.replacingOccurrences(of: DeployManifests.defaultNamespace, with: namespace)
    }

    /// Replaces the ConfigMap's rule file: the lines after `rules.yaml: |` up to the end of that document.
    func withRules(_ text: String) throws(ManifestError) -> String {
        var lines = text.components(separatedBy: "\n")
        guard let key = lines.firstIndex(of: DeployManifests.rulesKeyLine) else {
            throw ManifestError(problem: "the embedded ConfigMap has no \"rules.yaml: |\" block")
        }
        let end = lines[(key + 1)...].firstIndex(of: "---") ?? lines.endIndex
        lines.replaceSubrange((key + 1)..<end, with: try Self.blockLines(rules))
        return lines.joined(separator: "\n")
    }

    /// The rule file as the lines of a YAML literal block scalar (clip chomping keeps one final newline).
    static func blockLines(_ rules: String) throws(ManifestError) -> [String] {
        var text = rules.replacingOccurrences(of: "\r\n", with: "\n")
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        while text.hasSuffix("\n") { text.removeLast() }
        let lines = text.components(separatedBy: "\n")
        guard let first = lines.first(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            throw ManifestError(problem: "the rule file is empty")
        }
        // A literal block takes its indentation from its first line; an indented first line would end the block
        // at the next line that is indented less.
        if first.hasPrefix(" ") || first.hasPrefix("\t") {
            throw ManifestError(problem: "the rule file's first line is indented; start it at column 1")
        }
        return lines.map { $0.isEmpty ? "" : DeployManifests.rulesIndentation + $0 }
    }
}

/// A deployment manifest cannot be rendered as asked.
struct ManifestError: Error, CustomStringConvertible, Sendable {
    var problem: String
    var description: String { problem }
}
