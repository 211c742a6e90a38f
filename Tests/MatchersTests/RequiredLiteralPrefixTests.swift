import ReplacerMatchers
import Testing

@Suite struct RequiredLiteralPrefixTests {
    struct Case: Sendable, CustomStringConvertible {
        let pattern: String
        let prefix: String
        var caseInsensitive = false
        /// Subjects the pattern matches, so the property test is not vacuous.
        var matching: [String] = []
        var description: String { caseInsensitive ? "\(pattern) (caseless)" : pattern }
    }

    static let cases: [Case] = [
        // The examples from the contract.
        Case(pattern: #"^ghcr\.io/(?<org>[a-z0-9-]+)/(.+)$"#, prefix: "ghcr.io/", matching: ["ghcr.io/a/b"]),
        Case(
            pattern: #"^docker\.io/library/nginx:1\.2?"#, prefix: "docker.io/library/nginx:1.",
            matching: ["docker.io/library/nginx:1.", "docker.io/library/nginx:1.25"]),
        Case(pattern: #"^ghcr\.io/"#, prefix: "ghcr.io/", matching: ["ghcr.io/x"]),
        Case(pattern: #"\Aquay\.io/"#, prefix: "quay.io/", matching: ["quay.io/"]),
        Case(pattern: #"^registry\.k8s\.io/(.*)"#, prefix: "registry.k8s.io/", matching: ["registry.k8s.io/pause"]),
        // Quantifiers: ? * { drop the literal they follow, + keeps it and ends the prefix.
        Case(pattern: "^a*", prefix: "", matching: ["", "b", "aa"]),
        Case(pattern: "^ab?", prefix: "a", matching: ["a", "ab"]),
        Case(pattern: "^a{2}", prefix: "", matching: ["aa"]),
        Case(pattern: "^a{x", prefix: "", matching: ["a{x"]),  // "{" is literal to PCRE2 here; still no prefix.
        Case(pattern: "^ab+c", prefix: "ab", matching: ["abc", "abbbc"]),
        Case(pattern: "^ab*?c", prefix: "a", matching: ["ac", "abc"]),
        // Escapes.
        Case(pattern: #"^a\.b"#, prefix: "a.b", matching: ["a.b"]),
        Case(pattern: #"^a\d"#, prefix: "a", matching: ["a1"]),
        Case(pattern: #"^a\|b"#, prefix: "a|b", matching: ["a|b"]),
        Case(pattern: #"^a\\b"#, prefix: #"a\b"#, matching: [#"a\b"#]),
        Case(pattern: #"^a\x{41}"#, prefix: "a", matching: ["aA"]),
        Case(pattern: #"^ab\Kc"#, prefix: "ab", matching: ["abc"]),
        Case(pattern: #"^a\Eb"#, prefix: "ab", matching: ["ab"]),
        Case(pattern: #"^\Qliteral\E"#, prefix: "literal", matching: ["literal!"]),
        Case(pattern: #"^\Qa.b\E?"#, prefix: "a.", matching: ["a.", "a.b"]),
        Case(pattern: #"^a\Q\E+b"#, prefix: "a", matching: ["ab", "aab"]),
        Case(pattern: #"^\Qa|b\E|c"#, prefix: "", matching: ["a|b", "c"]),
        Case(pattern: #"^\Qa(b"#, prefix: "a(b", matching: ["a(b"]),
        // Anchoring and alternation.
        Case(pattern: "^a|b", prefix: "", matching: ["a", "b", "xb"]),
        Case(pattern: "ghcr", prefix: "", matching: ["ghcr", "x/ghcr"]),
        Case(pattern: "a^b|^c", prefix: "", matching: ["c"]),
        // A group that opens the run is looked into when its text is required: no `|` of its own, not optional.
        Case(pattern: "^(a)", prefix: "a", matching: ["a"]),
        Case(
            pattern: #"^quay\.io/(?<repo>team7/[^:@]+)(?<rest>.*)$"#, prefix: "quay.io/team7/",
            matching: ["quay.io/team7/app:1"]),
        Case(pattern: "^(ab)?c", prefix: "", matching: ["c", "abc"]),
        Case(pattern: "^(ab)*c", prefix: "", matching: ["c", "ababc"]),
        Case(pattern: "^(ab){2}", prefix: "", matching: ["abab"]),
        Case(pattern: "^(ab)+c", prefix: "ab", matching: ["abc", "ababc"]),
        Case(pattern: "^(?:ab)c", prefix: "abc", matching: ["abc"]),
        Case(pattern: "^(?>ab)c", prefix: "abc", matching: ["abc"]),
        Case(pattern: "^((a)b)c", prefix: "abc", matching: ["abc"]),
        Case(pattern: "^(a(b|c))", prefix: "a", matching: ["ab", "ac"]),
        Case(pattern: "^(a|b)", prefix: "", matching: ["a", "b"]),
        Case(pattern: "^(ab?)", prefix: "a", matching: ["a", "ab"]),
        Case(pattern: "^(a(?#x|y)b)", prefix: "ab", matching: ["ab"]),
        Case(pattern: #"^(a\Q|\Eb)"#, prefix: "a|b", matching: ["a|b"]),
        Case(pattern: "^(?=ab)a", prefix: "", matching: ["ab"]),
        Case(pattern: "^(?!ab)a", prefix: "", matching: ["a", "ac"]),
        Case(pattern: "^(?|(a)|(b))c", prefix: "", matching: ["ac", "bc"]),
        Case(pattern: "^(a(?=b))b", prefix: "a", matching: ["ab"]),
        Case(pattern: "^(?P<n>ab)", prefix: "ab", matching: ["ab"]),
        Case(pattern: "^(?'n'ab)", prefix: "ab", matching: ["ab"]),
        Case(pattern: "^(ab", prefix: "", matching: []),  // Does not compile; never trusted.
        Case(pattern: "^(a)b(c)+d", prefix: "abc", matching: ["abcd", "abccd"]),
        // A non-atomic lookbehind is not a group named "*>x" (found in review: the prefix was ">xxy").
        Case(pattern: "^>x(?<*>x)y", prefix: ">x", matching: [">xy"]),
        Case(pattern: "^a>b(?<*a>b)c", prefix: "a>b", matching: ["a>bc"]),
        Case(pattern: "^(?<n_1>ab)", prefix: "ab", matching: ["ab"]),
        Case(pattern: "^(?<1n>ab)", prefix: "", matching: []),  // Not a name: not trusted (nor compiled).
        Case(pattern: "^(a(b)?)c", prefix: "a", matching: ["ac", "abc"]),
        Case(pattern: "^(a)\\d(b)", prefix: "a", matching: ["a1b"]),
        Case(pattern: "^(?:a|b)c", prefix: "", matching: ["ac", "bc"]),
        Case(pattern: "^(?|a|b)c", prefix: "", matching: ["bc"]),
        Case(pattern: "^a(b|c)", prefix: "a", matching: ["ab", "ac"]),
        Case(pattern: "^a(?<n>x|y)z", prefix: "a", matching: ["ayz"]),
        Case(pattern: "^ab(?=c)", prefix: "ab", matching: ["abc"]),
        Case(pattern: "^a(?#comment)b", prefix: "ab", matching: ["ab"]),
        Case(pattern: "^a(?#comment)?b", prefix: "", matching: ["b", "ab"]),
        Case(pattern: "^a(?#a|b)|c", prefix: "", matching: ["c"]),
        Case(pattern: "^a(x)?(?(1)b|c)", prefix: "a", matching: ["ac", "axb"]),
        // Other items end the prefix.
        Case(pattern: "^[ab]", prefix: "", matching: ["a", "b"]),
        Case(pattern: "^x[]|]y", prefix: "x", matching: ["x]y", "x|y"]),
        Case(pattern: "^x[]|]|y", prefix: "", matching: ["x]", "y"]),
        Case(pattern: "^x[[:digit:]|]y", prefix: "x", matching: ["x1y", "x|y"]),
        Case(pattern: "^x[[:]|y", prefix: "", matching: ["x[", "y"]),
        Case(pattern: #"^x[\]|]y"#, prefix: "x", matching: ["x]y"]),
        Case(pattern: #"^x[\Q]|\E]y"#, prefix: "x", matching: ["x|y"]),
        Case(pattern: "^a$", prefix: "a", matching: ["a"]),
        Case(pattern: "^a.b", prefix: "a", matching: ["axb"]),
        Case(pattern: "^^ab", prefix: "", matching: ["ab"]),
        Case(pattern: "^", prefix: "", matching: ["", "x"]),
        // Multibyte literals: a quantifier applies to the whole code point.
        Case(pattern: "^é+x", prefix: "é", matching: ["éx", "ééx"]),
        Case(pattern: "^aé?", prefix: "a", matching: ["a", "aé"]),
        Case(pattern: "^日本/", prefix: "日本/", matching: ["日本/x"]),
        // Options and verbs: no prefix.
        Case(pattern: "(?i)^A", prefix: "", matching: ["a", "A"]),
        Case(pattern: "^ab(?i)c", prefix: "", matching: ["abC"]),
        Case(pattern: "^a(?i:b)", prefix: "", matching: ["aB"]),
        Case(pattern: "^a(?x) # (\n|b", prefix: "", matching: ["a", "b"]),
        Case(pattern: "^a(*MARK:x(y)|b", prefix: "", matching: ["a", "b"]),
        Case(pattern: "(*UTF)^abc", prefix: "", matching: ["abc"]),
        Case(pattern: #"^ghcr\.io/"#, prefix: "", caseInsensitive: true, matching: ["GHCR.io/"]),
        // Escapes with arguments whose contents look like syntax are not trusted.
        Case(pattern: #"^a\k<n|b"#, prefix: "", matching: []),
        // \c takes the next character as data, even "(": the "|" after it is at the top level.
        Case(pattern: #"^a\c(|b"#, prefix: "", matching: ["b"]),
    ]

    @Test(arguments: cases)
    func extractsTheExpectedPrefix(_ testCase: Case) {
        #expect(
            requiredLiteralPrefix(ofPattern: testCase.pattern, caseInsensitive: testCase.caseInsensitive)
                == testCase.prefix)
    }

    /// Soundness against PCRE2 itself: every subject the compiled pattern matches starts with the extracted prefix.
    /// Subjects: every string up to length 3 (2 for large alphabets) over the pattern's own code points plus a few
    /// extras, prefixes and one-character edits of the known matches, and seeded random strings.
    @Test(arguments: cases.filter { compileError($0.pattern, caseInsensitive: $0.caseInsensitive) == nil })
    func everyMatchingSubjectStartsWithThePrefix(_ testCase: Case) throws {
        let pattern = try PCRE2Pattern(testCase.pattern, caseInsensitive: testCase.caseInsensitive)
        let prefix = requiredLiteralPrefix(ofPattern: testCase.pattern, caseInsensitive: testCase.caseInsensitive)
        var alphabet = Set(testCase.pattern.unicodeScalars.map(String.init))
        alphabet.formUnion(["x", "A", "1", "\n", "é"])
        let letters = alphabet.sorted()

        var subjects = Set(testCase.matching)
        var layer = [""]
        for _ in 0..<(letters.count <= 14 ? 3 : 2) {
            layer = layer.flatMap { base in letters.map { base + $0 } }
            subjects.formUnion(layer)
        }
        for example in testCase.matching {
            let scalars = Array(example.unicodeScalars)
            for cut in 0...scalars.count {
                subjects.insert(String(String.UnicodeScalarView(scalars[..<cut])))
                for letter in letters.prefix(8) {
                    var edited = String.UnicodeScalarView(scalars[..<cut])
                    edited.append(contentsOf: letter.unicodeScalars)
                    subjects.insert(String(edited) + String(String.UnicodeScalarView(scalars[cut...])))
                }
            }
        }
        var random = SplitMix64(seed: testCase.pattern.utf8.reduce(0x5eed) { $0 &* 31 &+ UInt64($1) })
        for _ in 0..<2_000 {
            let length = Int(random.next() % 10)
            subjects.insert((0..<length).map { _ in letters[Int(random.next() % UInt64(letters.count))] }.joined())
        }

        var matched = 0
        for subject in subjects {
            guard try pattern.firstMatch(in: subject) != nil else { continue }
            matched += 1
            #expect(subject.utf8.starts(with: prefix.utf8), "\(subject.debugDescription) matches without the prefix")
        }
        if !testCase.matching.isEmpty { #expect(matched > 0) }
        for example in testCase.matching {
            #expect(try pattern.firstMatch(in: example) != nil, "table example \(example.debugDescription) must match")
        }
    }
}

/// A tiny deterministic generator so the property test is reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct RequiredLiteralPrefixEdgeTests {
    @Test(arguments: ["", "\\", "^\\", "^a\\c", "^(", "^)", "^a)", "^[", "^[a", "^a(?", "^a(?#", "^a(?<n", "^\\Qab"])
    func malformedPatternsNeverCrash(pattern: String) {
        // Whatever the answer, it must be a prefix of the literal text after the anchor (here: at most "a" or "ab").
        let prefix = requiredLiteralPrefix(ofPattern: pattern, caseInsensitive: false)
        #expect(["", "a", "ab"].contains(prefix))
    }
}

@Suite struct RequiredLiteralPrefixFuzzTests {
    /// Random patterns assembled from tricky pieces; for each one PCRE2 accepts, random subjects that match must start
    /// with the extracted prefix. Seeded, so a failure reproduces.
    @Test func randomPatternsAreSoundAgainstPCRE2() throws {
        let pieces = [
            "a", "b", "ab", "é", #"\."#, #"\|"#, #"\Q"#, #"\E"#, "(", ")", "(?:", "(?<n>", "(?|", "|", "?", "*", "+",
            "{2}", "{1,}", "{", "}", "]", "[ab]", "[]|]", "[^a]", "[[:alpha:]]", ".", "^", "$", #"\d"#, #"\A"#,
            "(?#c)", "(?#|)", "(?=a)", "(?<=b)", "(?i)", "(*ACCEPT)", #"\K"#, #"\x{61}"#, #"\\"#, #"\c("#, "++",
        ]
        let subjectPieces = ["a", "b", "ab", "é", ".", "|", "(", ")", "{", "}", "]", "[", "\\", "1", "x", "A", "c("]
        var random = SplitMix64(seed: 0xC0FFEE)
        func pick(_ array: [String]) -> String { array[Int(random.next() % UInt64(array.count))] }

        var compiled = 0
        var withPrefix = 0
        for _ in 0..<1_500 {
            var source = random.next() % 10 < 8 ? "^" : ""
            for _ in 0..<(1 + random.next() % 7) { source += pick(pieces) }
            guard let pattern = try? PCRE2Pattern(source) else { continue }
            compiled += 1
            let prefix = requiredLiteralPrefix(ofPattern: source, caseInsensitive: false)
            if !prefix.isEmpty { withPrefix += 1 }
            for _ in 0..<150 {
                var subject = random.next() % 2 == 0 ? prefix : ""
                if random.next() % 3 == 0, !subject.isEmpty { subject.removeLast() }
                for _ in 0..<(random.next() % 6) { subject += pick(subjectPieces) }
                guard (try? pattern.firstMatch(in: subject)) != nil else { continue }
                #expect(
                    subject.utf8.starts(with: prefix.utf8),
                    "\(source.debugDescription) matches \(subject.debugDescription) without prefix \(prefix.debugDescription)"
                )
            }
        }
        // The generator must exercise both outcomes, or the test proves nothing.
        #expect(compiled > 500)
        #expect(withPrefix > 100)
    }
}
