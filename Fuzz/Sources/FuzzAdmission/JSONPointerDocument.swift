import Foundation

/// A JSON document as `JSONSerialization` reads it, with just enough RFC 6901/6902 to check the reviewer's patches:
/// look a pointer up, and apply `replace` and `add`. Written here rather than borrowed from the reviewer, so a bug
/// in its patch building cannot hide behind the same bug in applying.
struct JSONPointerDocument {
    var root: Any

    enum PatchFailure: Error, CustomStringConvertible {
        case malformed(String)
        case unresolvable(String)

        var description: String {
            switch self {
            case .malformed(let what): "malformed patch: \(what)"
            case .unresolvable(let path): "path \(path) does not resolve in the document"
            }
        }
    }

    /// The reference tokens of `pointer`, unescaped (`~1` → `/`, then `~0` → `~`); nil for a malformed pointer.
    static func tokens(_ pointer: String) -> [String]? {
        if pointer.isEmpty { return [] }
        guard pointer.hasPrefix("/") else { return nil }
        var tokens: [String] = []
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var chars = raw.makeIterator()
            while let char = chars.next() {
                guard char == "~" else {
                    token.append(char)
                    continue
                }
                switch chars.next() {
                case "0": token.append("~")
                case "1": token.append("/")
                default: return nil
                }
            }
            tokens.append(token)
        }
        return tokens
    }

    /// The value at `pointer`; nil when it does not resolve (a JSON null resolves to `NSNull`).
    func value(at pointer: String) -> Any? {
        guard let tokens = Self.tokens(pointer) else { return nil }
        var node: Any = root
        for token in tokens {
            if let object = node as? [String: Any], let child = object[token] {
                node = child
            } else if let array = node as? [Any], let index = Self.index(token), array.indices.contains(index) {
                node = array[index]
            } else {
                return nil
            }
        }
        return node
    }

    /// Applies one operation. `replace` needs the target to exist; `add` needs its parent to exist and, for arrays
    /// (which the reviewer never adds to), is refused.
    mutating func apply(op: String, path: String, value: Any) throws(PatchFailure) {
        guard op == "replace" || op == "add" else { throw .malformed("operation \(op)") }
        guard let tokens = Self.tokens(path), !tokens.isEmpty else { throw .malformed("path \(path)") }
        guard let updated = Self.setting(tokens[...], in: root, to: value, replace: op == "replace") else {
            throw .unresolvable(path)
        }
        root = updated
    }

    private static func setting(_ tokens: ArraySlice<String>, in node: Any, to value: Any, replace: Bool) -> Any? {
        guard let token = tokens.first else { return value }
        let rest = tokens.dropFirst()
        if var object = node as? [String: Any] {
            if rest.isEmpty {
                if replace && object[token] == nil { return nil }
                object[token] = value
                return object
            }
            guard let child = object[token], let updated = setting(rest, in: child, to: value, replace: replace) else {
                return nil
            }
            object[token] = updated
            return object
        }
        if var array = node as? [Any], let index = index(token), array.indices.contains(index) {
            if rest.isEmpty {
                guard replace else { return nil }
                array[index] = value
                return array
            }
            guard let updated = setting(rest, in: array[index], to: value, replace: replace) else { return nil }
            array[index] = updated
            return array
        }
        return nil
    }

    /// An array index token: "0" or digits without a leading zero.
    private static func index(_ token: String) -> Int? {
        let digits = token.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        guard digits, !token.isEmpty, token == "0" || token.first != "0" else { return nil }
        return Int(token).flatMap { $0 >= 0 ? $0 : nil }
    }
}
