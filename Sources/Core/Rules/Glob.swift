/// A shell-style glob for names such as namespaces and label values: `*` matches any run of characters
/// (including none), `?` exactly one; everything else matches itself. No character classes: Kubernetes names
/// are too plain to need them, and fewer metacharacters means fewer surprises.
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let bytes: [UInt8]
    private let isLiteral: Bool

    public init(_ pattern: String) {
        self.pattern = pattern
        self.bytes = Array(pattern.utf8)
        self.isLiteral = !bytes.contains(UInt8(ascii: "*")) && !bytes.contains(UInt8(ascii: "?"))
    }

    public var description: String { pattern }

    /// Whether `text` matches the whole pattern. Runs in O(pattern × text) at worst, never exponentially.
    public func matches(_ text: String) -> Bool {
        if isLiteral { return text == pattern }
        var text = text
        return text.withUTF8 { Self.match(pattern: bytes[...], text: $0) }
    }

    // The classic single-backtrack-point algorithm: on a mismatch, resume after the last `*`, one byte further.
    // `?` steps over one byte, so a multi-byte character needs `??`; names in Kubernetes are ASCII.
    private static func match(pattern: ArraySlice<UInt8>, text: UnsafeBufferPointer<UInt8>) -> Bool {
        let star = UInt8(ascii: "*")
        let any = UInt8(ascii: "?")
        var p = pattern.startIndex
        var t = 0
        var starP = -1
        var starT = 0
        while t < text.count {
            if p < pattern.endIndex && (pattern[p] == any || pattern[p] == text[t]) {
                p += 1
                t += 1
            } else if p < pattern.endIndex && pattern[p] == star {
                starP = p
                starT = t
                p += 1
            } else if starP >= 0 {
                p = starP + 1
                starT += 1
                t = starT
            } else {
                return false
            }
        }
        while p < pattern.endIndex && pattern[p] == star { p += 1 }
        return p == pattern.endIndex
    }
}
