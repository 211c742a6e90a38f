// A strict JSON reader that walks the bytes once and materialises only the values its caller asks for.
//
// Why not JSONDecoder: an AdmissionReview is mostly fields the webhook never reads (managedFields, volumes,
// env, status), and JSONDecoder builds a map of the whole document and then decodes through Codable's generic
// machinery. On the load benchmark that was a fifth of the server's CPU per /mutate request. This reader
// validates the whole document to the same grammar (RFC 8259: no trailing commas, no comments, no leading
// zeros, control characters escaped, valid UTF-8, one value then only whitespace) but skips what it does not
// need without allocating.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A member name as it appears in the document, compared without allocating when it has no escapes.
package struct JSONKey {
    let bytes: UnsafeBufferPointer<UInt8>
    /// Set when the raw bytes contain a backslash; then `decoded` holds the real name.
    let decoded: String?

    /// Whether this member is `name` (an ASCII field name of the Kubernetes API).
    package func `is`(_ name: StaticString) -> Bool {
        if let decoded { return decoded == name.description }
        // Most members are not the one asked about, and most differ in length: check that first.
        let count = name.utf8CodeUnitCount
        guard bytes.count == count else { return false }
        return count == 0 || memcmp(bytes.baseAddress!, name.utf8Start, count) == 0
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

    // Internal rather than private: the token scanners live in JSONCursor+Scanning.swift.
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    private var depth = 0

    package init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    // MARK: Structure

    /// The first byte of the next value, after whitespace, without reading it: for readers that take a member
    /// only in one shape and leave others alone (`{` an object, `[` an array, `"` a string). Nil at the end.
    package mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

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
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw syntax("invalid UTF-8 in a string", at: start)
        }
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
        if !ascii, String(validating: raw, as: UTF8.self) == nil {
            throw syntax("invalid UTF-8 in a member name", at: start)
        }
        return JSONKey(bytes: raw, decoded: nil)
    }

    // MARK: Errors

    func syntax(_ problem: String, at offset: Int? = nil) -> JSONReadError {
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
