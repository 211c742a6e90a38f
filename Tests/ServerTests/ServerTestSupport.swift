import Foundation
import ReplacerAdmission
import ReplacerCore
import ReplacerMatchers
import Testing

let registry: MatcherRegistry = {
    do { return try MatcherRegistry([ExactMatcher.self, PrefixMatcher.self, RegexMatcher.self]) } catch {
        fatalError("the built-in matchers must register: \(error)")
    }
}()

/// The rules most server tests run: Docker Hub through a mirror, one refused rewrite, quay images pinned.
let serverRules = """
    apiVersion: k8s-image-replacer/v1
    kind: RuleSet
    stages:
      - name: hub
        matcher: prefix
        rules:
          docker.io: mirror.corp/hub
      - name: quay-broken
        matcher: regex
        rules:
          - match: '^quay\\.io/broken/(.+)$'
            replace: 'mirror.corp/broken/$1:v2'
    """

func ruleSet(_ yaml: String = serverRules, podTemplates: Bool = false) async throws -> RuleSet {
    let text =
        podTemplates
        ? yaml.replacingOccurrences(of: "kind: RuleSet\n", with: "kind: RuleSet\nadmission: {podTemplates: true}\n")
        : yaml
    return try await RuleSetLoader(registry: registry).load(text: text, file: "rules.yaml")
}

/// Builds an AdmissionReview around `object`.
func review(
    _ object: [String: Any], kind: String = "Pod", group: String = "", resource: String = "pods",
    subResource: String? = nil, operation: String = "CREATE", oldObject: [String: Any]? = nil, dryRun: Bool = false,
    apiVersion: String = "admission.k8s.io/v1", uid: String = "705ab4f5-6393-11e8-b7cc-42010a800002"
) -> Data {
    var request: [String: Any] = [
        "uid": uid, "kind": ["group": group, "version": "v1", "kind": kind],
        "resource": ["group": group, "version": "v1", "resource": resource], "operation": operation,
        "namespace": "team-a", "dryRun": dryRun, "object": object,
    ]
    if let subResource { request["subResource"] = subResource }
    if let oldObject { request["oldObject"] = oldObject }
    let body: [String: Any] = ["apiVersion": apiVersion, "kind": "AdmissionReview", "request": request]
    return try! JSONSerialization.data(withJSONObject: body)
}

/// An image volume of a pod spec: `{name, image: {reference, pullPolicy}}`.
func imageVolume(_ name: String, _ reference: String, pullPolicy: String? = nil) -> [String: Any] {
    var image: [String: Any] = ["reference": reference]
    if let pullPolicy { image["pullPolicy"] = pullPolicy }
    return ["name": name, "image": image]
}

func pod(
    containers: [String], initContainers: [String] = [], ephemeralContainers: [String] = [],
    volumes: [[String: Any]] = [], annotations: [String: String]? = nil, labels: [String: String] = ["app": "web"]
) -> [String: Any] {
    func list(_ images: [String], _ prefix: String) -> [[String: Any]] {
        images.enumerated().map { ["name": "\(prefix)\($0.offset)", "image": $0.element] }
    }
    var metadata: [String: Any] = ["name": "web-1", "namespace": "team-a", "labels": labels]
    if let annotations { metadata["annotations"] = annotations }
    var spec: [String: Any] = ["containers": list(containers, "c")]
    if !initContainers.isEmpty { spec["initContainers"] = list(initContainers, "i") }
    if !ephemeralContainers.isEmpty { spec["ephemeralContainers"] = list(ephemeralContainers, "e") }
    if !volumes.isEmpty { spec["volumes"] = volumes }
    return ["apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec]
}

/// `reviewer`'s answer to `body` under `rules`, decoded, with its summary; a rejected body fails the test.
func reviewAnswer(_ body: Data, rules: RuleSet, reviewer: AdmissionReviewer = AdmissionReviewer()) async throws -> (
    DecodedResponse, AdmissionSummary
) {
    guard case .answer(let data, let summary) = await reviewer.review(body, ruleSet: rules) else {
        Issue.record("expected an answer")
        throw CancellationError()
    }
    return (try decodeAnswer(data), summary)
}

/// The decoded `response` of an AdmissionReview answer.
struct DecodedResponse {
    var apiVersion: String
    var uid: String
    var allowed: Bool
    var patch: [[String: Any]]?
    var warnings: [String]
}

func decodeAnswer(_ data: Data) throws -> DecodedResponse {
    let top = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    let response = top["response"] as! [String: Any]
    var patch: [[String: Any]]?
    if let encoded = response["patch"] as? String {
        #expect(response["patchType"] as? String == "JSONPatch")
        let bytes = Data(base64Encoded: encoded)!
        patch = try JSONSerialization.jsonObject(with: bytes) as? [[String: Any]]
    }
    return DecodedResponse(
        apiVersion: top["apiVersion"] as! String, uid: response["uid"] as! String,
        allowed: response["allowed"] as! Bool,
        patch: patch, warnings: response["warnings"] as? [String] ?? [])
}

/// Applies `add` and `replace` operations of a JSON Patch (RFC 6902) to a JSON document, as the API server would.
func apply(_ patch: [[String: Any]], to document: Any) throws -> Any {
    struct PatchFailure: Error, CustomStringConvertible { var description: String }
    func tokens(_ pointer: String) -> [String] {
        pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }
    func set(_ node: Any, _ path: ArraySlice<String>, _ value: Any, mustExist: Bool) throws -> Any {
        guard let token = path.first else { return value }
        if var object = node as? [String: Any] {
            if path.count == 1 && mustExist && object[token] == nil {
                throw PatchFailure(description: "replace of missing \(token)")
            }
            if path.count > 1 && object[token] == nil { throw PatchFailure(description: "no member \(token)") }
            object[token] = try set(object[token] as Any, path.dropFirst(), value, mustExist: mustExist)
            return object
        }
        if var array = node as? [Any], let index = Int(token), array.indices.contains(index) {
            array[index] = try set(array[index], path.dropFirst(), value, mustExist: mustExist)
            return array
        }
        throw PatchFailure(description: "cannot address \(token)")
    }
    var document = document
    for operation in patch {
        let op = operation["op"] as! String
        guard op == "add" || op == "replace" else { throw PatchFailure(description: "unexpected op \(op)") }
        document = try set(
            document, tokens(operation["path"] as! String)[...], operation["value"]!, mustExist: op == "replace")
    }
    return document
}

/// Images of one container list of a pod (or pod template) JSON object after patching.
func images(_ object: Any, _ path: [String], _ kind: String = "containers") -> [String] {
    var node: Any? = object
    for key in path { node = (node as? [String: Any])?[key] }
    let spec = node as? [String: Any]
    return (spec?[kind] as? [[String: Any]] ?? []).map { $0["image"] as! String }
}

/// The image volume references of a pod (or pod template) spec after patching, by volume name; other volumes
/// (emptyDir, configMap, …) are absent.
func volumeReferences(_ object: Any, _ path: [String]) -> [String: String] {
    var node: Any? = object
    for key in path { node = (node as? [String: Any])?[key] }
    var references: [String: String] = [:]
    for volume in (node as? [String: Any])?["volumes"] as? [[String: Any]] ?? [] {
        if let name = volume["name"] as? String,
            let reference = (volume["image"] as? [String: Any])?["reference"] as? String
        {
            references[name] = reference
        }
    }
    return references
}

func annotations(_ object: Any, _ path: [String] = ["metadata"]) -> [String: String] {
    var node: Any? = object
    for key in path { node = (node as? [String: Any])?[key] }
    return (node as? [String: Any])?["annotations"] as? [String: String] ?? [:]
}

extension Array {
    /// The element at `index`, or nil: a test must fail, not trap, when a list is shorter than expected.
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

/// The `openssl` on PATH, if any (Debian: apt-get install openssl; CI installs it).
let opensslPath: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    .map { "\($0)/openssl" }.first { FileManager.default.isExecutableFile(atPath: $0) }

/// Runs `openssl` (from PATH) with `arguments` and `stdin` as its input file, and returns what it printed (stdout
/// and stderr together). Waits without blocking a thread; stops it after `timeout` and says so in the output.
func runOpenSSL(_ arguments: [String], stdin: URL = URL(fileURLWithPath: "/dev/null"), timeout: Duration = .seconds(15))
    async throws -> String
{
    struct NoOpenSSL: Error, CustomStringConvertible {
        var description: String { "openssl is not on PATH (Debian: apt-get install openssl)" }
    }
    guard let path = opensslPath else { throw NoOpenSSL() }
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("openssl-\(UUID().uuidString).out")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: output) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let sink = try FileHandle(forWritingTo: output)
    process.standardOutput = sink
    process.standardError = sink
    process.standardInput = try FileHandle(forReadingFrom: stdin)
    let finished = AsyncStream<Void>.makeStream()
    process.terminationHandler = { _ in finished.continuation.finish() }
    try process.run()
    let watchdog = Task {
        try await Task.sleep(for: timeout)
        process.terminate()
        return true
    }
    for await _ in finished.stream {}
    watchdog.cancel()
    let timedOut = (try? await watchdog.value) == true
    try sink.close()
    let text = String(decoding: try Data(contentsOf: output), as: UTF8.self)
    return timedOut ? text + "\n[openssl \(arguments.first ?? "") stopped after \(timeout)]" : text
}
