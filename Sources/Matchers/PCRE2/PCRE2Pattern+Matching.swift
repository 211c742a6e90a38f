import CPCRE2

extension PCRE2Pattern {
    /// Finds the leftmost match in `subject`.
    ///
    /// Safe to call concurrently on one pattern: each call allocates its own match data and frees it before
    /// returning. Runs under ``limits``, so it always terminates promptly. When JIT code runs out of its stack, the
    /// call is repeated in the interpreter, so depth and heap limits also apply to JIT-compiled patterns.
    ///
    /// - Returns: the match, or nil when the pattern does not match.
    /// - Throws: ``PCRE2Error`` when a limit was hit (``PCRE2Error/Code-swift.struct/matchLimitExceeded``,
    ///   ``PCRE2Error/Code-swift.struct/depthLimitExceeded``, ``PCRE2Error/Code-swift.struct/heapLimitExceeded``)
    ///   or PCRE2 failed otherwise
    ///   (``PCRE2Error/Code-swift.struct/matchFailed``). A limit error means "unknown", not "no match": callers
    ///   should report it rather than treat the image as unmatched.
    public func firstMatch(in subject: String) throws(PCRE2Error) -> PCRE2Match? {
        let buffer = try PCRE2MatchBuffer(capturesUpTo: captureCount, for: self)
        return try firstMatch(in: subject, using: buffer)
    }

    /// ``firstMatch(in:)`` with the caller's match buffer, so that trying many patterns on one subject allocates
    /// once instead of once per pattern. A buffer too small for this pattern's groups, or made for patterns with
    /// another heap limit, is not used (the call then allocates its own), so the answer never depends on the
    /// buffer: PCRE2 keeps the interpreter's backtracking frames in the buffer between matches, and frames grown
    /// under a larger heap limit would let a match exceed a smaller one.
    public func firstMatch(in subject: String, using buffer: borrowing PCRE2MatchBuffer) throws(PCRE2Error)
        -> PCRE2Match?
    {
        guard captureCount + 1 <= buffer.pairs, limits.heapLimitKiB == buffer.heapLimitKiB else {
            return try firstMatch(in: subject)
        }
        let matchData = buffer.data
        // A Swift String's UTF-8 is valid by construction, so PCRE2's own validation pass is redundant.
        let rc = PCRE2Pattern.withNonNullUTF8(subject) { bytes in
            var rc = CPCRE2_match(
                code, bytes.baseAddress, bytes.count, 0, UInt32(PCRE2_NO_UTF_CHECK), matchData, matchContext)
            // JIT code runs on a 32 KiB machine stack, which a repeated group exhausts after roughly 1 KiB of subject,
            // long before the interpreter's depth limit. Rerun such a match in the interpreter, which is bounded by
            // all three limits, so the engine choice never changes the answer for inputs within the limits.
            if rc == CPCRE2_error_jit_stacklimit() {
                rc = CPCRE2_match(
                    code, bytes.baseAddress, bytes.count, 0, UInt32(PCRE2_NO_UTF_CHECK) | UInt32(PCRE2_NO_JIT),
                    matchData, matchContext)
            }
            return rc
        }
        if rc == CPCRE2_error_nomatch() { return nil }
        if rc < 0 { throw PCRE2Error(matchReturnCode: rc, pattern: pattern) }

        let ovector = CPCRE2_get_ovector_pointer(matchData)!
        let pairCount = Int(CPCRE2_get_ovector_count(matchData))
        // rc is the highest-numbered group that was set, plus one; later pairs are unset.
        let setPairs = min(Int(rc), pairCount)
        let unset = CPCRE2_unset()
        var ranges = [Range<Int>?](repeating: nil, count: captureCount + 1)
        for group in 0..<min(setPairs, ranges.count) {
            let start = ovector[2 * group]
            let end = ovector[2 * group + 1]
            guard start != unset else { continue }
            // start > end only happens with \K inside a lookaround, which PCRE2 10.38+ rejects at compile time.
            ranges[group] = Int(start)..<Int(max(start, end))
        }
        return PCRE2Match(subject: subject, pattern: self, groupRanges: ranges)
    }

    /// Whether `subject` contains a match; same limits and errors as ``firstMatch(in:)``.
    public func matches(_ subject: String) throws(PCRE2Error) -> Bool {
        try firstMatch(in: subject) != nil
    }
}

/// Space for one match's results (PCRE2's match data), reusable across patterns and calls.
///
/// Why: a regex stage may try dozens of patterns on one image, and allocating match data per pattern was one
/// malloc and free per PCRE2 run. Not shareable between threads: make one per evaluation (it is noncopyable, so it
/// cannot escape into shared state by accident) and let it go when the evaluation ends.
public struct PCRE2MatchBuffer: ~Copyable {
    let data: OpaquePointer
    /// How many ovector pairs it holds: enough for patterns with up to `pairs - 1` capture groups.
    public let pairs: Int
    /// The heap limit of the patterns it serves (`pattern.limits.heapLimitKiB` at creation).
    public let heapLimitKiB: UInt32

    /// A buffer for patterns with at most `captureCount` groups and the heap limit of `pattern` (whose name also
    /// appears in an error).
    public init(capturesUpTo captureCount: Int, for pattern: PCRE2Pattern) throws(PCRE2Error) {
        let pairs = max(1, captureCount + 1)
        guard let data = CPCRE2_match_data_create(UInt32(clamping: pairs)) else {
            throw PCRE2Error(code: .matchFailed, pcre2ErrorCode: Int(CPCRE2_error_nomemory()), pattern: pattern.pattern)
        }
        self.data = data
        self.pairs = pairs
        self.heapLimitKiB = pattern.limits.heapLimitKiB
    }

    deinit { CPCRE2_match_data_free(data) }
}
