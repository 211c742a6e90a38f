import ReplacerMatchers

/// The template syntax of `ReplacementTemplate`'s documentation, read as literally as possible and independently
/// of its implementation: a reference oracle for differential fuzzing, with no concern for speed.
struct TemplateOracle {
    enum Piece {
        case text(String)
        case number(Int)
        case name(String)
    }

    /// The pieces, or nil when the template is invalid.
    let pieces: [Piece]?
    /// Byte offset of the `$` that makes the template invalid.
    let failureOffset: Int?

    init(_ template: String, captureCount: Int, names: Set<String>) {
        var pieces: [Piece] = []
        let bytes = Array(template.utf8)
        var i = 0
        var failure: Int?
        scan: while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "$") else {
                var end = i
                while end < bytes.count, bytes[end] != UInt8(ascii: "$") { end += 1 }
                pieces.append(.text(String(decoding: bytes[i..<end], as: UTF8.self)))
                i = end
                continue
            }
            let rest = bytes[(i + 1)...]
            if rest.first == UInt8(ascii: "$") {
                pieces.append(.text("$"))
                i += 2
            } else if let first = rest.first, Self.isDigit(first) {
                let digits = rest.prefix(while: Self.isDigit)
                guard let number = Self.number(digits), number <= captureCount else {
                    failure = i
                    break scan
                }
                pieces.append(.number(number))
                i += 1 + digits.count
            } else if rest.first == UInt8(ascii: "{") {
                guard let close = rest.dropFirst().firstIndex(of: UInt8(ascii: "}")) else {
                    failure = i
                    break scan
                }
                let body = bytes[(i + 2)..<close]
                if body.isEmpty {
                    failure = i
                    break scan
                } else if body.allSatisfy(Self.isDigit) {
                    guard let number = Self.number(body), number <= captureCount else {
                        failure = i
                        break scan
                    }
                    pieces.append(.number(number))
                } else {
                    let name = String(decoding: body, as: UTF8.self)
                    guard names.contains(name) else {
                        failure = i
                        break scan
                    }
                    pieces.append(.name(name))
                }
                i = close + 1
            } else {
                failure = i
                break scan
            }
        }
        self.pieces = failure == nil ? pieces : nil
        self.failureOffset = failure
    }

    /// The replacement for `match`; a group that did not participate contributes "".
    func expand(_ match: PCRE2Match) -> String? {
        guard let pieces else { return nil }
        var result = ""
        for piece in pieces {
            switch piece {
            case .text(let text): result += text
            case .number(let number): result += match[number] ?? ""
            case .name(let name): result += match[name] ?? ""
            }
        }
        return result
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    /// The decimal value, or nil when it does not fit an Int (then it is out of range for any pattern).
    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for digit in digits {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
    }
}
