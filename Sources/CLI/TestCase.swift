import ReplacerCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One expectation of a case file: an image in a context, and the image the rules must turn it into.
struct TestCase: Sendable {
    enum Expectation: Sendable, Equatable {
        case image(String)
        case unchanged
    }

    var name: String?
    var image: String
    var context: EvaluationContext
    var expectation: Expectation
    var location: SourceLocation

    static let keys = ["name", "image", "namespace", "labels", "containerKind", "expect", "unchanged"]

    /// Reads a case file:
    /// ```yaml
    /// cases:
    ///   - image: nginx:1.25
    ///     namespace: web
    ///     expect: mirror.corp/hub/library/nginx:1.25
    ///   - image: quay.io/app:1
    ///     unchanged: true
    /// ```
    static func load(text: String, file: String) throws(RuleFileError) -> [TestCase] {
        let root = try ConfigReader().read(
            text, file: file, document: "the case file", emptyHint: "list the cases under `cases:`")
        let top = try root.object("the case file", allowed: ["cases"])
        let items = try top.require("cases", hint: "list the cases under `cases:`").list("cases")
        var cases: [TestCase] = []
        for item in items { cases.append(try TestCase(decoding: item)) }
        return cases
    }

    static func load(contentsOf path: String) throws(RuleFileError) -> [TestCase] {
        let start = SourceLocation(file: path, line: 1, column: 1)
        if let problem = RuleFileError.unreadable(path) {
            throw RuleFileError("cannot read the case file: \(problem)", at: start, hint: "check the case file's path")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RuleFileError("cannot read the case file", at: start, hint: "check the case file's path")
        }
        return try load(text: String(decoding: data, as: UTF8.self), file: path)
    }

    init(decoding node: ConfigNode) throws(RuleFileError) {
        let object = try node.object("a case", allowed: Self.keys)
        location = node.location
        name = try object["name"]?.string("name")
        image = try object.require("image", hint: "the image as a pod spec writes it").string("image")
        context = EvaluationContext()
        context.namespace = try object["namespace"]?.string("namespace")
        if let labels = object["labels"] {
            for entry in try labels.entries("labels") {
                context.labels[entry.key] = try entry.value.string("label value")
            }
        }
        if let kindNode = object["containerKind"] {
            let text = try kindNode.string("containerKind")
            guard let kind = ContainerKind(rawValue: text) else {
                throw kindNode.error(
                    "unknown containerKind \"\(text)\"",
                    hint: "use \(ContainerKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            context.containerKind = kind
        }
        switch (object["expect"], object["unchanged"]) {
        case (let expect?, nil):
            expectation = .image(try expect.string("expect"))
        case (nil, let unchanged?):
            guard try unchanged.bool("unchanged") else {
                throw unchanged.error("`unchanged: false` says nothing", hint: "give the expected image with `expect:`")
            }
            expectation = .unchanged
        default:
            throw node.error("a case needs exactly one of `expect: IMAGE` or `unchanged: true`")
        }
    }

    /// How the case is named in reports.
    var label: String { name.map { "\($0) (\(image))" } ?? image }
}
