#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An RFC 6902 JSON Patch document, as far as the webhook needs one: `replace` for images and `add` for the
/// annotation that records the originals.
package struct JSONPatch: Sendable, Equatable {
    package struct Operation: Encodable, Sendable, Equatable {
        package indirect enum Value: Encodable, Sendable, Equatable {
            case string(String)
            case object([String: Value])

            package func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                switch self {
                case .string(let text): try container.encode(text)
                case .object(let map): try container.encode(map)
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

    /// The patch as JSON bytes.
    package func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(operations)
    }

    /// Escapes one reference token of a JSON Pointer (RFC 6901): `~` becomes `~0` and `/` becomes `~1`, in that
    /// order, so annotation keys such as `example.com/original-images` address one member.
    package static func escape(_ token: String) -> String {
        guard token.contains(where: { $0 == "~" || $0 == "/" }) else { return token }
        return token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
