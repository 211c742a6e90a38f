/// The literal text every subject matched by `pattern` must start with, for use as a cheap prefilter
/// (`subject.utf8.starts(with: prefix.utf8)`) before running the regex.
///
/// Only patterns anchored at the subject start qualify: the first item must be `^` or `\A`, there must be no `|` at
/// the top level, and no inline options or verbs anywhere (`(?i)`, `(?x)`, `(*UTF)`, ...). The prefix is the run of
/// literal code points right after the anchor (plain characters, escaped punctuation such as `\.`, and `\Q...\E`
/// text); it ends at the first item that is not a literal. A literal followed by `?`, `*` or `{` is dropped, and one
/// followed by `+` is kept but ends the prefix. The run continues into a group that opens it (capturing, named,
/// `(?:` or atomic) when the group has no `|` of its own and is not optional (`?`, `*`, `{` after it), because its
/// text must then be there: `^quay\.io/(?<repo>team7/[^:@]+)` gives "quay.io/team7/", `^(?:ab)c` gives "abc".
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
    var depth = 0
    scan: while position < tokens.count {
        switch tokens[position] {
        case .literal(let scalar):
            let next = position + 1 < tokens.count ? tokens[position + 1] : nil
            if case .quantifier(let atLeastOnce) = next {
                if atLeastOnce { prefix.append(scalar) }
                break scan
            }
            prefix.append(scalar)
            position += 1
        case .openGroup(consuming: true):
            guard groupIsRequiredText(tokens, opening: position, depth: depth + 1) else { break scan }
            depth += 1
            position += 1
        case .closeGroup where depth > 0:
            // Every item of the group was required text and nothing after it may skip or repeat it (checked when
            // it was entered; a `+` after it is the next token and ends the run), so the text goes on.
            depth -= 1
            position += 1
        default:
            break scan
        }
    }
    return String(prefix)
}

/// Whether the group opened at `opening` (whose contents are at `depth`) must match at this point as its contents
/// say: it is closed, has no `|` of its own, and no quantifier after it may skip it (`+` repeats it, which keeps
/// the first pass, so it is allowed).
private func groupIsRequiredText(_ tokens: [PatternToken], opening: Int, depth: Int) -> Bool {
    var level = depth
    var position = opening + 1
    while position < tokens.count {
        switch tokens[position] {
        case .alternation(let at) where at == depth:
            return false
        case .openGroup:
            level += 1
        case .closeGroup:
            level -= 1
            if level < depth {
                guard position + 1 < tokens.count, case .quantifier(let atLeastOnce) = tokens[position + 1] else {
                    return true
                }
                return atLeastOnce
            }
        default:
            break
        }
        position += 1
    }
    return false  // Never closed: PCRE2 would not compile it; trust nothing.
}
