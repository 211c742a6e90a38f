import ReplacerCore
import ReplacerJSON

extension ConfigNode {
    /// The node as JSON, the form `kir_configure` receives a stage's `options` in. Quoted scalars are strings;
    /// unquoted ones are numbers, `true` or `false` where JSON would read them so, and strings otherwise (YAML
    /// 1.1's `yes`/`no` stay strings).
    var json: [UInt8] {
        var output = JSONOutput()
        write(to: &output)
        return output.bytes
    }

    private func write(to output: inout JSONOutput) {
        switch value {
        case .null:
            output.raw("null")
        case .scalar(let text, let quoted):
            if !quoted && (text == "true" || text == "false" || Self.isJSONNumber(text)) {
                output.append(text)  // a JSON literal already, checked above
            } else {
                output.string(text)
            }
        case .sequence(let items):
            output.raw("[")
            for (index, item) in items.enumerated() {
                if index > 0 { output.raw(",") }
                item.write(to: &output)
            }
            output.raw("]")
        case .mapping(let entries):
            output.raw("{")
            for (index, entry) in entries.enumerated() {
                if index > 0 { output.raw(",") }
                output.string(entry.key)
                output.raw(":")
                entry.value.write(to: &output)
            }
            output.raw("}")
        }
    }

    /// JSON's number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    static func isJSONNumber(_ text: String) -> Bool {
        var bytes = text.utf8[...]
        func digits(_ bytes: inout Substring.UTF8View.SubSequence) -> Int {
            let count = bytes.prefix(while: { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }).count
            bytes = bytes.dropFirst(count)
            return count
        }
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        guard let first = bytes.first else { return false }
        let integer = digits(&bytes)
        guard integer > 0, first != UInt8(ascii: "0") || integer == 1 else { return false }
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            guard digits(&bytes) > 0 else { return false }
        }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            guard digits(&bytes) > 0 else { return false }
        }
        return bytes.isEmpty
    }
}
