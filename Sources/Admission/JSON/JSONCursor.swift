// A strict JSON reader that walks the bytes once and materialises only the values its caller asks for.
//
// Why not JSONDecoder: an AdmissionReview is mostly fields the webhook never reads (managedFields, volumes,
// env, status), and JSONDecoder builds a map of the whole document and then decodes through Codable's generic
// machinery. On the load benchmark that was a fifth of the server's CPU per /mutate request. This reader
// validates the whole document to the same grammar (RFC 8259: no trailing commas, no comments, no leading
// zeros, control characters escaped, valid UTF-8, one value then only whitespace) but skips what it does not
// need without allocating.

/// Why a body could not be read, with the byte offset (for syntax) or the field path (for shape).
package struct JSONReadError: Error, Equatable, CustomStringConvertible {
    package enum Kind: Equatable, Sendable {
        /// Not JSON at all at `offset`.
        case syntax(String)
        /// JSON, but a value has the wrong type for the field at `path`.
        case wrongType(expected: String)
        /// JSON, but a required field is absent.
        case missing(String)
    }

    package var kind: Kind
    /// Byte offset of the problem, for syntax errors.
    package var offset: Int?
    /// Field names from the top level down, for shape errors; filled in as the error travels outwards.
    package var path: [String] = []

    package init(_ kind: Kind, offset: Int? = nil) {
        self.kind = kind
        self.offset = offset
    }

    package var description: String {
        let at = path.isEmpty ? "the top level" : path.joined(separator: ".")
        switch kind {
        case .syntax(let problem): return "invalid JSON at byte \(offset ?? 0): \(problem)"
        case .wrongType(let expected): return "wrong type at \(at) (expected \(expected))"
        case .missing(let key): return "missing \"\(key)\" at \(at)"
        }
    }

    /// The same error, one level further out: `field` is the member whose value held the problem.
    func inside(_ field: String) -> JSONReadError {
        var copy = self
        if case .syntax = kind { return copy }
        copy.path.insert(field, at: 0)
        return copy
    }
}

/// A member name as it appears in the document, compared without allocating when it has no escapes.
package struct JSONKey {
    let bytes: UnsafeBufferPointer<UInt8>
    /// Set when the raw bytes contain a backslash; then `decoded` holds the real name.
    let decoded: String?

    /// Whether this member is `name` (an ASCII field name of the Kubernetes API).
    package func `is`(_ name: StaticString) -> Bool {
        if let decoded { return decoded == name.description }
        return bytes.elementsEqual(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    }

    /// The member name as a string (for maps such as labels and annotations).
    package var string: String {
        decoded ?? String(decoding: bytes, as: UTF8.self)
    }
}

/// Reads one JSON document from contiguous bytes. Every `read…` consumes exactly one value (and the whitespace
/// before it) or throws; nothing is read past the end of the buffer.
package struct JSONCursor {
    /// Deeper documents are refused rather than risk the stack: Kubernetes objects nest a few dozen levels.
    package static let maxDepth = 200

    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var position = 0
    private var depth = 0

    package init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    // MARK: Structure

    /// Checks that only whitespace follows the value just read.
    package mutating func finish() throws(JSONReadError) {
        skipWhitespace()
        guard position == bytes.count else { throw syntax("unexpected data after the JSON value") }
    }

    /// Reads an object, calling `member` with each key; `member` must consume that member's value.
    package mutating func readObject(
        _ member: (inout JSONCursor, JSONKey) throws(JSONReadError) -> Void
    ) throws(JSONReadError) {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "{") else { throw wrongType("an object") }
        try enter()
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw syntax("expected a member name in quotes")
            }
            let key = try readKey()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw syntax("expected ':'") }
            position += 1
            try member(&self, key)
            skipWhitespace()
            guard position < bytes.count else { throw syntax("unterminated object") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                depth -= 1
                return
            default: throw syntax("expected ',' or '}'")
            }
        }
    }

    /// Reads an array, calling `element` with each index; `element` must consume that element.
    package mutating func readArray(
        _ element: (inout JSONCursor, Int) throws(JSONReadError) -> Void
    ) throws(JSONReadError) {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "[") else { throw wrongType("an array") }
        try enter()
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return
        }
        var index = 0
        while true {
            do throws(JSONReadError) {
                try element(&self, index)
            } catch {
                throw error.inside(String(index))
            }
            index += 1
            skipWhitespace()
            guard position < bytes.count else { throw syntax("unterminated array") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                depth -= 1
                return
            default: throw syntax("expected ',' or ']'")
            }
        }
    }

    /// Consumes `null` and returns true, or consumes nothing and returns false.
    package mutating func readNull() throws(JSONReadError) -> Bool {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    /// Reads a string.
    package mutating func readString() throws(JSONReadError) -> String {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw wrongType("a string") }
        let (start, end, escaped, ascii) = try scanString()
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<end])
        if escaped { return try unescape(raw, at: start) }
        if ascii { return String(decoding: raw, as: UTF8.self) }
        guard let text = String(validating: raw, as: UTF8.self) else { throw syntax("invalid UTF-8 in a string", at: start) }
        return text
    }

    /// Reads a string, or nil for `null`.
    package mutating func readOptionalString() throws(JSONReadError) -> String? {
        try readNull() ? nil : readString()
    }

    /// Reads `true` or `false`, or nil for `null`.
    package mutating func readOptionalBool() throws(JSONReadError) -> Bool? {
        skipWhitespace()
        guard position < bytes.count else { throw syntax("expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        case UInt8(ascii: "n"):
            try literal("null")
            return nil
        default:
            throw wrongType("a boolean")
        }
    }

    /// Reads an object whose values are all strings (labels, annotations), or nil for `null`. A repeated key
    /// keeps its last value, as the API server's own decoder does.
    package mutating func readOptionalStringMap() throws(JSONReadError) -> [String: String]? {
        if try readNull() { return nil }
        var map: [String: String] = [:]
        try readObject { cursor, key throws(JSONReadError) in
            let name = key.string
            do throws(JSONReadError) {
                map[name] = try cursor.readString()
            } catch {
                throw error.inside(name)
            }
        }
        return map
    }

    /// Validates and skips one value of any type.
    package mutating func skipValue() throws(JSONReadError) {
        skipWhitespace()
        guard position < bytes.count else { throw syntax("expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): try readObject { cursor, _ throws(JSONReadError) in try cursor.skipValue() }
        case UInt8(ascii: "["): try readArray { cursor, _ throws(JSONReadError) in try cursor.skipValue() }
        case UInt8(ascii: "\""):
            let (start, end, _, ascii) = try scanString()
            if !ascii, String(validating: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) == nil {
                throw syntax("invalid UTF-8 in a string", at: start)
            }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try scanNumber()
        default: throw syntax("expected a value")
        }
    }

    // MARK: Tokens

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func enter() throws(JSONReadError) {
        depth += 1
        guard depth <= Self.maxDepth else { throw syntax("nested deeper than \(Self.maxDepth) levels") }
    }

    private mutating func literal(_ word: StaticString) throws(JSONReadError) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - position >= count,
            UnsafeBufferPointer(rebasing: bytes[position..<position + count]).elementsEqual(
                UnsafeBufferPointer(start: word.utf8Start, count: count))
        else { throw syntax("expected a value") }
        position += count
    }

    private mutating func readKey() throws(JSONReadError) -> JSONKey {
        let (start, end, escaped, ascii) = try scanString()
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<end])
        if escaped { return JSONKey(bytes: raw, decoded: try unescape(raw, at: start)) }
        if !ascii, String(validating: raw, as: UTF8.self) == nil { throw syntax("invalid UTF-8 in a member name", at: start) }
        return JSONKey(bytes: raw, decoded: nil)
    }

    /// Moves past a string starting at the opening quote. Returns the content's byte range, whether it holds
    /// escapes, and whether it is pure ASCII (so needs no UTF-8 check).
    private mutating func scanString() throws(JSONReadError) -> (Int, Int, Bool, Bool) {
        let start = position + 1
        var index = start
        var escaped = false
        var high: UInt8 = 0
        while index < bytes.count {
            // Eight bytes at a time while none of them is a quote, a backslash, a control character or non-ASCII
            // (most of a pod's JSON is long plain strings); any of those is handled one byte at a time below.
            if index + 8 <= bytes.count {
                let word = UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self)
                if !Self.needsAttention(word) {
                    index += 8
                    continue
                }
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                return (start, index, escaped, high < 0x80)
            }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                guard index + 1 < bytes.count else { break }
                switch bytes[index + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 2
                case UInt8(ascii: "u"):
                    guard index + 5 < bytes.count, (2...5).allSatisfy({ Self.hexValue(bytes[index + $0]) != nil }) else {
                        throw syntax("a \\u escape needs four hex digits", at: index)
                    }
                    index += 6
                default:
                    throw syntax("invalid escape in a string", at: index)
                }
                continue
            }
            guard byte >= 0x20 else { throw syntax("control character in a string", at: index) }
            high |= byte
            index += 1
        }
        throw syntax("unterminated string", at: start - 1)
    }

    /// Decodes a string's content that contains escapes (already checked by `scanString`).
    private func unescape(_ raw: UnsafeBufferPointer<UInt8>, at offset: Int) throws(JSONReadError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                index += 1
                continue
            }
            let code = raw[index + 1]
            index += 2
            switch code {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = Self.hex4(raw, index)
                index += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate must be followed by an escaped low surrogate; together they are one scalar.
                    guard index + 5 < raw.count, raw[index] == UInt8(ascii: "\\"), raw[index + 1] == UInt8(ascii: "u")
                    else { throw syntax("unpaired UTF-16 surrogate in a \\u escape", at: offset + index) }
                    let low = Self.hex4(raw, index + 2)
                    guard (0xDC00..<0xE000).contains(low) else {
                        throw syntax("unpaired UTF-16 surrogate in a \\u escape", at: offset + index)
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw syntax("unpaired UTF-16 surrogate in a \\u escape", at: offset + index)
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw syntax("invalid \\u escape", at: offset + index) }
                out.append(contentsOf: UTF8.encode(unicode)!)
            default: out.append(code)  // \" \\ \/
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw syntax("invalid UTF-8 in a string", at: offset) }
        return text
    }

    private mutating func scanNumber() throws(JSONReadError) {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, Self.isDigit(bytes[position]) else { throw syntax("invalid number", at: start) }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, Self.isDigit(bytes[position]) { throw syntax("leading zero in a number", at: start) }
        } else {
            skipDigits()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard position < bytes.count, Self.isDigit(bytes[position]) else { throw syntax("invalid number", at: start) }
            skipDigits()
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < bytes.count, Self.isDigit(bytes[position]) else { throw syntax("invalid number", at: start) }
            skipDigits()
        }
    }

    private mutating func skipDigits() {
        while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether any byte of `word` is `"`, `\\`, below 0x20 or at least 0x80 (the classic "has a zero byte"
    /// bit trick, applied to the word XORed with each byte of interest).
    @inline(__always)
    private static func needsAttention(_ word: UInt64) -> Bool {
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let zeroInQuote = (quote &- ones) & ~quote
        let zeroInBackslash = (backslash &- ones) & ~backslash
        let belowSpace = word &- (ones &* 0x20)
        return ((zeroInQuote | zeroInBackslash | belowSpace | word) & highs) != 0
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// Four hex digits at `index`, already validated by `scanString`.
    private static func hex4(_ raw: UnsafeBufferPointer<UInt8>, _ index: Int) -> UInt32 {
        (0..<4).reduce(0) { ($0 << 4) | (hexValue(raw[index + $1]) ?? 0) }
    }

    // MARK: Errors

    private func syntax(_ problem: String, at offset: Int? = nil) -> JSONReadError {
        JSONReadError(.syntax(problem), offset: offset ?? position)
    }

    private func wrongType(_ expected: String) -> JSONReadError {
        // A value that is not JSON at all is a syntax error, whatever type was wanted: read it on a copy to tell.
        var probe = self
        do throws(JSONReadError) {
            try probe.skipValue()
        } catch {
            return error
        }
        return JSONReadError(.wrongType(expected: expected), offset: position)
    }
}
