#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The JSON form of `explain`: what the CLI prints with `--output json` and what the server's `/explain` returns,
/// so a trace read in CI and one read from a running webhook compare directly.
public struct ExplainDocument: Codable, Sendable, Equatable {
    /// Where the rules came from.
    public var rules: String
    public var results: [Result]

    /// One traced image, as the document writes it: the pipeline's result with everything derived from its events
    /// spelled out, so a reader of the JSON needs no rules of ours to interpret it.
    public struct Result: Codable, Sendable, Hashable {
        /// The container the image belongs to (`containers/app`), when the caller evaluated an object.
        public var container: String?
        public var original: String
        public var image: String
        public var normalized: String?
        public var stages: [StageTrace]
        public var stoppedBy: String?
        public var warnings: [String]
        public var denial: String?
        public var rewrittenBy: [String]
        public var refusedBy: [String]
        public var fellBackBy: [String]
        public var unverifiedBy: [String]

        public init(_ result: PipelineResult, container: String? = nil) {
            self.container = container
            original = result.original
            image = result.image
            normalized = result.normalized
            stages = result.stages
            stoppedBy = result.stoppedBy
            warnings = result.warnings
            denial = result.denial
            rewrittenBy = result.rewrittenBy
            refusedBy = result.refusedBy
            fellBackBy = result.fellBackBy
            unverifiedBy = result.unverifiedBy
        }

        /// Whether the image changed.
        public var changed: Bool { image != original }
    }

    public init(rules: String, results: [Result]) {
        self.rules = rules
        self.results = results
    }

    /// A document of pipeline results that belong to no object (bare images).
    public init(rules: String, results: [PipelineResult]) {
        self.init(rules: rules, results: results.map { Result($0) })
    }

    /// Pretty-printed JSON with sorted keys and a final newline, stable enough for golden files.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain value types cannot fail; keep a readable fallback rather than a trap.
        guard let data = try? encoder.encode(self) else { return "{\"error\": \"could not encode the trace\"}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
