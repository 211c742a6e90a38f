import CoreMetrics

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Builds a `RuleSet` from rule-file text, validating everything before anything is used.
///
/// Loading either returns a complete rule set or throws the first error with its file, line, column and stage;
/// matchers already created for earlier stages are shut down before the error is thrown, so a failed load leaves
/// nothing behind.
public struct RuleSetLoader: Sendable {
    public let registry: MatcherRegistry
    public var reader: ConfigReader
    /// Builds verifiers for stages with a `verify:` section; nil in builds that cannot reach registries.
    public var verifierFactory: ImageVerifierFactory?
    /// Handed to every stage's matcher (`MatcherConfiguration.metrics`): the server passes its backend.
    public var metrics: any MetricsFactory

    static let topLevelKeys = ["apiVersion", "kind", "metadata", "admission", "stages"]
    static let stageKeys = ["name", "matcher", "description", "onMatch", "when", "rules", "options", "verify"]

    public init(
        registry: MatcherRegistry, reader: ConfigReader = ConfigReader(), verifierFactory: ImageVerifierFactory? = nil,
        metrics: any MetricsFactory = NOOPMetricsHandler.instance
    ) {
        self.registry = registry
        self.reader = reader
        self.verifierFactory = verifierFactory
        self.metrics = metrics
    }

    /// Loads the rule file at `path`.
    public func load(contentsOf path: String) async throws(RuleFileError) -> RuleSet {
        let text: String
        do {
            if let problem = RuleFileError.unreadable(path) {
                throw RuleFileError(
                    "cannot read the rule file: \(problem)", at: SourceLocation(file: path, line: 1, column: 1),
                    hint: "check the path given to --rules")
            }
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw RuleFileError(
                    "the file is not UTF-8 text", at: SourceLocation(file: path, line: 1, column: 1),
                    hint: "save it as UTF-8")
            }
            text = decoded
        } catch let error as RuleFileError {
            throw error
        } catch {
            throw RuleFileError(
                "cannot read the rule file: \(error.localizedDescription)",
                at: SourceLocation(file: path, line: 1, column: 1), hint: "check the path given to --rules")
        }
        return try await load(text: text, file: path)
    }

    /// Loads rule-file `text`; `file` names it in errors and traces.
    public func load(text: String, file: String) async throws(RuleFileError) -> RuleSet {
        let root = try reader.read(text, file: file)
        let top = try root.object("the rule file", allowed: Self.topLevelKeys)
        try checkHeader(top)
        var name: String?
        if let metadata = top["metadata"] {
            let object = try metadata.object("metadata", allowed: ["name", "description"])
            name = try object["name"]?.string("metadata.name")
            _ = try object["description"]?.string("metadata.description")
        }
        let admission = try top["admission"].map { node throws(RuleFileError) in try AdmissionOptions(decoding: node) }
        let stageNodes = try top.require("stages", hint: "list the stages to run, in order").list("stages")
        var stages: [Stage] = []
        do throws(RuleFileError) {
            var names: [String: SourceLocation] = [:]
            for node in stageNodes {
                let stage = try decodeStage(node)
                if let first = names[stage.name] {
                    throw RuleFileError(
                        "duplicate stage name \"\(stage.name)\"", at: stage.location, stage: stage.name,
                        hint: "names must be unique (the first is at line \(first.line)); traces and metrics use them")
                }
                names[stage.name] = stage.location
                stages.append(stage)
            }
        } catch {
            for stage in stages { await stage.matcher.shutdown() }
            throw error
        }
        return RuleSet(stages: stages, name: name, source: file, admission: admission ?? AdmissionOptions())
    }

    private func checkHeader(_ top: ConfigObject) throws(RuleFileError) {
        let version = try top.require("apiVersion", hint: "start the file with `apiVersion: \(RuleSet.apiVersion)`")
        guard try version.string("apiVersion") == RuleSet.apiVersion else {
            throw version.error(
                "unsupported apiVersion \(version.describeForError)",
                hint: "this build reads \(RuleSet.apiVersion)")
        }
        let kind = try top.require("kind", hint: "add `kind: \(RuleSet.kind)`")
        guard try kind.string("kind") == RuleSet.kind else {
            throw kind.error("unsupported kind \(kind.describeForError)", hint: "use `kind: \(RuleSet.kind)`")
        }
    }

    private func decodeStage(_ node: ConfigNode) throws(RuleFileError) -> Stage {
        // The name comes first so that every later error, unknown keys included, can say which stage it is in.
        let entries = try node.entries("a stage")
        guard let nameNode = entries.first(where: { $0.key == "name" })?.value else {
            throw node.error("a stage needs \"name\"", hint: "give every stage a unique name")
        }
        let name = try nameNode.string("name")
        guard !name.isEmpty, name.utf8.count <= 63, !name.utf8.contains(where: { $0 < 0x21 || $0 > 0x7E }) else {
            throw nameNode.error(
                "stage name \(nameNode.describeForError) is not usable",
                hint: "use 1 to 63 printable ASCII characters without spaces")
        }
        do throws(RuleFileError) {
            let object = try node.object("a stage", allowed: Self.stageKeys)
            let matcherNode = try object.require(
                "matcher", hint: "name one of: \(registry.ids.joined(separator: ", "))")
            let matcherID = try matcherNode.string("matcher")
            guard let module = registry.module(for: matcherID) else {
                throw matcherNode.error(
                    "unknown matcher \"\(matcherID)\"", hint: "this build has: \(registry.ids.joined(separator: ", "))")
            }
            var onMatch = Stage.OnMatch.continue
            if let onMatchNode = object["onMatch"] {
                let text = try onMatchNode.string("onMatch")
                guard let value = Stage.OnMatch(rawValue: text) else {
                    throw onMatchNode.error("onMatch must be \"continue\" or \"stop\", not \"\(text)\"")
                }
                onMatch = value
            }
            let condition = try object["when"].map { node throws(RuleFileError) in try StageCondition(decoding: node) }
            let description = try object["description"]?.string("description")
            let factory = verifierFactory
            let verification = try object["verify"].map { node throws(RuleFileError) in
                try StageVerification(decoding: node, factory: factory)
            }
            let configuration = MatcherConfiguration(
                stageName: name, rules: object["rules"], options: object["options"], location: node.location,
                metrics: metrics)
            let matcher: any Matcher
            do {
                matcher = try module.factory(configuration)
            } catch let error as RuleFileError {
                throw error
            } catch {
                throw RuleFileError("the \(matcherID) matcher refused this stage: \(error)", at: node.location)
            }
            return Stage(
                name: name, matcherID: matcherID, matcher: matcher, onMatch: onMatch,
                condition: condition ?? StageCondition(), description: description,
                verification: verification ?? StageVerification(), location: node.location)
        } catch {
            throw error.inStage(name)
        }
    }
}

extension RuleFileError {
    /// Why the file at `path` cannot be read as a text file, in a few words ("no such file", "it is a directory"),
    /// or nil when it looks readable. Foundation's own errors say "NSCocoaErrorDomain error 256" for a directory and
    /// "permission" for a device, which sends people looking in the wrong place.
    package static func unreadable(_ path: String) -> String? {
        // stat(2) follows symbolic links, as reading does: a ConfigMap's files are links into a hidden directory.
        var info = stat()
        guard stat(path, &info) == 0 else {
            return errno == ENOENT || errno == ENOTDIR ? "no such file" : String(cString: strerror(errno))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return "it is a directory"
        default: return "not a regular file"
        }
        return access(path, R_OK) == 0 ? nil : "permission denied"
    }
}
