/// A replacement such as `mirror.corp/ghcr/${org}/$2`, parsed and checked against its pattern once, at load time.
///
/// Syntax:
/// - `$N` — group N; all consecutive digits are taken (`$12` is group 12; write `${1}2` for group 1 then "2").
/// - `${N}` — group N. `$0` / `${0}` is the whole match.
/// - `${name}` — the named group; with duplicate names, the first of them that participated.
/// - `$$` — a literal `$`.
/// Any other `$` is an error, as are references to groups the pattern does not have.
public struct ReplacementTemplate: Sendable, Equatable {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case group(Int)
        /// Candidate group numbers for the name, lowest first.
        case namedGroup(String, [Int])
    }

    /// The template text as given.
    public let template: String
    let segments: [Segment]

    /// Parses `template` and resolves every reference against `pattern`'s groups.
    ///
    /// - Throws: ``ReplacementTemplateError`` for a dangling or malformed `$`, or a reference to a group number or
    ///   name `pattern` does not have; its offset is the byte offset of the offending `$`.
    public init(_ template: String, for pattern: PCRE2Pattern) throws(ReplacementTemplateError) {
        self.template = template
        self.segments = try ReplacementTemplate.parse(
            template, captureCount: pattern.captureCount, groupNumbersByName: pattern.groupNumbersByName)
    }

    /// The text before the first group reference, with `$$` already turned into `$`. Every expansion starts with
    /// it, so a loader can validate it (for example as the start of an image reference) without a match.
    public var literalPrefix: String {
        if case .literal(let text) = segments.first { return text }
        return ""
    }

    /// True when the template has no group references; then ``expand(_:subject:)`` always returns ``literalPrefix``.
    public var isLiteral: Bool {
        segments.allSatisfy { if case .literal = $0 { true } else { false } }
    }

    /// How many group references (numbered, named, and `$0`) the template has; `${1}-$1` has two.
    public var referenceCount: Int {
        segments.count { if case .literal = $0 { false } else { true } }
    }

    /// For each group reference, in order, the character of literal text right before it: `@` for the `$2` of
    /// `mirror/$1@$2`, nil when the reference starts the template or follows another. What a load-time check can
    /// go by to guess which part of a reference a capture fills.
    public var charactersBeforeReferences: [Character?] {
        var result: [Character?] = []
        var previous: Character?
        for segment in segments {
            switch segment {
            case .literal(let text): previous = text.last
            case .group, .namedGroup:
                result.append(previous)
                previous = nil
            }
        }
        return result
    }

    /// The template with every group reference (numbered, named, and `$0`) replaced by `sample`. For load-time
    /// plausibility checks of what the template can produce, without a subject; not for rewriting.
    public func expandingEveryGroup(as sample: String) -> String {
        expanding { _ in sample }
    }

    /// The template with its group references replaced, in order, by `sample(i)` for the i-th reference (from 0,
    /// counting every occurrence, up to ``referenceCount``). For load-time plausibility checks that give each
    /// reference its own kind of text (a path, a tag, a digest); not for rewriting.
    public func expanding(_ sample: (Int) -> String) -> String {
        var result = ""
        var reference = 0
        for segment in segments {
            switch segment {
            case .literal(let text): result += text
            case .group, .namedGroup:
                result += sample(reference)
                reference += 1
            }
        }
        return result
    }

    /// Builds the replacement for `match`. A referenced group that did not participate expands to "".
    ///
    /// - Parameters:
    ///   - match: a match of the pattern this template was parsed for.
    ///   - subject: the string `match` was found in (checked in debug builds); captured text is read from `match`.
    public func expand(_ match: PCRE2Match, subject: String) -> String {
        assert(subject == match.subject, "expand(_:subject:) called with a subject the match did not come from")
        var result = ""
        result.reserveCapacity(template.utf8.count + match.wholeMatch.count)
        for segment in segments {
            switch segment {
            case .literal(let text):
                result += text
            case .group(let number):
                if let text = match[number] { result += text }
            case .namedGroup(_, let numbers):
                if let text = numbers.lazy.compactMap({ match[$0] }).first { result += text }
            }
        }
        return result
    }
}
