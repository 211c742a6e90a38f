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
    public var results: [PipelineResult]

    public init(rules: String, results: [PipelineResult]) {
        self.rules = rules
        self.results = results
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
