/// The literal text every subject matched by `pattern` must start with, for use as a cheap prefilter
/// (`subject.utf8.starts(with: prefix.utf8)`) before running the regex.
///
/// Only patterns anchored at the subject start qualify: the first item must be `^` or `\A`, there must be no `|` at
/// the top level, and no inline options or verbs anywhere (`(?i)`, `(?x)`, `(*UTF)`, ...). The prefix is the run of
/// literal code points right after the anchor (plain characters, escaped punctuation such as `\.`, and `\Q...\E`
/// text); it ends at the first item that is not a literal. A literal followed by `?`, `*` or `{` is dropped, and one
/// followed by `+` is kept but ends the prefix.
///
/// The analysis is conservative: whenever it is unsure it returns a shorter prefix or "", never a longer one. A
/// non-empty result is a promise — every subject the pattern matches starts with it.
///
/// - Parameters:
///   - pattern: PCRE2 syntax, as given to ``PCRE2Pattern/init(_:caseInsensitive:limits:useJIT:)``.
///   - caseInsensitive: the option the pattern is compiled with; when true there is no usable prefix.
/// - Returns: the prefix, or "" when there is none usable. Examples: `^ghcr\.io/(?<org>[a-z0-9-]+)/(.+)$` gives
///   "ghcr.io/"; `^docker\.io/library/nginx:1\.2?` gives "docker.io/library/nginx:1."; `^a|b` gives "".
public func requiredLiteralPrefix(ofPattern pattern: String, caseInsensitive: Bool) -> String {
    guard !caseInsensitive else { return "" }
    let tokens = PatternLexer(pattern).tokens
    guard tokens.first == .startAnchor else { return "" }
    for token in tokens {
        switch token {
        case .unsupported, .alternation(depth: 0): return ""
        default: continue
        }
    }

    var prefix = String.UnicodeScalarView()
    var position = 1
    while position < tokens.count, case .literal(let scalar) = tokens[position] {
        let next = position + 1 < tokens.count ? tokens[position + 1] : nil
        if case .quantifier(let atLeastOnce) = next {
            if atLeastOnce { prefix.append(scalar) }
            break
        }
        prefix.append(scalar)
        position += 1
    }
    return String(prefix)
}
