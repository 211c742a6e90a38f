// ASCII classes and punctuation for the scanner. Arithmetic range checks (`c &- base < count`)
// instead of lookup tables: no global initialization on the hot path, and as fast here.

extension ReferenceScanner {
    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }
    @inline(__always) static func isLower(_ c: UInt8) -> Bool { c &- 0x61 < 26 }
    @inline(__always) static func isUpper(_ c: UInt8) -> Bool { c &- 0x41 < 26 }
    @inline(__always) static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) &- 0x61 < 26 }
    @inline(__always) static func isLowerAlnum(_ c: UInt8) -> Bool { isLower(c) || isDigit(c) }
    @inline(__always) static func isAlnum(_ c: UInt8) -> Bool { isAlpha(c) || isDigit(c) }
    @inline(__always) static func isHex(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20) &- 0x61 < 6 }
    @inline(__always) static func isLowerHex(_ c: UInt8) -> Bool { isDigit(c) || c &- 0x61 < 6 }
    /// Go's `\w`: ASCII letters, digits and `_`.
    @inline(__always) static func isWordByte(_ c: UInt8) -> Bool { isAlnum(c) || c == ASCII.underscore }
    /// `[A-Za-z0-9_.-]`.
    @inline(__always) static func isTagByte(_ c: UInt8) -> Bool {
        isMember(c, low: 0x03FF_6000_0000_0000, high: 0x07FF_FFFE_87FF_FFFE)
    }
    /// `[A-Za-z0-9.:\[\]-]`: every byte a `host[:port]` may contain.
    @inline(__always) static func isDomainByte(_ c: UInt8) -> Bool {
        isMember(c, low: 0x07FF_6000_0000_0000, high: 0x07FF_FFFE_2FFF_FFFE)
    }

    /// `[A-Za-z0-9-]`: the bytes of a domain label.
    @inline(__always) static func isLabelByte(_ c: UInt8) -> Bool {
        isMember(c, low: 0x03FF_2000_0000_0000, high: 0x07FF_FFFE_07FF_FFFE)
    }

    /// The end of the run of `[0-9a-f]` starting at `start`. Digests are mostly such a run, so
    /// it is checked eight bytes at a time: with every high bit clear, adding `0x80 - lo` sets a
    /// byte's high bit iff it is >= lo, and adding `0x7F - hi` iff it is > hi; no sum carries
    /// into the next byte.
    @inline(__always) static func endOfLowerHex(_ b: Bytes, from start: Int) -> Int {
        var i = start
        if let base = b.baseAddress {
            let highBits: UInt64 = 0x8080_8080_8080_8080
            let ones: UInt64 = 0x0101_0101_0101_0101
            while i &+ 8 <= b.count {
                let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if w & highBits != 0 { break }
                let digit = (w &+ ones &* (0x80 - 0x30)) & ~(w &+ ones &* (0x7F - 0x39))
                let letter = (w &+ ones &* (0x80 - 0x61)) & ~(w &+ ones &* (0x7F - 0x66))
                if (digit | letter) & highBits != highBits { break }
                i &+= 8
            }
        }
        while i < b.count, isLowerHex(b[i]) { i &+= 1 }
        return i
    }

    /// Set membership for ASCII as a 128-bit mask (bit n of `low`/`high` = byte n / n+64), one
    /// shift and test instead of a chain of range comparisons. Non-ASCII bytes are never members.
    @inline(__always) static func isMember(_ c: UInt8, low: UInt64, high: UInt64) -> Bool {
        c < 64 ? (low >> c) & 1 != 0 : c < 128 && (high >> (c &- 64)) & 1 != 0
    }
}

extension ReferenceScanner {
    /// The punctuation the grammar uses, by name. Computed so the hot loops see plain constants.
    enum ASCII {
        static var slash: UInt8 { 0x2F }
        static var colon: UInt8 { 0x3A }
        static var at: UInt8 { 0x40 }
        static var dot: UInt8 { 0x2E }
        static var dash: UInt8 { 0x2D }
        static var underscore: UInt8 { 0x5F }
        static var plus: UInt8 { 0x2B }
        static var leftBracket: UInt8 { 0x5B }
        static var rightBracket: UInt8 { 0x5D }
    }
}
