import CPCRE2

/// A compiled PCRE2 regular expression, compiled once at rule-load time and then shared by every request.
///
/// The pattern is compiled in UTF mode (`PCRE2_UTF`) with `\C` forbidden (`PCRE2_NEVER_BACKSLASH_C`), so every
/// capture starts and ends on a Unicode scalar boundary of the subject. Character classes such as `\d` and `\w` are
/// ASCII-only (no `PCRE2_UCP`), as in Go's `regexp`. After compiling, the pattern is JIT-compiled
/// (`PCRE2_JIT_COMPLETE`) when the library and CPU support it; otherwise matching runs in the interpreter, with the
/// same results. ``isJITCompiled`` records which.
///
/// Thread safety: instances are immutable after `init` and safe to use from any number of tasks at once.
/// `@unchecked Sendable` because the class holds two C pointers the compiler cannot reason about:
/// - `code` (`pcre2_code`) is written only by `pcre2_compile` and `pcre2_jit_compile`, both inside `init`; PCRE2
///   documents a compiled pattern (including its JIT code) as safe to share between threads for matching.
/// - `matchContext` (`pcre2_match_context`) holds only the limits; it is configured inside `init` and never changed
///   afterwards, and `pcre2_match` only reads it, which PCRE2 documents as safe to share.
/// Per-match state (`pcre2_match_data`) is never shared: each ``firstMatch(in:)`` call allocates and frees its own.
public final class PCRE2Pattern: @unchecked Sendable {
    /// The pattern source, exactly as given to `init`.
    public let pattern: String
    /// Whether the pattern was compiled with `PCRE2_CASELESS`.
    public let caseInsensitive: Bool
    /// The limits every match runs under.
    public let limits: PCRE2Limits
    /// Number of capturing groups (group 0, the whole match, is not counted).
    public let captureCount: Int
    /// True when matching runs JIT-compiled machine code; false when it falls back to the interpreter.
    public let isJITCompiled: Bool
    /// Every group number for each name; more than one only with duplicate names (`(?J)` or `(?|...)`).
    let groupNumbersByName: [String: [Int]]

    let code: OpaquePointer
    let matchContext: OpaquePointer

    /// Named groups mapped to their group number. With duplicate names (`(?J)`), the lowest number.
    public var groupNames: [String: Int] { groupNumbersByName.compactMapValues(\.first) }

    /// Compiles `pattern` (UTF-8, UTF mode) and JIT-compiles it.
    ///
    /// - Parameters:
    ///   - pattern: PCRE2 syntax. Validity of its UTF-8 is guaranteed by `String`, so it is compiled with
    ///     `PCRE2_NO_UTF_CHECK`.
    ///   - caseInsensitive: compile with `PCRE2_CASELESS`.
    ///   - limits: resource limits for every later match.
    ///   - useJIT: set to false to force the interpreter (for tests and diagnosis; leave it on in production).
    /// - Throws: ``PCRE2Error`` with code ``PCRE2Error/Code-swift.struct/compileFailed``, PCRE2's message and the byte
    ///   offset in `pattern` where compilation stopped. A JIT failure is not an error; see ``isJITCompiled``.
    public init(
        _ pattern: String,
        caseInsensitive: Bool = false,
        limits: PCRE2Limits = .default,
        useJIT: Bool = true
    ) throws(PCRE2Error) {
        var options = UInt32(PCRE2_UTF) | UInt32(PCRE2_NO_UTF_CHECK) | UInt32(PCRE2_NEVER_BACKSLASH_C)
        if caseInsensitive { options |= UInt32(PCRE2_CASELESS) }

        var errorCode: Int32 = 0
        var errorOffset = 0
        let compiled = PCRE2Pattern.withNonNullUTF8(pattern) { bytes in
            CPCRE2_compile(bytes.baseAddress, bytes.count, options, &errorCode, &errorOffset)
        }
        guard let compiled else {
            throw PCRE2Error(
                code: .compileFailed, pcre2ErrorCode: Int(errorCode), pattern: pattern, patternOffset: errorOffset)
        }
        guard let context = CPCRE2_match_context_create() else {
            CPCRE2_code_free(compiled)
            throw PCRE2Error(code: .matchFailed, pcre2ErrorCode: Int(CPCRE2_error_nomemory()), pattern: pattern)
        }
        // Cannot fail: the context is valid and every value is accepted.
        _ = CPCRE2_set_limits(context, limits.matchLimit, limits.depthLimit, limits.heapLimitKiB)

        // JIT failure (unsupported CPU, no executable memory under a hardened kernel) is recoverable: the interpreter
        // gives identical results, only slower.
        let jitted = useJIT && CPCRE2_config_jit() == 1 && CPCRE2_jit_compile(compiled, UInt32(PCRE2_JIT_COMPLETE)) == 0

        var captures: UInt32 = 0
        _ = CPCRE2_capture_count(compiled, &captures)

        self.pattern = pattern
        self.caseInsensitive = caseInsensitive
        self.limits = limits
        self.code = compiled
        self.matchContext = context
        self.captureCount = Int(captures)
        self.isJITCompiled = jitted
        self.groupNumbersByName = PCRE2Pattern.readNameTable(compiled)
    }

    deinit {
        CPCRE2_match_context_free(matchContext)
        CPCRE2_code_free(code)
    }

    /// Reads PCRE2's name table: fixed-size entries, each a big-endian 16-bit group number then a NUL-terminated name.
    private static func readNameTable(_ code: OpaquePointer) -> [String: [Int]] {
        var count: UInt32 = 0
        var entrySize: UInt32 = 0
        var table: UnsafePointer<UInt8>? = nil
        guard CPCRE2_name_table(code, &count, &entrySize, &table) == 0, count > 0, let table else { return [:] }
        var result: [String: [Int]] = [:]
        for index in 0..<Int(count) {
            let entry = table + index * Int(entrySize)
            let number = Int(entry[0]) << 8 | Int(entry[1])
            let name = String(cString: entry + 2)
            result[name, default: []].append(number)
        }
        return result.mapValues { $0.sorted() }
    }

    /// Calls `body` with the string's UTF-8 bytes and a non-nil base address (PCRE2 10.42 rejects a NULL pointer even
    /// with length 0). Native Swift strings are contiguous, so this does not copy.
    static func withNonNullUTF8<R>(_ string: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var string = string
        return string.withUTF8 { bytes in
            if bytes.baseAddress != nil { return body(bytes) }
            var empty: UInt8 = 0
            return withUnsafePointer(to: &empty) { body(UnsafeBufferPointer(start: $0, count: 0)) }
        }
    }
}
