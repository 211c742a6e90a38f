/// A failure to compile a pattern, or a match that PCRE2 abandoned.
///
/// Compare kinds with ``code`` (`error.code == .matchLimitExceeded`); the set of codes may grow, so switch over it
/// with a default. ``description`` says what went wrong, where, and what to do about it, and is meant for rule
/// authors reading a load failure or a log line.
public struct PCRE2Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure. A struct over a private enum so new kinds can be added without breaking callers.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Kind: Sendable, Hashable {
            case compileFailed, matchLimitExceeded, depthLimitExceeded, heapLimitExceeded, matchFailed
        }
        fileprivate let kind: Kind

        /// The pattern did not compile; ``PCRE2Error/patternOffset`` points at the problem.
        public static let compileFailed = Code(kind: .compileFailed)
        /// ``PCRE2Limits/matchLimit`` was reached (typically catastrophic backtracking, under JIT or not).
        public static let matchLimitExceeded = Code(kind: .matchLimitExceeded)
        /// ``PCRE2Limits/depthLimit`` was reached (interpreter, including the rerun after JIT stack exhaustion).
        public static let depthLimitExceeded = Code(kind: .depthLimitExceeded)
        /// ``PCRE2Limits/heapLimitKiB`` was reached (interpreter, including the rerun after JIT stack exhaustion).
        public static let heapLimitExceeded = Code(kind: .heapLimitExceeded)
        /// Any other error returned by `pcre2_match`; ``PCRE2Error/pcre2ErrorCode`` has PCRE2's number.
        public static let matchFailed = Code(kind: .matchFailed)

        /// A short stable name for logs and metrics labels, e.g. `match_limit_exceeded`.
        public var description: String {
            switch kind {
            case .compileFailed: "compile_failed"
            case .matchLimitExceeded: "match_limit_exceeded"
            case .depthLimitExceeded: "depth_limit_exceeded"
            case .heapLimitExceeded: "heap_limit_exceeded"
            case .matchFailed: "match_failed"
            }
        }
    }

    /// What kind of failure this is.
    public let code: Code
    /// PCRE2's own message for the failure (from `pcre2_get_error_message`), e.g. "missing closing parenthesis".
    public let message: String
    /// For ``Code-swift.struct/compileFailed``: the UTF-8 byte offset in ``pattern`` where PCRE2 stopped. Otherwise nil.
    public let patternOffset: Int?
    /// PCRE2's numeric error code (positive for compile errors, negative for match errors).
    public let pcre2ErrorCode: Int
    /// The pattern the error is about.
    public let pattern: String

    init(code: Code, pcre2ErrorCode: Int, pattern: String, patternOffset: Int? = nil) {
        self.code = code
        self.pcre2ErrorCode = pcre2ErrorCode
        self.message = PCRE2Error.libraryMessage(for: pcre2ErrorCode)
        self.pattern = pattern
        self.patternOffset = patternOffset
    }

    /// What went wrong, where, and how to fix it, on several lines. Compile errors quote the pattern with a caret
    /// under the offending position.
    public var description: String {
        switch code.kind {
        case .compileFailed:
            let offset = patternOffset ?? 0
            return """
                invalid regular expression: \(message) (PCRE2 error \(pcre2ErrorCode)) at byte offset \(offset)
                  \(pattern)
                  \(PCRE2Error.caretLine(in: pattern, atByteOffset: offset))
                fix the pattern at the marked position; inside JSON or double-quoted YAML strings a backslash must \
                itself be escaped (write \\\\. there for a literal dot)
                """
        case .matchLimitExceeded:
            return """
                regular expression gave up: \(message) (PCRE2 error \(pcre2ErrorCode)) for pattern \(pattern)
                the pattern backtracks too much on this input; remove nested or adjacent quantifiers that can match \
                the same text (like (a+)+ or .*.*), use possessive quantifiers (a++) or atomic groups (?>...), \
                or anchor it
                """
        case .depthLimitExceeded, .heapLimitExceeded:
            return """
                regular expression gave up: \(message) (PCRE2 error \(pcre2ErrorCode)) for pattern \(pattern)
                the pattern needs too many nested backtracking points on this input; replace repeated groups such as \
                (a|b)* with character classes ([ab]*) or possessive/atomic forms
                """
        case .matchFailed:
            return "regular expression match failed: \(message) (PCRE2 error \(pcre2ErrorCode)) for pattern \(pattern)"
        }
    }

    /// A line of spaces with a caret under the character that starts at (or contains) `byteOffset`. Columns are
    /// counted in Unicode scalars, which lines up for the patterns this engine sees (no wide or combining characters
    /// are expected in image patterns); this is presentation only, the offset itself stays in bytes.
    static func caretLine(in pattern: String, atByteOffset byteOffset: Int) -> String {
        let clamped = max(0, min(byteOffset, pattern.utf8.count))
        let prefix = String(decoding: pattern.utf8.prefix(clamped), as: UTF8.self)
        return String(repeating: " ", count: prefix.unicodeScalars.count) + "^"
    }
}
