import ReplacerCore

/// One compiled `match`/`replace` pair of a regex stage.
struct RegexRule: Sendable {
    let pattern: PCRE2Pattern
    /// Replacements in order of preference (one unless `replace` is a list of alternatives).
    let templates: [ReplacementTemplate]
    /// Text every match starts with (possibly empty), found by `requiredLiteralPrefix`; checked before running
    /// the pattern because most images are not about most rules.
    let literalPrefix: String
    /// `literalPrefix`'s UTF-8, compared with the subject's bytes in place (a generic `starts(with:)` over
    /// `String.UTF8View` cost three times as much, for every candidate rule of every image).
    let literalPrefixBytes: [UInt8]
    /// How the trace names the rule: its index and pattern.
    let name: String

    static let keys = ["match", "replace"]

    init(decoding node: ConfigNode, index: Int, caseInsensitive: Bool, limits: PCRE2Limits) throws(RuleFileError) {
        let object = try node.object("a regex rule", allowed: Self.keys)
        let matchNode = try object.require("match", hint: "a PCRE2 pattern, e.g. '^ghcr\\.io/(.+)$'")
        let source = try matchNode.string("match")
        do {
            pattern = try PCRE2Pattern(source, caseInsensitive: caseInsensitive, limits: limits)
        } catch {
            throw Self.located(
                matchNode, offset: error.patternOffset, "pattern does not compile: \(error.message)",
                hint: "PCRE2 syntax; quote the pattern with single quotes in YAML so backslashes stay as written")
        }
        let replaceNode = try object.require("replace", hint: "the new image, with $1 or ${name} for captures")
        var templates: [ReplacementTemplate] = []
        for (replacement, node) in try replaceNode.alternatives("replace") {
            let template: ReplacementTemplate
            do {
                template = try ReplacementTemplate(replacement, for: pattern)
            } catch {
                throw node.error("replacement does not parse: \(error)", hint: "write $$ for a literal $")
            }
            if !Self.canProduceReference(template, pattern: pattern) {
                throw node.error(
                    "replacement \"\(replacement)\" can never be a valid image reference",
                    hint: "the result must look like host/path[:tag][@digest]")
            }
            templates.append(template)
        }
        self.templates = templates
        literalPrefix = caseInsensitive ? "" : requiredLiteralPrefix(ofPattern: source, caseInsensitive: false)
        literalPrefixBytes = Array(literalPrefix.utf8)
        name = "rules[\(index)] \(source)"
    }

    /// Whether `subject` starts with the rule's literal prefix, so the pattern could match it.
    @inline(__always)
    func admits(_ subject: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = literalPrefixBytes.count
        guard count <= subject.count else { return false }
        return literalPrefixBytes.withUnsafeBufferPointer { prefix in
            var index = 0
            while index < count {
                if prefix[index] != subject[index] { return false }
                index += 1
            }
            return true
        }
    }

    /// A load-time sanity check: expand the template with plausible capture values and see whether any of the
    /// results parses. It cannot prove an output valid (captures come from the image at run time, where every
    /// output is checked again); it catches templates whose literal text alone rules out a reference, and must
    /// never refuse one that some image could turn into a reference.
    ///
    /// Each reference gets its own sample, because references usually fill different parts: a path, a tag after a
    /// literal `:`, a digest after a literal `@` (`mirror/$1@$2`). The guess from the character before each
    /// reference settles the usual templates in one parse; then every uniform sample; then every combination, for
    /// up to `exhaustiveReferences` references (a template with more that nothing so far satisfied is given the
    /// benefit of the doubt: the run-time check still refuses what does not parse).
    static func canProduceReference(_ template: ReplacementTemplate, pattern: PCRE2Pattern) -> Bool {
        func parses(_ text: String) -> Bool { (try? ImageReference.normalized(text)) != nil }
        let count = template.referenceCount
        if count == 0 { return parses(template.expandingEveryGroup(as: "")) }
        let guesses = template.charactersBeforeReferences.map { before -> String in
            switch before {
            case "@": "sha256:" + String(repeating: "a", count: 64)
            case ":": "1"
            default: "a"
            }
        }
        if parses(template.expanding { guesses[$0] }) { return true }
        if captureSamples.contains(where: { parses(template.expandingEveryGroup(as: $0)) }) { return true }
        guard count > 1 else { return false }
        guard count <= exhaustiveReferences else { return true }
        var choice = [Int](repeating: 0, count: count)
        while true {
            if parses(template.expanding { captureSamples[choice[$0]] }) { return true }
            // Next combination, counting in base `captureSamples.count`.
            var position = 0
            while position < count, choice[position] == captureSamples.count - 1 {
                choice[position] = 0
                position += 1
            }
            guard position < count else { return false }
            choice[position] += 1
        }
    }

    /// What a capture might hold in an image reference: a name component, a tag, a path, name and tag, nothing
    /// (an optional group), a digest, and a digest's hex for each algorithm (sha256, sha384, sha512).
    static let captureSamples = [
        "a", "1", "a/a", "a:1", "", "sha256:" + String(repeating: "a", count: 64), String(repeating: "a", count: 64),
        String(repeating: "a", count: 96), String(repeating: "a", count: 128),
    ]
    /// Up to this many references, every combination of samples is tried when the guesses fail (9⁴ = 6,561
    /// parses at most, once per rule at load time, and only for templates that are probably wrong).
    static let exhaustiveReferences = 4

    /// PCRE2 reports byte offsets into the pattern; point the error at that column when the pattern sits on one
    /// line of the rule file (a quoted scalar's column is that of its opening quote).
    private static func located(_ node: ConfigNode, offset: Int?, _ message: String, hint: String)
        -> RuleFileError
    {
        var error = node.error(message + (offset.map { " (at byte \($0) of the pattern)" } ?? ""), hint: hint)
        if let offset, case .scalar(_, let quoted) = node.value {
            error.location.column += offset + (quoted ? 1 : 0)
        }
        return error
    }
}
