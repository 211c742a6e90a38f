// Fuzz target: the regex replacement template parser, with the PCRE2 pattern it is parsed against.
//
// Input: three lines, `pattern \n template \n subject` (the subject may span further lines); a missing line is "".
//
// Properties:
// - compiling the pattern and parsing the template never trap; a template error points at a `$` of the template;
// - the parser agrees with a straightforward reading of the documented syntax (`TemplateOracle`): the same
//   templates are accepted, errors are reported at the same `$`, and a match expands to the same text;
// - every expansion starts with `literalPrefix`, and a template without references always expands to it;
// - a match through a `PCRE2MatchBuffer` shared by every input (as a regex stage shares one across its patterns)
//   finds the same groups as a match with a buffer of its own: nothing of an earlier match shows through;
// - a subject the pattern matches starts with `requiredLiteralPrefix` of the pattern (the regex stage's prefilter
//   skips a rule for any subject that does not).
import FuzzSupport
import ReplacerMatchers

/// One buffer for the whole run, sized for patterns of up to 8 groups; larger patterns must fall back to their own.
final class SharedMatchBuffer: @unchecked Sendable {
    let buffer: PCRE2MatchBuffer
    init() {
        do {
            buffer = try PCRE2MatchBuffer(capturesUpTo: 8, for: try PCRE2Pattern("x"))
        } catch {
            fatalError("no match buffer: \(error)")
        }
    }
}

let shared = SharedMatchBuffer()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTemplate(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let parts = FuzzInput(data, count).text.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
    let patternText = String(parts[0])
    let templateText = parts.count > 1 ? String(parts[1]) : ""
    let subject = parts.count > 2 ? String(parts[2]) : ""

    guard let pattern = try? PCRE2Pattern(patternText) else { return 0 }
    // The prefilter's promise, for every pattern that compiles whatever the template (a limit error says nothing).
    if (try? pattern.firstMatch(in: subject)) != nil {
        let prefix = requiredLiteralPrefix(ofPattern: patternText, caseInsensitive: false)
        require(
            subject.utf8.starts(with: prefix.utf8),
            "\(shown(patternText)) matches \(shown(subject)), which does not start with its literal prefix \(shown(prefix))"
        )
    }
    let oracle = TemplateOracle(templateText, captureCount: pattern.captureCount, names: Set(pattern.groupNames.keys))

    let template: ReplacementTemplate
    do {
        template = try ReplacementTemplate(templateText, for: pattern)
    } catch {
        let bytes = Array(templateText.utf8)
        require(
            bytes.indices.contains(error.offset) && bytes[error.offset] == UInt8(ascii: "$"),
            "error offset \(error.offset) is not at a \"$\" of \(shown(templateText))")
        require(
            error.template == templateText && !error.description.isEmpty, "malformed error for \(shown(templateText))")
        require(
            oracle.failureOffset == error.offset,
            "\(shown(templateText)) against \(shown(patternText)): parser fails at \(error.offset) (\(error.code)), "
                + "the documented syntax says \(oracle.failureOffset.map(String.init) ?? "valid")")
        return 0
    }
    require(
        oracle.failureOffset == nil,
        "parser accepts \(shown(templateText)) against \(shown(patternText)); the syntax says it fails at "
            + "\(oracle.failureOffset ?? -1)")
    require(template.template == templateText, "the template text was not kept")
    if template.isLiteral {
        require(
            template.expandingEveryGroup(as: "<g>") == template.literalPrefix,
            "literal template \(shown(templateText)) expands to more than its literal prefix")
    }

    let match: PCRE2Match?
    do {
        match = try pattern.firstMatch(in: subject)
    } catch {
        return 0  // a match limit: the regex matcher reports it, there is nothing to expand
    }
    // Limits are per match, so both runs hit the same one or neither does.
    let again = try? pattern.firstMatch(in: subject, using: shared.buffer)
    require((again == nil) == (match == nil), "a shared buffer changed whether \(shown(patternText)) matches")
    if let match, let again {
        for group in 0...pattern.captureCount {
            require(
                again.range(of: group) == match.range(of: group),
                "group \(group) of \(shown(patternText)) on \(shown(subject)): \(String(describing: again.range(of: group))) "
                    + "through the shared buffer, \(String(describing: match.range(of: group))) through its own")
        }
    }
    guard let match else { return 0 }
    let expanded = template.expand(match, subject: subject)
    // Bytes, not Characters: a combining mark right after the prefix joins its last character into a new
    // grapheme, so String.hasPrefix says no although the bytes are there (found by this target, 2026-11-25).
    require(
        expanded.utf8.starts(with: template.literalPrefix.utf8),
        "expansion \(shown(expanded)) lacks the literal prefix \(shown(template.literalPrefix))")
    let expected = oracle.expand(match)
    require(
        expanded == expected,
        "\(shown(templateText)) on \(shown(subject)) with \(shown(patternText)) expands to \(shown(expanded)), "
            + "expected \(shown(expected ?? "<error>"))")
    return 0
}
