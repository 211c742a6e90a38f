#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An RFC 6902 JSON Patch document, as far as the webhook needs one: `replace` for images and `add` for the
/// annotation that records the originals.
struct JSONPatch: Sendable, Equatable {
    struct Operation: Encodable, Sendable, Equatable {
        indirect enum Value: Encodable, Sendable, Equatable {
            case string(String)
            case object([String: Value])

            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                switch self {
                case .string(let text): try container.encode(text)
                case .object(let map): try container.encode(map)
                }
            }
        }

        var op: String
        var path: String
        var value: Value
    }

    var operations: [Operation] = []

    var isEmpty: Bool { operations.isEmpty }

    mutating func replace(_ path: String, with value: String) {
        operations.append(Operation(op: "replace", path: path, value: .string(value)))
    }

    mutating func add(_ path: String, _ value: Operation.Value) {
        operations.append(Operation(op: "add", path: path, value: value))
    }

    /// The patch as JSON bytes.
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(operations)
    }

    /// Escapes one reference token of a JSON Pointer (RFC 6901): `~` becomes `~0` and `/` becomes `~1`, in that
    /// order, so annotation keys such as `example.com/original-images` address one member.
    static func escape(_ token: String) -> String {
        guard token.contains(where: { $0 == "~" || $0 == "/" }) else { return token }
        return token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
