import ReplacerMatchers
import Testing

@Suite struct PCRE2LimitsTests {
    static let catastrophicSubject = String(repeating: "a", count: 38) + "!"

    /// Nested quantifiers on a near-miss: 2^37 ways to split the a's. With the default limits this fails in about
    /// 1.5 ms under JIT and 13 ms in the interpreter (release build, one core); the bound here is generous for CI.
    @Test(arguments: [true, false])
    func catastrophicBacktrackingHitsTheMatchLimitQuickly(useJIT: Bool) throws {
        let pattern = try PCRE2Pattern("^(a+)+$", useJIT: useJIT)
        #expect(pattern.isJITCompiled == useJIT)
        let clock = ContinuousClock()
        var error: PCRE2Error?
        let elapsed = clock.measure { error = matchError(pattern, Self.catastrophicSubject) }
        let failure = try #require(error)
        #expect(failure.code == .matchLimitExceeded)
        #expect(failure.message == "match limit exceeded")
        #expect(failure.description.contains("possessive"))
        #expect(elapsed < .seconds(1))
    }

    @Test(arguments: [
        (#"^(a|aa)+$"#, String(repeating: "a", count: 60) + "!"),
        (#"^(\w+\s?)*$"#, String(repeating: "word ", count: 12) + "!"),
        (#"^(?:[a-z]+/?)+:latest$"#, String(repeating: "abc/", count: 30) + "x:lates"),
    ])
    func otherRunawayShapesAreStopped(source: String, subject: String) throws {
        for useJIT in [true, false] {
            let pattern = try PCRE2Pattern(source, useJIT: useJIT)
            #expect(matchError(pattern, subject)?.code == .matchLimitExceeded)
        }
    }

    @Test func theMatchLimitIsWhatBoundsJIT() throws {
        // A greedy multi-group pattern that fails after a few thousand backtracking steps (the ":" in the port keeps
        // PCRE2's required-character shortcut from rejecting it up front).
        let source = #"^(.+)/(.+)/(.+):(.+)$"#
        let subject = "registry.example.com:5000/" + String(repeating: "team/", count: 10) + "image"
        // JIT ignores depth and heap limits: tiny values change nothing.
        let tinyDepthAndHeap = PCRE2Limits(matchLimit: 10_000_000, depthLimit: 1, heapLimitKiB: 0)
        #expect(try PCRE2Pattern(source, limits: tinyDepthAndHeap).firstMatch(in: subject) == nil)
        // The interpreter honours each of them.
        let tinyDepth = PCRE2Limits(matchLimit: 10_000_000, depthLimit: 1, heapLimitKiB: 1_000_000)
        let interpreted = try PCRE2Pattern(source, limits: tinyDepth, useJIT: false)
        #expect(matchError(interpreted, subject)?.code == .depthLimitExceeded)
        // A small match limit stops both engines.
        let smallMatch = PCRE2Limits(matchLimit: 100, depthLimit: 10_000, heapLimitKiB: 8_192)
        for useJIT in [true, false] {
            let pattern = try PCRE2Pattern(source, limits: smallMatch, useJIT: useJIT)
            #expect(matchError(pattern, subject)?.code == .matchLimitExceeded)
        }
    }

    @Test func jitStackExhaustionFallsBackToTheInterpreter() throws {
        // Each iteration of a repeated capturing alternation keeps a backtracking frame; the 32 KiB JIT stack runs out
        // at about 1 KiB of subject. The interpreter finishes the job within the default depth limit.
        let pattern = try PCRE2Pattern("^(a|b)*$")
        #expect(pattern.isJITCompiled)
        let long = String(repeating: "ab", count: 2_000)
        let match = try #require(try pattern.firstMatch(in: long))
        #expect(match.wholeMatch == 0..<4_000)
        #expect(match[1] == "b")
        // Beyond the depth limit (10 000 frames) the interpreter gives up with a limit error, still quickly.
        let error = try #require(matchError(pattern, String(repeating: "ab", count: 20_000) + "!"))
        #expect(error.code == .depthLimitExceeded)
    }

    @Test func heapLimitBindsTheInterpreter() throws {
        let limits = PCRE2Limits(matchLimit: 10_000_000, depthLimit: 10_000_000, heapLimitKiB: 16)
        let pattern = try PCRE2Pattern("^(a|b)*$", limits: limits, useJIT: false)
        #expect(try pattern.firstMatch(in: "abab") != nil)
        let error = try #require(matchError(pattern, String(repeating: "ab", count: 2_000)))
        #expect(error.code == .heapLimitExceeded)
        #expect(error.pcre2ErrorCode == -63)
    }

    @Test func defaultsLeaveRoomForRealisticPatterns() throws {
        // ~250-byte reference, a greedy four-group pattern that fails: needs ~80 000 steps, well under the limit.
        let subject = "registry.example.com:5000/" + String(repeating: "team/", count: 40) + "image"
        #expect(try PCRE2Pattern(#"^(.+)/(.+)/(.+):(.+)$"#).firstMatch(in: subject) == nil)
        #expect(try PCRE2Pattern(#"^(.+)/(.+)/(.+):(.+)$"#, useJIT: false).firstMatch(in: subject) == nil)
    }
}
