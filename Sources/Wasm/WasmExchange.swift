import ReplacerCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The JSON documents of ABI v1: what `kir_evaluate` is given and what it must return.
enum WasmExchange {
    /// `{"image","normalized","namespace","labels","containerKind","containerName","podName"}`; absent context is
    /// `null`, labels an object (possibly empty).
    static func input(_ image: ImageInput, _ context: EvaluationContext) -> [UInt8] {
        var json = JSONWriter()
        json.object {
            $0.field("image", image.written)
            $0.field("normalized", image.normalized)
            $0.field("namespace", context.namespace)
            $0.key("labels")
            $0.object { labels in
                for key in context.labels.keys.sorted() { labels.field(key, context.labels[key]) }
            }
            $0.field("containerKind", context.containerKind.rawValue)
            $0.field("containerName", context.containerName)
            $0.field("podName", context.podName)
        }
        return json.bytes
    }

    /// `{"result": "no-match"|"rewrite"|"matched"|"deny", "image", "rule", "detail"}`. Unknown keys are ignored so
    /// that a later minor revision can add some.
    struct Output: Decodable {
        var result: String
        var image: String?
        var rule: String?
        var detail: String?
    }

    /// Decodes a plugin's answer; `pluginID` stands in for a missing `rule`.
    static func result(_ bytes: [UInt8], pluginID: String, path: String) throws(WasmPluginError) -> MatchResult {
        let output: Output
        do {
            output = try JSONDecoder().decode(Output.self, from: Data(bytes))
        } catch {
            throw WasmPluginError(
                .invalidOutput, path,
                "kir_evaluate returned something that is not the result JSON (\(Self.preview(bytes))): \(Self.reason(error))",
                hint: #"return {"result": "no-match"|"rewrite"|"matched"|"deny", …} as UTF-8 JSON"#)
        }
        let rule = output.rule ?? pluginID
        switch output.result {
        case "no-match":
            return .noMatch(output.detail)
        case "rewrite":
            guard let image = output.image, !image.isEmpty else {
                throw WasmPluginError(.invalidOutput, path, #"kir_evaluate returned "rewrite" without "image""#)
            }
            return .rewrite(to: image, rule: rule, detail: output.detail)
        case "matched":
            return .matched(rule: rule, detail: output.detail)
        case "deny":
            return .deny(output.detail ?? "denied by the \(pluginID) plugin", rule: output.rule)
        default:
            throw WasmPluginError(
                .invalidOutput, path, "kir_evaluate returned the unknown result \"\(Self.clip(output.result))\"",
                hint: "use no-match, rewrite, matched or deny")
        }
    }

    /// The start of a plugin's output, printable, for error messages.
    static func preview(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(40), as: UTF8.self)
        let printable = String(text.unicodeScalars.map { $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" })
        return "\"" + printable + (bytes.count > 40 ? "…" : "") + "\""
    }

    static func clip(_ text: String) -> String { text.count <= 40 ? text : String(text.prefix(40)) + "…" }

    private static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "\"\(key.stringValue)\" is missing"
        case DecodingError.typeMismatch(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        case DecodingError.dataCorrupted: "not valid JSON"
        default: "\(error)"
        }
    }
}
