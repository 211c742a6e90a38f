// The template grammar, scanned over UTF-8 bytes so every offset is a byte offset. `$`, `{` and `}` are ASCII, so
// cutting the bytes at them always lands on a Unicode scalar boundary.
extension ReplacementTemplate {
    private static let dollar = UInt8(ascii: "$")
    private static let openBrace = UInt8(ascii: "{")
    private static let closeBrace = UInt8(ascii: "}")

    static func parse(
        _ template: String, captureCount: Int, groupNumbersByName: [String: [Int]]
    ) throws(ReplacementTemplateError) -> [Segment] {
        let bytes = Array(template.utf8)
        var segments: [Segment] = []
        var literal: [UInt8] = []
        var index = 0

        func flushLiteral() {
            guard !literal.isEmpty else { return }
            segments.append(.literal(String(decoding: literal, as: UTF8.self)))
            literal.removeAll(keepingCapacity: true)
        }
        func fail(_ code: ReplacementTemplateError.Code, _ message: String, at offset: Int, hint: String)
            -> ReplacementTemplateError
        {
            ReplacementTemplateError(code, message, offset: offset, template: template, hint: hint)
        }
        let groupsHint =
            captureCount == 0
            ? "the pattern has no capturing groups; only $0 (the whole match) can be referenced"
            : "valid group numbers are 0 to \(captureCount)"
        func resolveNumber(_ digits: ArraySlice<UInt8>, at offset: Int) throws(ReplacementTemplateError) -> Int {
            // Saturate instead of overflowing: any number this large is out of range anyway.
            let number = digits.reduce(0) { $0 > captureCount ? $0 : $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            guard number <= captureCount else {
                let shown = String(decoding: digits, as: UTF8.self)
                throw fail(
                    .unknownGroupNumber, "group \(shown) does not exist (the pattern has \(captureCount))",
                    at: offset, hint: "\(groupsHint); write ${1}0 for group 1 followed by a literal 0")
            }
            return number
        }

        while index < bytes.count {
            let byte = bytes[index]
            guard byte == dollar else {
                literal.append(byte)
                index += 1
                continue
            }
            let start = index
            let next = index + 1 < bytes.count ? bytes[index + 1] : nil
            switch next {
            case dollar:
                literal.append(dollar)
                index += 2
            case let digit? where isDigit(digit):
                var end = index + 1
                while end < bytes.count, isDigit(bytes[end]) { end += 1 }
                let number = try resolveNumber(bytes[(index + 1)..<end], at: start)
                flushLiteral()
                segments.append(.group(number))
                index = end
            case openBrace:
                guard let close = bytes[(index + 2)...].firstIndex(of: closeBrace) else {
                    throw fail(
                        .unterminatedBrace, "\"${\" is not closed", at: start,
                        hint: "close the reference with \"}\", or write $$ for a literal \"$\"")
                }
                let body = bytes[(index + 2)..<close]
                guard !body.isEmpty else {
                    throw fail(
                        .emptyReference, "\"${}\" names no group", at: start,
                        hint: "put a group number or name inside the braces, or write $$ for a literal \"$\"")
                }
                flushLiteral()
                if body.allSatisfy(isDigit) {
                    segments.append(.group(try resolveNumber(body, at: start)))
                } else {
                    let name = String(decoding: body, as: UTF8.self)
                    guard let numbers = groupNumbersByName[name] else {
                        let known = groupNumbersByName.keys.sorted()
                        let knownText =
                            known.isEmpty
                            ? "the pattern has no named groups" : "named groups are \(known.joined(separator: ", "))"
                        throw fail(
                            .unknownGroupName, "group \"\(name)\" does not exist", at: start,
                            hint: "\(knownText); define it in the pattern with (?<\(name)>...)")
                    }
                    segments.append(.namedGroup(name, numbers))
                }
                index = close + 1
            default:
                throw fail(
                    .danglingDollar, "\"$\" must be followed by a group number, \"{\" or \"$\"", at: start,
                    hint: "write $$ for a literal \"$\", $1 or ${1} for a numbered group, ${name} for a named group")
            }
        }
        flushLiteral()
        return segments
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
