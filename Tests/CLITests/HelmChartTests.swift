import Foundation
import Testing
import Yams

@testable import ReplacerCLI

/// dev/chart without helm (not installable here): the chart's own YAML parses, every template's actions are
/// closed and its blocks balanced, and every value and named template a template uses exists.
@Suite struct HelmChartTests {
    static let templates = [
        "_helpers.tpl", "NOTES.txt", "serviceaccount.yaml", "configmap.yaml", "deployment.yaml", "pdb.yaml",
        "service.yaml", "webhook.yaml", "cert-manager.yaml", "servicemonitor.yaml",
    ]

    static func template(_ name: String) throws -> String { try readRepositoryFile("dev/chart/templates/\(name)") }

    static func values() throws -> [String: Any] {
        try #require(try Yams.load(yaml: try readRepositoryFile("dev/chart/values.yaml")) as? [String: Any])
    }

    /// The text inside each `{{ }}`, with trim markers and spaces removed; throws on an unclosed action.
    static func actions(_ text: String, file: String) throws -> [String] {
        var actions: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw YAMLShapeError(problem: "\(file): \"{{\" is never closed")
            }
            let inner = rest[open.upperBound..<close.lowerBound]
            guard !inner.contains("{{") else { throw YAMLShapeError(problem: "\(file): \"{{\" inside an action") }
            var action = String(inner)
            if action.hasPrefix("-") { action.removeFirst() }
            if action.hasSuffix("-") { action.removeLast() }
            actions.append(action.trimmingCharacters(in: .whitespacesAndNewlines))
            rest = rest[close.upperBound...]
        }
        guard !rest.contains("}}") else { throw YAMLShapeError(problem: "\(file): \"}}\" without \"{{\"") }
        return actions
    }

    @Test func chartMetadataParses() throws {
        let chart = try #require(try Yams.load(yaml: try readRepositoryFile("dev/chart/Chart.yaml")) as? [String: Any])
        #expect(chart["apiVersion"] as? String == "v2")
        #expect(chart["name"] as? String == "k8s-image-replacer")
        #expect((chart["version"] as? String)?.split(separator: ".").count == 3)
        #expect(chart["appVersion"] is String)
    }

    @Test func valuesParseAndCarryTheDefaultRules() async throws {
        let values = try Self.values()
        for key in ["image", "replicaCount", "rules", "webhook", "certificates", "resources", "metrics"] {
            #expect(values[key] != nil, "values.yaml has no \(key)")
        }
        #expect(string(values, "webhook.failurePolicy") == "Ignore")
        #expect(string(values, "certificates.mode") == "self-signed")
        #expect((values["replicaCount"] as? Int ?? 0) >= 2)
        #expect(values["rules"] as? String == DefaultRules.text + "\n", "copy DefaultRules into values.yaml")
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try write(values["rules"] as? String ?? "", to: directory, as: "rules.yaml")
        #expect(await CheckRunner.run(rulesPath: path, registry: registry).exitCode == 0)
    }

    @Test(arguments: templates) func templateActionsAreClosedAndBlocksBalanced(_ name: String) throws {
        var open: [String] = []
        for action in try Self.actions(try Self.template(name), file: name) where !action.hasPrefix("/*") {
            let keyword = action.split(whereSeparator: { $0 == " " || $0 == "\n" }).first.map(String.init) ?? ""
            if ["if", "range", "with", "define", "block"].contains(keyword) {
                open.append(keyword)
            } else if keyword == "end" {
                #expect(open.popLast() != nil, "\(name): an {{ end }} closes nothing")
            } else if keyword == "else" {
                #expect(!open.isEmpty, "\(name): {{ else }} outside a block")
            }
        }
        #expect(open.isEmpty, "\(name): unclosed \(open)")
    }

    /// A misspelt `.Values` path renders as nothing, silently; check each one against values.yaml.
    @Test func everyValueATemplateUsesExists() throws {
        let values = try Self.values()
        let pattern = try Regex(#"\.Values((?:\.[A-Za-z][A-Za-z0-9_]*)+)"#)
        var used: Set<String> = []
        for name in Self.templates {
            for match in try Self.template(name).matches(of: pattern) {
                guard let path = match.output[1].substring else { continue }
                used.insert(String(path.dropFirst()))
            }
        }
        #expect(used.count > 20)
        for path in used.sorted() {
            var current: Any? = values
            for key in path.split(separator: ".") { current = (current as? [String: Any])?[String(key)] }
            #expect(current != nil, ".Values.\(path) is not in values.yaml")
        }
    }

    @Test func everyIncludedTemplateIsDefined() throws {
        let helpers = try Self.template("_helpers.tpl")
        let definition = try Regex(#"define "([^"]+)""#)
        let defined = Set(helpers.matches(of: definition).compactMap { $0.output[1].substring.map(String.init) })
        let inclusion = try Regex(#"(?:include|template) "([^"]+)""#)
        var included: Set<String> = []
        for name in Self.templates {
            included.formUnion(
                try Self.template(name).matches(of: inclusion).compactMap { $0.output[1].substring.map(String.init) })
        }
        #expect(!included.isEmpty)
        #expect(included.subtracting(defined).isEmpty, "not defined: \(included.subtracting(defined))")
    }

    /// The chart deploys what dev/ deploys: the same serve arguments, probes and locked-down pod.
    @Test func deploymentTemplateMatchesTheDevDeployment() throws {
        let chart = try Self.template("deployment.yaml")
        let dev = try readRepositoryFile("dev/k8s-image-replacer.yaml")
        for line in [
            "            - serve", "            - /etc/k8s-image-replacer/rules.yaml",
            "            - /etc/k8s-image-replacer/tls/tls.crt",
            "            - /etc/k8s-image-replacer/tls/tls.key", "              path: /readyz",
            "              path: /healthz",
            "            readOnlyRootFilesystem: true", "            allowPrivilegeEscalation: false",
            "              drop: [ALL]",
            "          type: RuntimeDefault", "        runAsNonRoot: true", "                      path: tls/tls.key",
        ] {
            #expect(chart.contains(line + "\n") && dev.contains(line + "\n"), "\(line)")
        }
        let webhook = try Self.template("webhook.yaml")
        for line in [
            "genCA", "genSignedCert", "lookup \"v1\" \"Secret\"", "cert-manager.io/inject-ca-from",
            "pods/ephemeralcontainers",
        ] {
            #expect(webhook.contains(line), "\(line)")
        }
        #expect(try Self.template("servicemonitor.yaml").contains("kind: ServiceMonitor"))
    }
}
