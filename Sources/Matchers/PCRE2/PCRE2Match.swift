/// The result of a successful ``PCRE2Pattern/firstMatch(in:)``: the subject and the byte range of every group.
///
/// Ranges are UTF-8 byte offsets into ``subject`` (never `Character` counts) and always fall on Unicode scalar
/// boundaries, because patterns are compiled with `\C` forbidden. Group 0 is the whole match.
public struct PCRE2Match: Sendable {
    /// The string that was matched; captured substrings are slices of it.
    public let subject: String
    /// The pattern that produced this match.
    public let pattern: PCRE2Pattern
    /// Index i holds group i's byte range, nil when group i did not participate. Count is captureCount + 1.
    let groupRanges: [Range<Int>?]

    init(subject: String, pattern: PCRE2Pattern, groupRanges: [Range<Int>?]) {
        self.subject = subject
        self.pattern = pattern
        self.groupRanges = groupRanges
    }

    /// Byte range of the whole match in ``subject``. May be empty (a pattern such as `a*` matches the empty string).
    public var wholeMatch: Range<Int> {
        // Group 0 always participates in a successful match.
        groupRanges[0] ?? 0..<0
    }

    /// Byte range (UTF-8 offsets into ``subject``) of group `group`; nil when the group did not participate in the
    /// match or no such group exists (negative or greater than ``PCRE2Pattern/captureCount``).
    public func range(of group: Int) -> Range<Int>? {
        guard groupRanges.indices.contains(group) else { return nil }
        return groupRanges[group]
    }

    /// Byte range of the named group; with duplicate names, the lowest-numbered group that participated. Nil when no
    /// group of that name participated or the name is unknown.
    public func range(named name: String) -> Range<Int>? {
        guard let numbers = pattern.groupNumbersByName[name] else { return nil }
        for number in numbers {
            if let range = range(of: number) { return range }
        }
        return nil
    }

    /// The text captured by group `group`, as a slice of ``subject``; nil exactly when ``range(of:)`` is nil. An
    /// empty `Substring` means the group participated and matched the empty string.
    public subscript(group: Int) -> Substring? {
        range(of: group).map(slice)
    }

    /// The text captured by the named group (see ``range(named:)``), as a slice of ``subject``; nil when that group
    /// did not participate or the name is unknown.
    public subscript(name: String) -> Substring? {
        range(named: name).map(slice)
    }

    /// The whole matched text.
    public var matchedText: Substring { slice(wholeMatch) }

    private func slice(_ range: Range<Int>) -> Substring {
        // UTF8View index arithmetic is O(1) on native strings.
        let utf8 = subject.utf8
        let lower = utf8.index(utf8.startIndex, offsetBy: range.lowerBound)
        let upper = utf8.index(lower, offsetBy: range.count)
        return subject[lower..<upper]
    }
}
