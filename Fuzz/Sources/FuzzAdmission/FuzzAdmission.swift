// Fuzz target: the AdmissionReview decoder and the JSON Patch builder, through the public
// `AdmissionReviewer.review`, so it keeps working whatever decodes the body inside.
//
// Input: a request body, ideally an AdmissionReview JSON document.
//
// Properties:
// - the reviewer never traps; it rejects only with status 400 and a message, and otherwise answers with an
//   AdmissionReview for the request's uid that allows the pod (these rules never deny);
// - a patch is a JSON Patch that applies to `request.object`, replaces only container images (each with a valid
//   reference) and adds or replaces only the originals annotation, all within one pod spec;
// - on the body as `JSONSerialization` re-writes it (no duplicate keys, so both readers see one document), the
//   patched object's images are exactly the pipeline's outputs for the containers the request lets the webhook
//   rewrite, and the annotation records exactly the images that changed (when there was none before; an existing
//   one records them besides its other entries).
import Foundation
import FuzzSupport
import ReplacerAdmission
import ReplacerCore
import ReplacerMatchers

/// Rules with no `when:` conditions, so an image's output depends on nothing but the image and its pull policy:
/// Docker Hub through a mirror, a pinned exact image, and regex rules of which one can produce invalid references.
private let rules = """
    apiVersion: k8s-image-replacer/v1
    kind: RuleSet
    admission:
      podTemplates: true
    stages:
      - name: pinned
        matcher: exact
        onMatch: stop
        rules:
          busybox:1.36: mirror.corp/pinned/busybox:1.36
      - name: hub
        matcher: prefix
        rules:
          docker.io: mirror.corp/hub
          ghcr.io/org: mirror.corp/ghcr-org
      - name: quay
        matcher: regex
        rules:
          - match: '^quay\\.io/broken/(.+)$'
            replace: 'mirror.corp/broken/$1:v2'
          - match: '^quay\\.io/(?<org>[^/]+)/(.+)$'
            replace: 'mirror.corp/quay/${org}/$2'
    """

private let ruleSet: RuleSet = runBlocking {
    do {
        let registry = try MatcherRegistry([ExactMatcher.self, PrefixMatcher.self, RegexMatcher.self])
        return try await RuleSetLoader(registry: registry).load(text: rules, file: "fuzz-admission.yaml")
    } catch {
        fatalError("the fuzz rules must load: \(error)")
    }
}

private let reviewer = AdmissionReviewer()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAdmission(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let body = Data(FuzzInput(data, count).bytes)
    runBlocking { await check(body) }
    return 0
}

private func check(_ body: Data) async {
    let document = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
    if case .answer(let answer, _) = checkedOutcome(await reviewer.review(body, ruleSet: ruleSet)) {
        _ = checkPatch(answer, input: document ?? [String: Any](), exactRequest: false)
    }
    guard let document,
        let canonical = try? JSONSerialization.data(withJSONObject: document, options: [.fragmentsAllowed])
    else { return }
    guard case .answer(let answer, let summary) = checkedOutcome(await reviewer.review(canonical, ruleSet: ruleSet)),
        !summary.timedOut, let patched = checkPatch(answer, input: document, exactRequest: true),
        let request = member(document, ["request"])
    else { return }
    await checkImages(request: request, patched: patched)
}

/// Rejections are 400 with a message; there is no other way to fail.
private func checkedOutcome(_ outcome: AdmissionOutcome) -> AdmissionOutcome {
    if case .rejected(let status, let message) = outcome {
        require(status == 400, "rejected with status \(status): \(message)")
        require(!message.isEmpty, "rejected without a message")
    }
    return outcome
}

/// The answer's `request.object` after its patch.
private struct PatchedObject {
    var document: JSONPointerDocument
    var hasPatch: Bool
}

/// Checks the answer's shape and its patch; with `exactRequest`, applies the patch to `input`'s `request.object` and
/// returns the result (the unchanged object when there is no patch), or nil when there is no object.
/// - Parameter exactRequest: the input has no duplicate keys, so the reviewer saw the same document as
///   `JSONSerialization`: its uid must be echoed and the patch must apply. Otherwise only the patch's own shape is
///   checked.
private func checkPatch(_ answer: Data, input: Any, exactRequest: Bool) -> PatchedObject? {
    guard let review = (try? JSONSerialization.jsonObject(with: answer)) as? [String: Any],
        let response = review["response"] as? [String: Any]
    else {
        require(false, "the answer is not a JSON AdmissionReview: \(String(decoding: answer, as: UTF8.self))")
        return nil
    }
    require(review["kind"] as? String == "AdmissionReview", "answer kind \(String(describing: review["kind"]))")
    require(
        ["admission.k8s.io/v1", "admission.k8s.io/v1beta1"].contains(review["apiVersion"] as? String ?? ""),
        "answer apiVersion \(String(describing: review["apiVersion"]))")
    require(response["allowed"] as? Bool == true, "a pod was not allowed: \(response)")
    let request = member(input, ["request"])
    if exactRequest {
        require(
            response["uid"] as? String == request?["uid"] as? String,
            "answer uid \(String(describing: response["uid"])) for request uid \(String(describing: request?["uid"]))")
    }
    for warning in response["warnings"] as? [String] ?? [] {
        require(warning.count <= AdmissionReviewer.maxWarningLength, "warning longer than the limit: \(warning)")
    }

    let object: Any? = request?["object"]
    guard let encoded = response["patch"] as? String else {
        require(response["patchType"] == nil, "patchType without a patch")
        return object.map { PatchedObject(document: JSONPointerDocument(root: $0), hasPatch: false) }
    }
    require(response["patchType"] as? String == "JSONPatch", "patchType \(String(describing: response["patchType"]))")
    guard let patchData = Data(base64Encoded: encoded),
        let operations = (try? JSONSerialization.jsonObject(with: patchData)) as? [[String: Any]]
    else {
        require(false, "the patch is not base64 of a JSON array of operations: \(encoded)")
        return nil
    }
    guard let object = object ?? (exactRequest ? nil : [String: Any]()), object is [String: Any] else {
        require(false, "a patch for a request without an object: \(operations)")
        return nil
    }
    var document = JSONPointerDocument(root: object)
    var specs: Set<String> = []
    for operation in operations {
        let op = operation["op"] as? String ?? ""
        let path = operation["path"] as? String ?? ""
        let value = operation["value"] as Any
        let tokens = JSONPointerDocument.tokens(path) ?? []
        switch op {
        case "replace" where specPrefixes.contains(where: { annotationPaths(for: $0).last == tokens }):
            // An originals annotation already there, extended or (when unreadable) replaced.
            specs.insert(specPrefixes.first(where: { annotationPaths(for: $0).last == tokens })!.joined(separator: "/"))
            require(value is String, "the originals annotation replaced by a non-string: \(value)")
        case "replace":
            // A container's `KIND/I/image`, or an image volume's `volumes/I/image/reference`.
            let volume = tokens.count >= 5 && tokens.suffix(2) == ["image", "reference"]
            let kindAt = tokens.count - (volume ? 4 : 3)
            guard tokens.count >= 4, volume || tokens.last == "image", Int(tokens[kindAt + 1]) != nil,
                let kind = ContainerKind(rawValue: tokens[kindAt]), (kind == .volumes) == volume,
                let spec = specPrefixes.first(where: { $0 == Array(tokens.prefix(kindAt)) })
            else {
                require(false, "replace outside a container image: \(path)")
                return nil
            }
            specs.insert(spec.joined(separator: "/"))
            require(!exactRequest || document.value(at: path) is String, "replace of a non-string at \(path)")
            require(
                (value as? String).flatMap { try? ImageInput($0) } != nil, "replace with an invalid image: \(value)")
        case "add":
            guard let spec = specPrefixes.first(where: { annotationPaths(for: $0).contains(tokens) }) else {
                require(false, "add outside the originals annotation: \(path)")
                return nil
            }
            specs.insert(spec.joined(separator: "/"))
        default:
            require(false, "unexpected operation \(op) at \(path)")
        }
        guard exactRequest else { continue }
        do {
            try document.apply(op: op, path: path, value: value)
        } catch {
            require(false, "\(error) (operation \(op))")
        }
    }
    require(specs.count == 1, "one patch touches several pod specs: \(specs)")
    return exactRequest ? PatchedObject(document: document, hasPatch: true) : nil
}

/// The pod-spec locations of the kinds the reviewer handles.
private let specPrefixes: [[String]] = [
    ["spec"], ["spec", "template", "spec"], ["spec", "jobTemplate", "spec", "template", "spec"], ["template", "spec"],
]

/// The paths an `add` of the originals annotation may have for a pod spec at `spec`.
private func annotationPaths(for spec: [String]) -> [[String]] {
    let metadata = Array(spec.dropLast()) + ["metadata"]
    return [
        metadata, metadata + ["annotations"], metadata + ["annotations", AdmissionAnnotations.originalImages],
    ]
}

/// Compares every image of the patched object with what the pipeline makes of the original, container by container.
private func checkImages(request: [String: Any], patched result: PatchedObject) async {
    let patched = result.document
    guard let object = request["object"] as? [String: Any] else { return }
    let scope = RewriteScope(request: request, podTemplates: ruleSet.admission.podTemplates)
    let metadata = scope.flatMap { member(object, $0.metadata) }
    let annotations = metadata?["annotations"] as? [String: Any] ?? [:]
    let skipped =
        annotations[AdmissionAnnotations.mirrorPod] != nil
        || (annotations[AdmissionAnnotations.skip] as? String)?.lowercased() == "true"
    guard let scope, !skipped, let spec = member(object, scope.spec) else {
        require(!result.hasPatch, "a request out of scope was patched")
        return
    }
    let pipeline = Pipeline(ruleSet)
    let old = member(request["oldObject"], scope.spec)
    var originals: [String: String] = [:]
    for kind in scope.kinds {
        /// Where a slot's image is (a container's `image`, a volume's `image.reference`) and its pull policy.
        func slot(_ entry: [String: Any]) -> (image: Any?, policy: Any?) {
            guard kind == .volumes else { return (entry["image"], entry["imagePullPolicy"]) }
            let source = entry["image"] as? [String: Any]
            return (source?["reference"], source?["pullPolicy"])
        }
        var previous: [String: String] = [:]
        for container in old?[kind.rawValue] as? [Any] ?? [] {
            guard let container = container as? [String: Any], let name = container["name"] as? String,
                previous[name] == nil
            else { continue }
            previous[name] = slot(container).image as? String ?? ""
        }
        for (index, entry) in (spec[kind.rawValue] as? [Any] ?? []).enumerated() {
            let container = entry as? [String: Any] ?? [:]
            let path = RewriteScope.pointer(
                scope.spec + [kind.rawValue, String(index)] + (kind == .volumes ? ["image", "reference"] : ["image"]))
            let now = patched.value(at: path) as? String
            guard let image = slot(container).image as? String, !image.isEmpty else {
                require(now == slot(container).image as? String, "\(path) was patched though it had no image")
                continue
            }
            let name = container["name"] as? String ?? "#\(index)"
            var expected = image
            // Pull policy `Never`: the node must hold this exact name, so the reviewer leaves it alone before the
            // pipeline runs (the pipeline itself knows nothing of pull policies).
            let policy = slot(container).policy as? String
            if !(scope.onlyChanged && previous[name] == image), policy != "Never" {
                let context = EvaluationContext(imagePullPolicy: policy)
                expected = await pipeline.run(image, context: context, trace: false).image
            }
            require(
                now == expected,
                "\(path): \(shown(image)) became \(shown(now ?? "nil")), pipeline says \(shown(expected))")
            if expected != image { originals["\(kind.rawValue)/\(name)"] = image }
        }
    }
    let key = AdmissionAnnotations.originalImages
    let recorded = member(patched.root, scope.metadata + ["annotations"])?[key]
    if !scope.annotates || originals.isEmpty {
        require(
            recorded as? String == annotations[key] as? String,
            "the originals annotation changed: \(String(describing: recorded))")
        return
    }
    let parsed =
        (recorded as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: String]
    if annotations[key] == nil {
        require(
            parsed == originals, "the originals annotation is \(String(describing: recorded)), expected \(originals)")
    } else {
        // One that was there keeps its other entries (when readable) or is replaced (when not): either way it now
        // records every image this pass changed.
        require(
            parsed.map { recorded in originals.allSatisfy { recorded[$0.key] == $0.value } } == true,
            "the originals annotation \(String(describing: recorded)) does not record \(originals)")
    }
}
