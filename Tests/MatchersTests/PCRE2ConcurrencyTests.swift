import ReplacerMatchers
import Testing

@Suite struct PCRE2ConcurrencyTests {
    /// One pattern and one template shared by many tasks, as in a webhook under load: every result must be exactly
    /// what a single-threaded run produces, including for subjects that do not match or hit the match limit.
    @Test(arguments: [true, false])
    func onePatternSharedByManyTasks(useJIT: Bool) async throws {
        let pattern = try PCRE2Pattern(
            #"^(?<registry>ghcr\.io|quay\.io)/(?<org>[a-z0-9-]+)/([^:@]+)(?::(.+))?$"#,
            useJIT: useJIT)
        let template = try ReplacementTemplate("mirror.corp/${registry}/${org}/$3:$4", for: pattern)
        // A small match limit keeps the runaway case cheap (the default limit costs ~1.5 ms JIT, ~13 ms interpreted).
        let runawayLimits = PCRE2Limits(matchLimit: 20_000, depthLimit: 10_000, heapLimitKiB: 8_192)
        let runaway = try PCRE2Pattern("^(a+)+$", limits: runawayLimits, useJIT: useJIT)
        let cases: [(subject: String, expected: String?)] = [
            ("ghcr.io/acme/tool:1.0", "mirror.corp/ghcr.io/acme/tool:1.0"),
            ("quay.io/prom/node-exporter", "mirror.corp/quay.io/prom/node-exporter:"),
            ("ghcr.io/é-org/x:1", nil),
            ("docker.io/library/nginx:1.25", nil),
            ("quay.io/ns/日本/イメージ:v2", "mirror.corp/quay.io/ns/日本/イメージ:v2"),
            (
                "ghcr.io/a/" + String(repeating: "b/", count: 100) + "c:latest",
                "mirror.corp/ghcr.io/a/" + String(repeating: "b/", count: 100) + "c:latest"
            ),
        ]
        let tasks = 64
        let iterations = 80  // 64 × 80 = 5 120 matches of the shared pattern, plus 1 280 runaway ones.

        let failures = await withTaskGroup(of: Int.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var failures = 0
                    for iteration in 0..<iterations {
                        let (subject, expected) = cases[(task + iteration) % cases.count]
                        do {
                            let actual = try pattern.firstMatch(in: subject).map {
                                template.expand($0, subject: subject)
                            }
                            if actual != expected { failures += 1 }
                            if iteration % 4 == 0,
                                matchError(runaway, String(repeating: "a", count: 30) + "!")?.code
                                    != .matchLimitExceeded
                            {
                                failures += 1
                            }
                        } catch {
                            failures += 1
                        }
                    }
                    return failures
                }
            }
            return await group.reduce(0, +)
        }
        #expect(failures == 0)
    }
}
