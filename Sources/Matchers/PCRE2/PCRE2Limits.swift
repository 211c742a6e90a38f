/// Resource limits applied to every match of a ``PCRE2Pattern``, so a pathological pattern or subject ends with a
/// ``PCRE2Error`` instead of burning CPU or memory inside an admission request.
///
/// Which limit bites depends on the engine (see ``PCRE2Pattern/isJITCompiled``):
/// - JIT: ``matchLimit`` bounds the work; PCRE2 ignores the depth and heap limits for JIT code. JIT code recurses on
///   a 32 KiB machine stack; when that runs out, ``PCRE2Pattern/firstMatch(in:)`` reruns the match in the
///   interpreter, where all three limits apply.
/// - Interpreter: all three apply.
public struct PCRE2Limits: Sendable, Hashable {
    /// Upper bound on PCRE2's internal match-step counter for one call (`pcre2_set_match_limit`). This is what stops
    /// catastrophic backtracking under JIT.
    public var matchLimit: UInt32
    /// Upper bound on backtracking depth for the interpreter (`pcre2_set_depth_limit`); ignored by JIT.
    public var depthLimit: UInt32
    /// Upper bound, in KiB, on heap the interpreter may use for backtracking frames in one call
    /// (`pcre2_set_heap_limit`); ignored by JIT.
    public var heapLimitKiB: UInt32

    /// Creates limits; see the properties for meaning and engine applicability.
    public init(matchLimit: UInt32, depthLimit: UInt32, heapLimitKiB: UInt32) {
        self.matchLimit = matchLimit
        self.depthLimit = depthLimit
        self.heapLimitKiB = heapLimitKiB
    }

    /// Limits sized for image references (a few hundred bytes). Measured on this library (PCRE2 10.42, release
    /// build, one core): a runaway pattern such as `^(a+)+$` on a near-miss stops after about 1.5 ms under JIT and
    /// 13–19 ms in the interpreter, while a deliberately sloppy but legitimate `^(.+)/(.+)/(.+):(.+)$` failing on a
    /// 250-byte reference needs about 80 000 of the 1 000 000 match steps and about 8 of the 10 000 depth levels.
    /// The interpreter's heap use is bounded by the depth limit long before 8 MiB for patterns with few groups.
    public static let `default` = PCRE2Limits(matchLimit: 1_000_000, depthLimit: 10_000, heapLimitKiB: 8_192)
}
