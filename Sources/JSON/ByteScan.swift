// The eight-bytes-at-a-time search shared by JSONCursor (reading strings) and JSONOutput (escaping them).

enum ByteScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The first index at or after `start` whose byte `flags` marks, looking eight bytes at a time while eight
    /// remain; where fewer remain, the index reached (the caller goes on byte by byte). `flags` returns the high
    /// bit of each marked byte of a little-endian word (byte 0 lowest); false marks are allowed above a real one.
    @inline(__always)
    static func skipUnmarked(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, flags: (UInt64) -> UInt64) -> Int {
        var index = start
        while index + 8 <= bytes.count {
            let word = UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self))
            let marked = flags(word)
            // The lowest mark is always a real one (borrows only mark bytes above a real one): jump straight to it.
            if marked != 0 { return index + marked.trailingZeroBitCount &>> 3 }
            index += 8
        }
        return index
    }

    /// Marks `"`, `\\` and bytes below 0x20: what a JSON string must escape.
    @inline(__always)
    static func quotesBackslashesAndControls(_ word: UInt64) -> UInt64 {
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let zeroInQuote = (quote &- ones) & ~quote
        let zeroInBackslash = (backslash &- ones) & ~backslash
        let belowSpace = (word &- (ones &* 0x20)) & ~word
        return (zeroInQuote | zeroInBackslash | belowSpace) & highs
    }

    /// Marks bytes of 0x80 and above (UTF-8 beyond ASCII).
    @inline(__always)
    static func nonASCII(_ word: UInt64) -> UInt64 {
        word & highs
    }
}
