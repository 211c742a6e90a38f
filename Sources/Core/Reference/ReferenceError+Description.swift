// Human-readable messages: what is wrong, where, and what to write instead. Built only when an
// error is printed, so the parser's failure path stays cheap.

extension ReferenceError {
    /// `invalid <reference|tag|digest> "<input>": <what> (at byte <offset>); <how to fix>`.
    public var description: String {
        let noun: String
        switch subject {
        case .reference: noun = "reference"
        case .tag: noun = "tag"
        case .digest: noun = "digest"
        }
        return "invalid \(noun) \(quoted(input)): \(explanation) (at byte \(offset)); \(remedy)"
    }

    private var explanation: String {
        switch problem {
        case .empty:
            return "the reference is empty"
        case .pathComponentExpected:
            return "expected a lowercase letter or digit to start a repository path component, found \(found)"
        case .pathSeparatorUnfinished:
            return "a separator in a repository path component must be followed by a lowercase letter or digit, "
                + "found \(found)"
        case .pathCharacter:
            return "\(found) is not allowed in a repository path"
        case .unexpectedAfterName:
            return "unexpected \(found) after the repository name"
        case .tagExpected:
            return "a tag must start with a letter, digit or '_', found \(found)"
        case .tagCharacter:
            return "\(found) is not allowed in a tag"
        case .tagTooLong(let length):
            return "the tag is \(length) characters long, more than \(ReferenceGrammar.maximumTagLength)"
        case .digestAlgorithmExpected:
            return "expected a digest algorithm (starting with a letter), found \(found)"
        case .digestSeparatorExpected:
            return "expected ':' between the digest algorithm and its value, found \(found)"
        case .digestHexCharacter:
            return "\(found) is not a hexadecimal digit"
        case .digestTooShort(let length):
            return "the digest value has \(length) hex digits, fewer than 32"
        case .digestAlgorithmNotLowercase:
            return "the digest algorithm must be lowercase"
        case .digestAlgorithmUnsupported:
            return "unsupported digest algorithm \(quoted(token(endingAt: 0x3A)))"
        case .digestLength(let expected, let actual):
            return "a \(algorithmBeforeOffset) digest has \(expected) hex digits, this one has \(actual)"
        case .digestNotLowercaseHex:
            return "the digest value must be lowercase hexadecimal"
        case .uppercase:
            return "repository name must be lowercase"
        case .nameTooLong(let length):
            return "the repository path is \(length) bytes long, more than \(ReferenceGrammar.maximumPathLength)"
        case .identifier:
            return "a 64-digit hex string is an image ID, not a repository name"
        case .domainInvalid:
            return "\(quoted(token(endingAt: 0x2F))) is not a valid registry host[:port]"
        case .domainlessPathStartsWithDomain:
            let first = quoted(token(endingAt: 0x2F))
            return "with no domain, the path's first component \(first) would be read as the registry"
        }
    }

    private var remedy: String {
        switch problem {
        case .empty:
            return "name an image, e.g. \"nginx:1.25\""
        case .pathComponentExpected, .pathSeparatorUnfinished, .pathCharacter:
            return "path components are lowercase letters and digits joined by '/', separated inside by "
                + "'.', '_', '__' or '-'; a tag follows ':' and a digest follows '@'"
        case .unexpectedAfterName:
            return "give the name alone, without tag or digest"
        case .tagExpected, .tagCharacter:
            return "a tag uses letters, digits, '_', '.' and '-' (not first); a digest follows '@'"
        case .tagTooLong:
            return "shorten the tag to \(ReferenceGrammar.maximumTagLength) characters"
        case .digestAlgorithmExpected, .digestSeparatorExpected, .digestHexCharacter, .digestTooShort:
            return "write the digest as algorithm:hex, e.g. \"sha256:\" followed by 64 hex digits"
        case .digestAlgorithmNotLowercase, .digestAlgorithmUnsupported:
            return "use sha256, sha384 or sha512"
        case .digestLength:
            return "copy the complete digest"
        case .digestNotLowercaseHex:
            return "write the digest value in lowercase"
        case .uppercase:
            if let suggestion = lowercaseSuggestion { return "write \(quoted(suggestion))" }
            return "use only lowercase letters in the repository path"
        case .nameTooLong:
            return
                "shorten the repository path to \(ReferenceGrammar.maximumPathLength) bytes (the domain does not count)"
        case .identifier:
            return "to refer to an image by ID, use name@sha256:<id>"
        case .domainInvalid:
            return "use a host such as \"registry.example.com\", \"localhost:5000\" or \"[::1]:5000\""
        case .domainlessPathStartsWithDomain:
            return "pass that component as the domain, or give an explicit domain such as \"docker.io\""
        }
    }

    /// The character at `offset`, for messages: 'x', U+00E9, or "the end of the input".
    private var found: String {
        let bytes = input.utf8
        guard offset >= 0, offset < bytes.count else { return "the end of the input" }
        let index = bytes.index(bytes.startIndex, offsetBy: offset)
        guard let scalarIndex = index.samePosition(in: input.unicodeScalars) else {
            return "byte 0x\(String(bytes[index], radix: 16, uppercase: true))"
        }
        let scalar = input.unicodeScalars[scalarIndex]
        if scalar.isASCII, scalar.value >= 0x20, scalar.value < 0x7F {
            return scalar == "'" ? "\"'\"" : "'\(Character(scalar))'"
        }
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// The run of bytes from `offset` up to (not including) `terminator` or the end.
    private func token(endingAt terminator: UInt8) -> String {
        let bytes = input.utf8
        guard offset >= 0, offset <= bytes.count else { return "" }
        let start = bytes.index(bytes.startIndex, offsetBy: offset)
        let end = bytes[start...].firstIndex(of: terminator) ?? bytes.endIndex
        return String(Substring(bytes[start..<end]))
    }

    /// The algorithm name ending right before `offset` (which points after its ":").
    private var algorithmBeforeOffset: String {
        let bytes = Array(input.utf8)
        guard offset >= 1, offset <= bytes.count else { return "digest" }
        var start = offset - 1
        while start > 0, bytes[start - 1] != 0x40 { start -= 1 }
        return String(decoding: bytes[start..<(offset - 1)], as: UTF8.self)
    }

    /// A corrected input for `.uppercase`: the repository path lowercased, or failing that
    /// everything but the tag (upstream's normalization also objects to an uppercase digest
    /// algorithm under this error). Nil unless the result parses.
    private var lowercaseSuggestion: String? {
        let bytes = Array(input.utf8)
        guard subject == .reference, let lowered = bytes.withUnsafeBufferPointer(ReferenceScanner.goLowercased),
            lowered.count == bytes.count  // a non-ASCII letter was lowered; offsets no longer line up
        else { return nil }
        let layout: ReferenceScanner.Layout? = lowered.withUnsafeBufferPointer { b in
            if case .matched(let layout) = ReferenceScanner.scan(b, from: 0, detectDomain: true) { return layout }
            return nil
        }
        guard let layout else { return nil }
        let keepTag = { (i: Int) in layout.tagStart <= i && i < layout.tagEnd }
        let candidates = [
            bytes.indices.map { layout.pathStart <= $0 && $0 < layout.pathEnd ? lowered[$0] : bytes[$0] },
            bytes.indices.map { keepTag($0) ? bytes[$0] : lowered[$0] },
        ]
        for candidate in candidates {
            let text = String(decoding: candidate, as: UTF8.self)
            if (try? ImageReference(parsing: text)) != nil { return text }
        }
        return nil
    }

    /// `input` in double quotes with control characters escaped, shortened if very long.
    private func quoted(_ text: String) -> String {
        let limit = 160
        guard text.utf8.count > limit else { return text.debugDescription }
        let head = String(text.unicodeScalars.prefix(limit).map(Character.init))
        return String(head.debugDescription.dropLast()) + "…\" (\(text.utf8.count) bytes)"
    }
}
