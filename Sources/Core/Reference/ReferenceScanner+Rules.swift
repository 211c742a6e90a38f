// Rules upstream applies on top of the grammar: go-digest's per-algorithm checks, the
// lowercase retry that turns a format error into "must be lowercase", and the case tests
// docker's normalization uses. Kept apart from the grammar because they are not regular.

extension ReferenceScanner {
    /// Applies go-digest's `Digest.Validate` to a digest that already matched the grammar.
    ///
    /// Known algorithms need an exact length of lowercase hex. Unknown ones are "unsupported",
    /// unless the algorithm has uppercase letters, which go-digest rejects as a format error first.
    /// sha384 and sha512 count as known: any binary that links TLS registers them, as docker,
    /// containerd and the kubelet do. (Upstream's own test binary doesn't, so its table expects
    /// sha512 to be unsupported; we follow the deployed tools.)
    ///
    /// `uppercaseHex` is the first uppercase hex digit the grammar scan saw, so the value is not
    /// scanned twice.
    static func checkDigestRules(
        _ b: Bytes, algorithmStart: Int, colon: Int, end: Int, uppercaseHex: Int?
    ) -> (ReferenceProblem, Int)? {
        guard let expected = knownDigestLength(b, algorithmStart, colon) else {
            var i = algorithmStart
            while i < colon {
                if isUpper(b[i]) { return (.digestAlgorithmNotLowercase, i) }
                i &+= 1
            }
            return (.digestAlgorithmUnsupported, algorithmStart)
        }
        let encodedStart = colon &+ 1
        let actual = end &- encodedStart
        if actual != expected { return (.digestLength(expected: expected, actual: actual), encodedStart) }
        if let uppercaseHex { return (.digestNotLowercaseHex, uppercaseHex) }
        return nil
    }

    /// Hex length for sha256, sha384 and sha512 (exact, case-sensitive names); nil otherwise.
    static func knownDigestLength(_ b: Bytes, _ lo: Int, _ hi: Int) -> Int? {
        guard hi &- lo == 6, b[lo] == 0x73, b[lo &+ 1] == 0x68, b[lo &+ 2] == 0x61 else { return nil }  // "sha"
        switch (b[lo &+ 3], b[lo &+ 4], b[lo &+ 5]) {
        case (0x32, 0x35, 0x36): return 64  // 256
        case (0x33, 0x38, 0x34): return 96  // 384
        case (0x35, 0x31, 0x32): return 128  // 512
        default: return nil
        }
    }

    /// Whether the whole buffer is a 64-character lowercase hex image ID (`[a-f0-9]{64}`).
    static func isIdentifier(_ b: Bytes) -> Bool {
        guard b.count == 64 else { return false }
        for c in b where !isLowerHex(c) { return false }
        return true
    }

    /// Upstream retries a failed match on `strings.ToLower(input)` to tell "uppercase" from
    /// "malformed". Only changes that can make an ASCII grammar match matter: ASCII A–Z, and the
    /// two non-ASCII letters whose simple lowercase mapping is ASCII (U+0130 → "i",
    /// U+212A KELVIN SIGN → "k"). Returns nil when none occur, as the retry could not succeed.
    static func goLowercased(_ b: Bytes) -> [UInt8]? {
        var changed = false
        for c in b where isUpper(c) || c == 0xC4 || c == 0xE2 {
            changed = true
            break
        }
        guard changed else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            let c = b[i]
            if isUpper(c) {
                out.append(c | 0x20)
            } else if c == 0xC4, i &+ 1 < b.count, b[i &+ 1] == 0xB0 {
                out.append(0x69)
                i &+= 1
            } else if c == 0xE2, i &+ 2 < b.count, b[i &+ 1] == 0x84, b[i &+ 2] == 0xAA {
                out.append(0x6B)
                i &+= 2
            } else {
                out.append(c)
            }
            i &+= 1
        }
        return out
    }

    /// Whether the lowercase retry of a failed scan would match the grammar.
    static func matchesWhenLowercased(_ b: Bytes, from start: Int, detectDomain: Bool) -> Bool {
        guard let lowered = goLowercased(b) else { return false }
        return lowered.withUnsafeBufferPointer { lower in
            if case .matched = scan(lower, from: start, detectDomain: detectDomain) { return true }
            return false
        }
    }

    /// Offset of the first character in `b[lo..<hi]` that lowercasing would change (Go's
    /// `strings.ToLower(s) != s`), or nil. ASCII is checked directly; only non-ASCII input pays
    /// for Unicode properties.
    static func firstUppercase(_ b: Bytes, _ lo: Int, _ hi: Int) -> Int? {
        var i = lo
        var sawNonASCII = false
        while i < hi {
            let c = b[i]
            if isUpper(c) { return i }
            if c >= 0x80 {
                sawNonASCII = true
                break
            }
            i &+= 1
        }
        guard sawNonASCII else { return nil }
        var offset = lo
        let text = String(decoding: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self)
        for scalar in text.unicodeScalars {
            if scalar.properties.changesWhenLowercased { return offset }
            offset &+= UTF8.width(scalar)
        }
        return nil
    }

    /// docker's rule for "is the first component of a familiar name a registry host": it
    /// contains `.` or `:`, is exactly `localhost`, or has uppercase letters (repository paths
    /// can't, so such a component must be a host).
    static func looksLikeDomain(_ b: Bytes, _ lo: Int, _ hi: Int) -> Bool {
        var i = lo
        while i < hi {
            if b[i] == ASCII.dot || b[i] == ASCII.colon { return true }
            i &+= 1
        }
        return isLocalhost(b, lo, hi) || firstUppercase(b, lo, hi) != nil
    }

    static func isLocalhost(_ b: Bytes, _ lo: Int, _ hi: Int) -> Bool {
        equals(b, lo, hi, "localhost")
    }

    /// Byte comparison against an ASCII literal without building a String.
    static func equals(_ b: Bytes, _ lo: Int, _ hi: Int, _ literal: StaticString) -> Bool {
        guard hi &- lo == literal.utf8CodeUnitCount else { return false }
        let p = literal.utf8Start
        var i = 0
        while i < literal.utf8CodeUnitCount {
            if b[lo &+ i] != p[i] { return false }
            i &+= 1
        }
        return true
    }
}
