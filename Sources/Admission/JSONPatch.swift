import ReplacerJSON

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An RFC 6902 JSON Patch document, as far as the webhook needs one: `replace` for images and `add` for the
/// annotation that records the originals.
package struct JSONPatch: Sendable, Equatable {
    package struct Operation: Sendable, Equatable {
        package indirect enum Value: Sendable, Equatable {
            case string(String)
            case object([String: Value])

            func write(into out: inout JSONOutput) {
                switch self {
                case .string(let text): out.string(text)
                case .object(let map):
                    out.raw("{")
                    for (index, key) in map.keys.sorted().enumerated() {
                        if index > 0 { out.raw(",") }
                        out.string(key)
                        out.raw(":")
                        map[key]!.write(into: &out)
                    }
                    out.raw("}")
                }
            }
        }

        package var op: String
        package var path: String
        package var value: Value
    }

    package var operations: [Operation] = []

    package var isEmpty: Bool { operations.isEmpty }

    package mutating func replace(_ path: String, with value: String) {
        operations.append(Operation(op: "replace", path: path, value: .string(value)))
    }

    package mutating func add(_ path: String, _ value: Operation.Value) {
        operations.append(Operation(op: "add", path: path, value: value))
    }

    /// The patch as JSON bytes: `[{"op":…,"path":…,"value":…},…]`.
    package func encoded() -> Data {
        var out = JSONOutput(capacity: 96 * operations.count + 2)
        out.raw("[")
        for (index, operation) in operations.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw(#"{"op":"#)
            out.string(operation.op)
            out.raw(#","path":"#)
            out.string(operation.path)
            out.raw(#","value":"#)
            operation.value.write(into: &out)
            out.raw("}")
        }
        out.raw("]")
        return out.data
    }

    /// Escapes one reference token of a JSON Pointer (RFC 6901): `~` becomes `~0` and `/` becomes `~1`, in that
    /// order, so annotation keys such as `example.com/original-images` address one member.
    package static func escape(_ token: String) -> String {
        guard token.contains(where: { $0 == "~" || $0 == "/" }) else { return token }
        return token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
