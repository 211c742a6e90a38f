import ReplacerCore
import ReplacerJSON

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The JSON documents of ABI v1: what `kir_evaluate` is given and what it must return.
enum WasmExchange {
    /// `{"image","normalized","namespace","labels","containerKind","containerName","podName"}`; absent context is
    /// `null`, labels an object (possibly empty). Without a context (a plugin that depends only on the image) every
    /// context field is `null` and the labels are empty.
    static func input(_ image: ImageInput, _ context: EvaluationContext?) -> [UInt8] {
        var json = JSONOutput(capacity: 256)
        json.raw(#"{"image":"#)
        json.string(image.written)
        json.raw(#","normalized":"#)
        json.string(image.normalized)
        json.raw(#","namespace":"#)
        json.optionalString(context?.namespace)
        json.raw(#","labels":"#)
        json.sortedObject(context?.labels ?? [:])
        json.raw(#","containerKind":"#)
        json.optionalString(context?.containerKind.rawValue)
        json.raw(#","containerName":"#)
        json.optionalString(context?.containerName)
        json.raw(#","podName":"#)
        json.optionalString(context?.podName)
        json.raw("}")
        return json.bytes
    }

    /// `{"result": "no-match"|"rewrite"|"matched"|"deny", "image", "rule", "detail"}`. Unknown keys are ignored so
    /// that a later minor revision can add some; a repeated key keeps its last value, as everywhere else.
    struct Output {
        var result: String?
        var image: String?
        var rule: String?
        var detail: String?

        /// Reads the document with the webhook's strict reader: one object, then only whitespace.
        init(json bytes: [UInt8]) throws(JSONReadError) {
            self = try JSONCursor.document(Data(bytes)) { c throws(JSONReadError) in try Output(&c) }
        }

        private init(_ cursor: inout JSONCursor) throws(JSONReadError) {
            var output = Output()
            try cursor.readObject { c, key throws(JSONReadError) in
                if key.is("result") {
                    output.result = try c.member("result") { c throws(JSONReadError) in try c.readOptionalString() }
                } else if key.is("image") {
                    output.image = try c.member("image") { c throws(JSONReadError) in try c.readOptionalString() }
                } else if key.is("rule") {
                    output.rule = try c.member("rule") { c throws(JSONReadError) in try c.readOptionalString() }
                } else if key.is("detail") {
                    output.detail = try c.member("detail") { c throws(JSONReadError) in try c.readOptionalString() }
                } else {
                    try c.skipValue()
                }
            }
            guard output.result != nil else { throw JSONReadError(.missing("result")) }
            self = output
        }

        private init() {}
    }

    /// Decodes a plugin's answer; `pluginID` stands in for a missing `rule`.
    static func result(_ bytes: [UInt8], pluginID: String, path: String) throws(WasmPluginError) -> MatchResult {
        let output: Output
        do {
            output = try Output(json: bytes)
        } catch {
            throw WasmPluginError(
                .invalidOutput, path,
                "kir_evaluate returned something that is not the result JSON (\(Self.preview(bytes))): \(error)",
                hint: #"return {"result": "no-match"|"rewrite"|"matched"|"deny", …} as UTF-8 JSON"#)
        }
        let rule = output.rule ?? pluginID
        switch output.result ?? "" {
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
                .invalidOutput, path, "kir_evaluate returned the unknown result \"\(Self.clip(output.result ?? ""))\"",
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
}
