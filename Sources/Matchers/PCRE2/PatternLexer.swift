// A deliberately partial tokenizer for PCRE2 syntax, used only by requiredLiteralPrefix(ofPattern:caseInsensitive:).
// It models exactly what that analysis needs: literals, quantifiers, group nesting, top-level alternation. Anything
// it does not model precisely (inline options, verbs, callouts, odd class syntax) becomes `.unsupported`, which
// makes the analysis give up. It never rejects a valid pattern in a way that yields a wrong prefix, only no prefix.

enum PatternToken: Equatable {
    /// One code point that matches itself: a plain character, an escaped ASCII punctuation mark, or a code point
    /// inside `\Q...\E`.
    case literal(Unicode.Scalar)
    /// `^` or `\A`.
    case startAnchor
    /// `?`, `*`, `+` or `{`. `atLeastOnce` is true only for `+`; `{` counts as possibly-zero even for `{2}`
    /// (and even where PCRE2 would read `{` literally), which only ever shortens a prefix.
    case quantifier(atLeastOnce: Bool)
    /// `|` at the given group depth (0 = top level).
    case alternation(depth: Int)
    /// `(`. `consuming` is true for groups that simply match their contents at this point (capturing, named,
    /// `(?:`, atomic `(?>`); false for lookarounds, conditionals and branch resets, whose contents say nothing
    /// plain about the subject here.
    case openGroup(consuming: Bool)
    case closeGroup
    /// Any other item that consumes or asserts something: `.`, `$`, a class, `\d`, a back reference, ...
    case other
    /// Syntax the lexer does not model; the analysis must not trust anything about this pattern.
    case unsupported
}

struct PatternLexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var depth = 0
    private(set) var tokens: [PatternToken] = []

    /// Tokenizes `pattern`. Stops at the first `.unsupported` token, which is then the last one.
    init(_ pattern: String) {
        scalars = Array(pattern.unicodeScalars)
        while index < scalars.count, tokens.last != .unsupported { lexItem() }
    }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    /// Moves past the next occurrence of `terminator`; false (index unchanged) if there is none.
    private mutating func skip(through terminator: Unicode.Scalar) -> Bool {
        guard let end = scalars[index...].firstIndex(of: terminator) else { return false }
        index = end + 1
        return true
    }

    /// Like `skip(through:)` for the argument of a name or escape (`<name>`, `{41}`), which never contains
    /// structural characters in a valid pattern; false (index unchanged) if one appears before `terminator`.
    private mutating func skipArgument(through terminator: Unicode.Scalar) -> Bool {
        var probe = index
        while probe < scalars.count, scalars[probe] != terminator {
            if "()|[]\\".unicodeScalars.contains(scalars[probe]) { return false }
            probe += 1
        }
        guard probe < scalars.count else { return false }
        index = probe + 1
        return true
    }

    /// Moves past a group name and its `terminator`: an ASCII letter or underscore, then letters, digits and
    /// underscores, as PCRE2 names are. False (index unchanged) for anything else, which is some other construct
    /// the lexer does not model (a `(?<*` lookbehind was once read as a name).
    private mutating func skipName(through terminator: Unicode.Scalar) -> Bool {
        var probe = index
        while probe < scalars.count, scalars[probe] != terminator {
            let scalar = scalars[probe]
            let allowed = scalar == "_" || isASCIILetter(scalar) || (probe > index && isDigit(scalar))
            guard allowed else { return false }
            probe += 1
        }
        guard probe > index, probe < scalars.count else { return false }
        index = probe + 1
        return true
    }

    private mutating func lexItem() {
        let scalar = scalars[index]
        index += 1
        switch scalar {
        case "\\": lexEscape()
        case "[": tokens.append(lexClass() ? .other : .unsupported)
        case "(": lexGroupOpening()
        case ")":
            depth -= 1
            tokens.append(depth < 0 ? .unsupported : .closeGroup)
        case "|": tokens.append(.alternation(depth: depth))
        case "^": tokens.append(.startAnchor)
        case "$", ".": tokens.append(.other)
        case "?", "*": tokens.append(.quantifier(atLeastOnce: false))
        case "+": tokens.append(.quantifier(atLeastOnce: true))
        case "{": tokens.append(.quantifier(atLeastOnce: false))
        default: tokens.append(.literal(scalar))
        }
    }

    /// After a backslash.
    private mutating func lexEscape() {
        guard let escaped = peek() else { return tokens.append(.unsupported) }
        index += 1
        switch escaped {
        case "Q":
            // Literal text up to \E or the end of the pattern.
            while index < scalars.count {
                if scalars[index] == "\\", peek(1) == "E" {
                    index += 2
                    return
                }
                tokens.append(.literal(scalars[index]))
                index += 1
            }
        case "E":
            break  // \E without \Q is ignored by PCRE2.
        case "A":
            tokens.append(.startAnchor)
        case "c":
            // \cX: X is data, whatever it is (even "(" or "|").
            index = min(index + 1, scalars.count)
            tokens.append(.other)
        case "x", "o", "p", "P", "g", "k", "N":
            // Skip a braced argument (\x{41}, \p{L}, \g{-1}); \g and \k also take <name> and 'name'.
            let close: Unicode.Scalar? =
                switch peek() {
                case "{": "}"
                case "<" where escaped == "g" || escaped == "k": ">"
                case "'" where escaped == "g" || escaped == "k": "'"
                default: nil
                }
            if let close {
                index += 1
                guard skipArgument(through: close) else { return tokens.append(.unsupported) }
            }
            tokens.append(.other)
        default:
            if escaped.isASCII, !isASCIIAlphanumeric(escaped) {
                tokens.append(.literal(escaped))
            } else {
                tokens.append(.other)  // \d, \b, \K, \1, \z, ... and non-ASCII escapes (not modelled).
            }
        }
    }

    /// After "(".
    private mutating func lexGroupOpening() {
        if peek() == "*" { return tokens.append(.unsupported) }  // verbs, (*UTF), (*atomic: ...
        guard peek() == "?" else { return open() }
        index += 1
        guard let kind = peek() else { return tokens.append(.unsupported) }
        switch kind {
        case "#":
            // Comment: no token, so a quantifier after it is seen as following the item before it.
            if !skip(through: ")") { tokens.append(.unsupported) }
        case ":", ">":
            index += 1
            open()
        case "|", "=", "!":
            index += 1
            open(consuming: false)
        case "(":
            open(consuming: false)  // Conditional: the condition's own parenthesis is lexed as a group next.
        case "<" where peek(1) == "=" || peek(1) == "!" || peek(1) == "*":
            // Lookbehind, negative lookbehind, and the non-atomic lookbehind `(?<*`.
            index += 2
            open(consuming: false)
        case "<", "'":
            index += 1
            guard skipName(through: kind == "<" ? ">" : "'") else { return tokens.append(.unsupported) }
            open()
        case "P" where peek(1) == "<":
            index += 2
            guard skipName(through: ">") else { return tokens.append(.unsupported) }
            open()
        case "P" where peek(1) == "=" || peek(1) == ">":
            lexCall()  // (?P=name) back reference, (?P>name) call.
        case "-" where isDigit(peek(1)):
            lexCall()  // (?-1); (?-i) is an option setting and falls to the default.
        case "R", "&", "+", "0"..."9":
            lexCall()
        default:
            tokens.append(.unsupported)  // Inline options such as (?i) (?x) (?^) (?-s:, callouts (?C.
        }
    }

    /// A back reference or subroutine call written as a group, e.g. (?1) or (?&name): one self-contained item.
    private mutating func lexCall() {
        guard skipArgument(through: ")") else { return tokens.append(.unsupported) }
        tokens.append(.other)
    }

    private mutating func open(consuming: Bool = true) {
        depth += 1
        tokens.append(.openGroup(consuming: consuming))
    }

    /// After "["; true when the class was closed, with the index after its "]".
    private mutating func lexClass() -> Bool {
        if peek() == "^" { index += 1 }
        if peek() == "]" { index += 1 }  // A leading "]" is a member, not the end.
        while let scalar = peek() {
            index += 1
            switch scalar {
            case "]":
                return true
            case "\\":
                guard let escaped = peek() else { return false }
                index += 1
                if escaped == "Q" {
                    while index < scalars.count, !(scalars[index] == "\\" && peek(1) == "E") { index += 1 }
                    guard index < scalars.count else { return false }
                    index += 2
                }
            case "[" where peek() == ":" || peek() == "." || peek() == "=":
                // Only the plain form of a POSIX class is modelled: "[", mark, optional "^", letters, mark, "]"
                // (as in [:alpha:] or [:^digit:]). PCRE2's rules for anything else are subtle and could move the
                // end of the class, so give up rather than guess.
                let mark = peek()!
                var probe = index + 1
                if probe < scalars.count, scalars[probe] == "^" { probe += 1 }
                let lettersStart = probe
                while probe < scalars.count, isASCIILetter(scalars[probe]) { probe += 1 }
                guard probe > lettersStart, probe + 1 < scalars.count, scalars[probe] == mark,
                    scalars[probe + 1] == "]"
                else { return false }
                index = probe + 2
            default:
                continue
            }
        }
        return false
    }

    private func isDigit(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return false }
        return ("0"..."9").contains(scalar)
    }

    private func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    private func isASCIIAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        isASCIILetter(scalar) || ("0"..."9").contains(scalar)
    }
}
