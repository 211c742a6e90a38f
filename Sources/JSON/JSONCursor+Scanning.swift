// The byte-level scanners behind JSONCursor: strings (with the eight-bytes-at-a-time skip over plain text),
// escapes, and numbers. Each validates what it passes over, so skipped values are checked as strictly as read ones.

extension JSONCursor {
    /// Moves past a string starting at the opening quote. Returns the content's byte range, whether it holds
    /// escapes, and whether it is pure ASCII (so needs no UTF-8 check).
    mutating func scanString() throws(JSONReadError) -> (Int, Int, Bool, Bool) {
        let start = position + 1
        var index = start
        var escaped = false
        var high: UInt8 = 0
        while index < bytes.count {
            // Eight bytes at a time while none of them is a quote, a backslash, a control character or non-ASCII
            // (most of a pod's JSON is plain strings); those are handled one byte at a time below.
            index = ByteScan.skipUnmarked(bytes, from: index) {
                ByteScan.quotesBackslashesAndControls($0) | ByteScan.nonASCII($0)
            }
            guard index < bytes.count else { break }
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
                    guard index + 5 < bytes.count, (2...5).allSatisfy({ Self.hexValue(bytes[index + $0]) != nil })
                    else {
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
    func unescape(_ raw: UnsafeBufferPointer<UInt8>, at offset: Int) throws(JSONReadError) -> String {
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
                guard let unicode = Unicode.Scalar(scalar) else {
                    throw syntax("invalid \\u escape", at: offset + index)
                }
                out.append(contentsOf: UTF8.encode(unicode)!)
            default: out.append(code)  // \" \\ \/
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else {
            throw syntax("invalid UTF-8 in a string", at: offset)
        }
        return text
    }

    mutating func scanNumber() throws(JSONReadError) {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, Self.isDigit(bytes[position]) else { throw syntax("invalid number", at: start) }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, Self.isDigit(bytes[position]) {
                throw syntax("leading zero in a number", at: start)
            }
        } else {
            skipDigits()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard position < bytes.count, Self.isDigit(bytes[position]) else {
                throw syntax("invalid number", at: start)
            }
            skipDigits()
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < bytes.count, Self.isDigit(bytes[position]) else {
                throw syntax("invalid number", at: start)
            }
            skipDigits()
        }
    }

    private mutating func skipDigits() {
        while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

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
}
