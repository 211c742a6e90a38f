#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Builds compact JSON text into one byte buffer: the answers the webhook sends are a handful of members whose
/// order is fixed, so writing them directly costs a fraction of JSONEncoder's reflection over Encodable values.
///
/// Strings are escaped as RFC 8259 requires (quote, backslash, control characters); `/` and non-ASCII text are
/// written as they are, which every JSON reader accepts.
package struct JSONOutput {
    package private(set) var bytes: [UInt8] = []

    package init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends JSON text that is already valid (punctuation, literals, member names without escapes).
    package mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends `text`'s UTF-8 as it is, unquoted (for text formats built with the same buffer).
    package mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// Appends `text` as a quoted JSON string.
    package mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var clean = 0
            var index = 0
            while index < utf8.count {
                // Eight bytes at a time while none needs escaping: most of what the webhook writes is image names,
                // base64 and identifiers.
                index = ByteScan.skipUnmarked(utf8, from: index, flags: ByteScan.quotesBackslashesAndControls)
                guard index < utf8.count else { break }
                let byte = utf8[index]
                if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean..<index]))
                    Self.escape(byte, into: &bytes)
                    clean = index + 1
                }
                index += 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends `text` as a quoted JSON string, or `null` for nil.
    package mutating func optionalString(_ text: String?) {
        if let text { string(text) } else { raw("null") }
    }

    /// Appends an integer.
    package mutating func integer(_ value: Int) {
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Appends `true` or `false`.
    package mutating func bool(_ value: Bool) {
        value ? raw("true") : raw("false")
    }

    /// Appends an array of strings.
    package mutating func strings(_ values: [String]) {
        raw("[")
        for (index, value) in values.enumerated() {
            if index > 0 { raw(",") }
            string(value)
        }
        raw("]")
    }

    /// Appends an object of string members in ascending key order, so equal maps give equal text.
    package mutating func sortedObject(_ members: [String: String]) {
        raw("{")
        for (index, key) in members.keys.sorted().enumerated() {
            if index > 0 { raw(",") }
            string(key)
            raw(":")
            string(members[key]!)
        }
        raw("}")
    }

    /// The text as Data.
    package var data: Data { Data(bytes) }

    /// The text as a String.
    package var text: String { String(decoding: bytes, as: UTF8.self) }

    private static func escape(_ byte: UInt8, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [
                UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)],
            ])
        }
    }
}
