/// A parsed `WWW-Authenticate` challenge (RFC 7235): a scheme and its parameters.
///
/// Registries send `Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"`
/// or `Basic realm="…"`. Only the first challenge is read; registries send one.
public struct AuthChallenge: Sendable, Hashable {
    /// Lowercased: `bearer` or `basic`.
    public var scheme: String
    /// Parameter names lowercased, values unquoted.
    public var parameters: [String: String]

    /// Parses a header value; nil when it has no scheme.
    public init?(header: String) {
        var bytes = Substring(header).utf8[...]
        func skipSpaces() { while let byte = bytes.first, byte == 0x20 || byte == 0x09 { bytes.removeFirst() } }
        skipSpaces()
        let schemeEnd = bytes.firstIndex(where: { $0 == 0x20 || $0 == 0x09 }) ?? bytes.endIndex
        guard schemeEnd > bytes.startIndex else { return nil }
        scheme = String(Substring(bytes[..<schemeEnd])).lowercased()
        bytes = bytes[schemeEnd...]
        parameters = [:]
        while true {
            skipSpaces()
            while bytes.first == UInt8(ascii: ",") {
                bytes.removeFirst()
                skipSpaces()
            }
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { break }
            let name = String(Substring(bytes[..<equals])).trimmingSpaces().lowercased()
            bytes = bytes[bytes.index(after: equals)...]
            skipSpaces()
            var value: [UInt8] = []
            if bytes.first == UInt8(ascii: "\"") {
                bytes.removeFirst()
                while let byte = bytes.first {
                    bytes.removeFirst()
                    if byte == UInt8(ascii: "\\"), let escaped = bytes.first {
                        value.append(escaped)
                        bytes.removeFirst()
                    } else if byte == UInt8(ascii: "\"") {
                        break
                    } else {
                        value.append(byte)
                    }
                }
            } else {
                while let byte = bytes.first, byte != UInt8(ascii: ",") {
                    value.append(byte)
                    bytes.removeFirst()
                }
            }
            // By byte, like the rest of the parser: " \u{301}" is one Character but still a space in a header.
            guard !name.isEmpty, !name.utf8.contains(UInt8(ascii: " ")) else { break }
            parameters[name] = String(decoding: value, as: UTF8.self).trimmingSpaces()
        }
    }
}

extension String {
    /// Drops leading and trailing spaces and tabs, by byte: a space followed by a combining mark is one `Character`,
    /// which a `Character` comparison would not trim.
    func trimmingSpaces() -> String {
        var bytes = Substring(self).utf8[...]
        while let byte = bytes.first, byte == 0x20 || byte == 0x09 { bytes.removeFirst() }
        while let byte = bytes.last, byte == 0x20 || byte == 0x09 { bytes.removeLast() }
        return String(Substring(bytes))
    }
}
