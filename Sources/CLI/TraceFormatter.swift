import ReplacerCore

/// Renders pipeline results for people (`text`) and programs (`json`, the `/explain` endpoint's format).
public enum TraceFormatter {
    /// The JSON form (see `ExplainDocument`).
    public static func json(_ results: [PipelineResult], rules: String) -> String {
        ExplainDocument(rules: rules, results: results).json()
    }

    public static func text(_ result: PipelineResult) -> String {
        var lines = [result.original]
        lines.append("  normalized: \(result.normalized ?? "(not a valid reference)")")
        let labels = result.stages.enumerated().map { "\($0.offset + 1). \($0.element.stage) (\($0.element.matcher))" }
        let width = labels.map(\.count).max() ?? 0
        let outcomeWidth = result.stages.map(\.outcome.rawValue.count).max() ?? 0
        for (label, stage) in zip(labels, result.stages) {
            var line = "  " + pad(label, width) + "  " + pad(stage.outcome.rawValue, outcomeWidth)
            switch stage.outcome {
            case .rewritten:
                line += "  \(stage.input) → \(stage.output)"
                if let rule = stage.rule { line += "  [rule \(rule)]" }
            case .matched:
                line += "  \(stage.input) unchanged"
                if let rule = stage.rule { line += "  [rule \(rule)]" }
            default:
                if let detail = stage.detail { line += "  \(detail)" }
            }
            lines.append(line)
            for alternative in stage.alternatives ?? [] {
                let verdict = alternative.passed ? "pass" : "fail"
                let source = alternative.source.map { " (\($0.rawValue))" } ?? ""
                lines.append("       ↳ \(alternative.image): \(verdict)\(source) \(alternative.detail)")
            }
        }
        for warning in result.warnings { lines.append("  warning: \(warning)") }
        lines.append("  result: \(result.image)" + (result.changed ? "" : " (unchanged)"))
        return lines.joined(separator: "\n") + "\n"
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
