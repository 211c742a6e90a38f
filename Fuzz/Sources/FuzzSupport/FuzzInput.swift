// What every fuzz target needs around its parser: the input as text, a way to report a broken property so that
// libFuzzer keeps the input, and a bridge from libFuzzer's synchronous callback to the library's async API.

/// The bytes libFuzzer hands to `LLVMFuzzerTestOneInput`.
public struct FuzzInput {
    public let bytes: UnsafeBufferPointer<UInt8>

    public init(_ data: UnsafePointer<UInt8>?, _ count: Int) {
        bytes = UnsafeBufferPointer(start: count > 0 ? data : nil, count: count)
    }

    /// The input as a String; ill-formed UTF-8 becomes U+FFFD, as it would when a file or request body is decoded
    /// leniently, so every input still reaches the parser.
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// Stops the run with `message` when `condition` is false. A trap, not a thrown error: libFuzzer treats the crash as
/// a finding and saves the input that caused it.
public func require(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID,
    line: UInt = #line
) {
    guard !condition() else { return }
    fatalError("property violated: \(message())", file: file, line: line)
}

/// Shows `text` in a failure message with escapes, so invisible characters in a fuzzer's input are visible.
public func shown(_ text: some StringProtocol) -> String {
    String(text).debugDescription
}
