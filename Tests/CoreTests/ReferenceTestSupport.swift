// Shared fixtures for the image reference tests. Cases restate facts from distribution/reference's
// behaviour (inputs and outcomes); the tables are our own.
import ReplacerCore
import Testing

enum ReferenceFixture {
    /// `count` copies of `character`: hex digests, long paths and tags.
    static func run(_ count: Int, _ character: Character = "f") -> String {
        String(repeating: character, count: count)
    }

    static let sha256 = "sha256:" + run(64)
    static let sha384 = "sha384:" + run(96, "a")
    static let sha512 = "sha512:" + run(128, "0")
    /// A real-looking sha256 digest.
    static let pauseDigest = "sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097"
}

/// An expected error: kind and byte offset.
struct ExpectedReferenceError: Sendable, CustomStringConvertible {
    let kind: ReferenceError.Kind
    let offset: Int

    init(_ kind: ReferenceError.Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    var description: String { "\(kind)@\(offset)" }
}

/// A string that must be rejected, with the expected kind and offset.
struct RejectedReference: Sendable, CustomTestStringConvertible {
    let input: String
    let expected: ExpectedReferenceError
    let why: String

    init(_ input: String, _ kind: ReferenceError.Kind, at offset: Int, _ why: String = "") {
        self.input = input
        self.expected = ExpectedReferenceError(kind, at: offset)
        self.why = why
    }

    var testDescription: String {
        let shown = input.utf8.count > 60 ? String(input.prefix(40)) + "…(\(input.utf8.count) bytes)" : input
        return "\(shown.debugDescription) → \(expected)" + (why.isEmpty ? "" : " (\(why))")
    }
}

/// Runs a throwing reference operation and returns its error, or nil if it succeeded.
func capturedReferenceError<T>(_ body: () throws(ReferenceError) -> T) -> ReferenceError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}
