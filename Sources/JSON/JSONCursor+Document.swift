#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension JSONCursor {
    /// Reads `data` as one JSON document with `read`, refusing anything but whitespace after it.
    package static func document<Value>(
        _ data: Data, _ read: (inout JSONCursor) throws(JSONReadError) -> Value
    ) throws(JSONReadError) -> Value {
        let result: Result<Value, JSONReadError> = data.withUnsafeBytes { raw in
            var cursor = JSONCursor(raw.bindMemory(to: UInt8.self))
            do throws(JSONReadError) {
                let value = try read(&cursor)
                try cursor.finish()
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Reads one member's value with `read`, naming the member in any shape error it throws.
    package mutating func member<Value>(
        _ name: StaticString, _ read: (inout JSONCursor) throws(JSONReadError) -> Value
    ) throws(JSONReadError) -> Value {
        do throws(JSONReadError) {
            return try read(&self)
        } catch {
            throw error.inside(name.description)
        }
    }
}
