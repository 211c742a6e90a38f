/// Byte-level recognizer for distribution/reference's grammar, without a regex engine.
///
/// Upstream matches `^((?:domainAndPort/)?pathComponent(?:/pathComponent)*)(?::(tag))?(?:@(digest))?$`
/// with Go's leftmost-first regexp. Every choice in that pattern is forced by the next byte except
/// one: whether the text before the first `/` is a domain. Upstream prefers the domain whenever
/// it is a valid `host[:port]`. If that text is also a valid path component, both readings leave
/// the same remainder, so trying the domain first and never backtracking accepts the same
/// strings and splits them the same way.
///
/// Everything here works on offsets into one buffer and never allocates.
enum ReferenceScanner {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    /// Where each part of a matched reference lies. Absent tag/digest have empty ranges.
    struct Layout {
        /// The domain is `[scanStart, domainEnd)`; empty when the reference has none.
        var domainEnd: Int
        var pathStart: Int
        var pathEnd: Int
        var tagStart: Int
        var tagEnd: Int
        var digestStart: Int
        /// Offset of the `:` between digest algorithm and encoded value.
        var digestColon: Int
        var digestEnd: Int
        /// Offset of the first uppercase hex digit in the digest value, if any (go-digest rejects
        /// those for known algorithms); recorded here so the value is scanned once.
        var digestUppercaseHex: Int?

        var hasTag: Bool { tagStart < tagEnd }
        var hasDigest: Bool { digestStart < digestEnd }
    }

    enum Outcome {
        case matched(Layout)
        case failed(ReferenceProblem, at: Int)
    }

    /// Result of scanning one part: where it ended, or why it failed.
    enum Step {
        case ended(at: Int)
        case failed(ReferenceProblem, at: Int)
    }

    /// Result of scanning a digest, which always runs to the end of the input.
    enum DigestStep {
        case ended(colon: Int, uppercaseHex: Int?)
        case failed(ReferenceProblem, at: Int)
    }

    /// Checks the grammar of `b[start...]` (syntax only: no length limit, no digest algorithm rules).
    ///
    /// - Parameters:
    ///   - detectDomain: treat a valid `host[:port]` before the first `/` as the domain (Parse);
    ///     `false` scans a bare path, as when the domain was supplied by normalization.
    ///   - nameOnly: reject a tag or digest (upstream `WithName`).
    static func scan(_ b: Bytes, from start: Int, detectDomain: Bool, nameOnly: Bool = false) -> Outcome {
        let n = b.count
        var layout = Layout(
            domainEnd: start, pathStart: start, pathEnd: start,
            tagStart: n, tagEnd: n, digestStart: n, digestColon: n, digestEnd: n, digestUppercaseHex: nil)
        if detectDomain, let slash = slashAfterDomainCharacters(b, from: start), isDomain(b, start, slash) {
            layout.domainEnd = slash
            layout.pathStart = slash &+ 1
        }

        var i: Int
        switch scanPath(b, from: layout.pathStart) {
        case .failed(let problem, let at): return .failed(problem, at: at)
        case .ended(let end): i = end
        }
        layout.pathEnd = i
        guard i < n else { return .matched(layout) }
        if nameOnly { return .failed(.unexpectedAfterName, at: i) }

        if b[i] == ASCII.colon {
            switch scanTag(b, from: i &+ 1) {
            case .failed(let problem, let at): return .failed(problem, at: at)
            case .ended(let end):
                layout.tagStart = i &+ 1
                layout.tagEnd = end
                i = end
            }
            guard i < n else { return .matched(layout) }
            guard b[i] == ASCII.at else { return .failed(.tagCharacter, at: i) }
        } else if b[i] != ASCII.at {
            return .failed(.pathCharacter, at: i)
        }

        switch scanDigest(b, from: i &+ 1) {
        case .failed(let problem, let at): return .failed(problem, at: at)
        case .ended(let colon, let uppercaseHex):
            layout.digestStart = i &+ 1
            layout.digestColon = colon
            layout.digestEnd = n
            layout.digestUppercaseHex = uppercaseHex
        }
        return .matched(layout)
    }

    /// The offset of a "/" reached through bytes a domain may contain, or nil. Only the text
    /// before the first "/" can be a domain, and it can't be if any earlier byte is outside the
    /// domain alphabet, so "nginx@sha256:…" stops at "@" instead of searching the digest.
    static func slashAfterDomainCharacters(_ b: Bytes, from start: Int) -> Int? {
        var i = start
        while i < b.count {
            let c = b[i]
            if c == ASCII.slash { return i }
            guard isDomainByte(c) else { return nil }
            i &+= 1
        }
        return nil
    }

    /// Scans `component(/component)*` from `start` and stops at the first byte that can't
    /// continue the path; the caller decides whether that byte may follow.
    static func scanPath(_ b: Bytes, from start: Int) -> Step {
        let n = b.count
        var i = start
        while true {
            guard i < n, isLowerAlnum(b[i]) else { return .failed(.pathComponentExpected, at: i) }
            i &+= 1
            while i < n {
                let c = b[i]
                if isLowerAlnum(c) {
                    i &+= 1
                    continue
                }
                if c == ASCII.dot {
                    i &+= 1
                } else if c == ASCII.underscore {
                    i &+= 1
                    if i < n, b[i] == ASCII.underscore { i &+= 1 }
                } else if c == ASCII.dash {
                    repeat { i &+= 1 } while i < n && b[i] == ASCII.dash
                } else {
                    break
                }
                guard i < n, isLowerAlnum(b[i]) else { return .failed(.pathSeparatorUnfinished, at: i) }
                i &+= 1
            }
            guard i < n, b[i] == ASCII.slash else { return .ended(at: i) }
            i &+= 1
        }
    }

    /// Scans `[\w][\w.-]{0,127}` from `start`; stops at the first byte outside the tag alphabet.
    static func scanTag(_ b: Bytes, from start: Int) -> Step {
        let n = b.count
        guard start < n, isWordByte(b[start]) else { return .failed(.tagExpected, at: start) }
        var i = start &+ 1
        while i < n, isTagByte(b[i]) { i &+= 1 }
        let length = i &- start
        if length > ReferenceGrammar.maximumTagLength {
            return .failed(.tagTooLong(length: length), at: start &+ ReferenceGrammar.maximumTagLength)
        }
        return .ended(at: i)
    }

    /// Scans `algorithm:hex` from `start` to the end of `b`. Checks syntax only;
    /// ``checkDigestRules(_:algorithmStart:colon:end:uppercaseHex:)`` applies go-digest's rules.
    static func scanDigest(_ b: Bytes, from start: Int) -> DigestStep {
        let n = b.count
        var i = start
        while true {
            guard i < n, isAlpha(b[i]) else { return .failed(.digestAlgorithmExpected, at: i) }
            i &+= 1
            while i < n, isAlnum(b[i]) { i &+= 1 }
            guard i < n else { return .failed(.digestSeparatorExpected, at: i) }
            let c = b[i]
            if c == ASCII.dash || c == ASCII.underscore || c == ASCII.plus || c == ASCII.dot {
                i &+= 1
                continue
            }
            guard c == ASCII.colon else { return .failed(.digestSeparatorExpected, at: i) }
            break
        }
        let colon = i
        let hexStart = i &+ 1
        i = endOfLowerHex(b, from: hexStart)
        var uppercaseHex: Int? = nil
        if i < n, isHex(b[i]) {
            uppercaseHex = i
            repeat { i &+= 1 } while i < n && isHex(b[i])
        }
        if i < n { return .failed(.digestHexCharacter, at: i) }
        if i &- hexStart < minimumDigestHexLength {
            return .failed(.digestTooShort(length: i &- hexStart), at: hexStart)
        }
        return .ended(colon: colon, uppercaseHex: uppercaseHex)
    }

    /// Whether `b[lo..<hi]` is `host[:port]`: dot-separated `[A-Za-z0-9]` labels with inner `-`
    /// (which covers IPv4), or `[` hex digits and colons `]`, then optionally `:` and digits.
    static func isDomain(_ b: Bytes, _ lo: Int, _ hi: Int) -> Bool {
        guard lo < hi else { return false }
        var i = lo
        if b[i] == ASCII.leftBracket {
            i &+= 1
            let inner = i
            while i < hi, isHex(b[i]) || b[i] == ASCII.colon { i &+= 1 }
            guard i > inner, i < hi, b[i] == ASCII.rightBracket else { return false }
            i &+= 1
        } else {
            while true {
                guard i < hi, isAlnum(b[i]) else { return false }
                i &+= 1
                while i < hi, isLabelByte(b[i]) { i &+= 1 }
                guard b[i &- 1] != ASCII.dash else { return false }
                guard i < hi, b[i] == ASCII.dot else { break }
                i &+= 1
            }
        }
        if i == hi { return true }
        guard b[i] == ASCII.colon else { return false }
        i &+= 1
        guard i < hi else { return false }
        while i < hi {
            guard isDigit(b[i]) else { return false }
            i &+= 1
        }
        return true
    }

    static func firstIndex(of byte: UInt8, in b: Bytes, from start: Int) -> Int? {
        var i = start
        while i < b.count {
            if b[i] == byte { return i }
            i &+= 1
        }
        return nil
    }

    /// The reference grammar's floor for a digest value: at least 128 bits of hex.
    static var minimumDigestHexLength: Int { 32 }
}
