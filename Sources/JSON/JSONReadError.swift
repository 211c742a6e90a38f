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
