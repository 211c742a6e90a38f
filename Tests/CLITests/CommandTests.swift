import Foundation
import NIOCore
import NIOPosix
import ReplacerCore
import ReplacerServer
import Testing

@testable import ReplacerCLI

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite struct ExplainCommandTests {
    @Test func textTraceShowsEveryStage() async throws {
        let output = await ExplainRunner.run(
            images: ["redis:7.2"], rulesPath: fixture("golden/mirrors.rules.yaml"), context: EvaluationContext(),
            format: "text", registry: registry)
        #expect(output.exitCode == 0)
        let lines = output.stdout.split(separator: "\n").map(String.init)
        #expect(lines[safe: 0] == "redis:7.2")
        #expect(lines[safe: 1] == "  normalized: docker.io/library/redis:7.2")
        #expect(
            lines[safe: 2]?.hasPrefix("  1. pinned (exact)") == true && lines[safe: 2]?.contains("no-match") == true)
        #expect(
            lines[safe: 3]?.contains("2. ghcr-by-org (regex)") == true && lines[safe: 3]?.contains("skipped") == true)
        #expect(
            lines[safe: 4]?.contains("rewritten  redis:7.2 → mirror.corp/hub/library/redis:7.2  [rule docker.io]")
                == true)
        #expect(lines.last == "  result: mirror.corp/hub/library/redis:7.2")
    }

    @Test func jsonTraceDecodes() async throws {
        let output = await ExplainRunner.run(
            images: ["nginx", "quay.io/a/b"], rulesPath: fixture("golden/mirrors.rules.yaml"),
            context: EvaluationContext(namespace: "team-a"), format: "json", registry: registry)
        let document = try JSONDecoder().decode(ExplainDocument.self, from: Data(output.stdout.utf8))
        #expect(document.results.map(\.image) == ["mirror.corp/hub/library/nginx:1.27.2", "mirror.corp/quay/a/b"])
        #expect(document.results[safe: 0]?.stoppedBy == "pinned")
    }

    @Test func embeddedDefaultIsUsedWithoutRules() async throws {
        let output = await ExplainRunner.run(
            images: ["k8s.gcr.io/pause:3.9", "nginx:1.27"], rulesPath: nil,
            context: EvaluationContext(namespace: "default"),
            format: "json", registry: registry)
        let document = try JSONDecoder().decode(ExplainDocument.self, from: Data(output.stdout.utf8))
        #expect(document.rules == DefaultRules.source)
        #expect(document.results.map(\.image) == ["registry.k8s.io/pause:3.9", "mirror.gcr.io/library/nginx:1.27"])
    }

    @Test func invalidImageFailsTheCommand() async throws {
        let output = await ExplainRunner.run(
            images: ["nginx", "Bad Image"], rulesPath: nil, context: EvaluationContext(), format: "text",
            registry: registry)
        #expect(output.exitCode == 1)
        #expect(output.stdout.contains("not a valid reference"))
    }

    @Test func brokenRulesFailWithPosition() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try write(
            "apiVersion: k8s-image-replacer/v1\nkind: RuleSet\nstages:\n  - name: x\n    matcher: nope\n",
            to: directory, as: "r.yaml")
        let output = await ExplainRunner.run(
            images: ["nginx"], rulesPath: path, context: EvaluationContext(), format: "text", registry: registry)
        #expect(output.exitCode == 1)
        #expect(output.stderr.hasPrefix("error: \(path):5:14: stage \"x\": unknown matcher \"nope\""))
    }
}

@Suite struct CheckCommandTests {
    @Test func validFileIsSummarised() async {
        let output = await CheckRunner.run(rulesPath: fixture("golden/mirrors.rules.yaml"), registry: registry)
        #expect(output.exitCode == 0)
        #expect(
            output.stdout.hasSuffix(
                "OK, 4 stages: pinned (exact), ghcr-by-org (regex), registry-mirrors (prefix), double-tag (regex)\n"))
    }

    @Test func aFileWithNoStagesSaysWhatThatMeans() async throws {
        let path = try write(
            "apiVersion: k8s-image-replacer/v1\nkind: RuleSet\nstages: []\n", to: try temporaryDirectory(), as: "r.yaml"
        )
        let output = await CheckRunner.run(rulesPath: path, registry: registry)
        #expect(
            output.exitCode == 0 && output.stdout == "\(path): OK, no stages: no image is rewritten\n",
            "\(output.stdout)")
    }

    @Test func embeddedDefaultChecks() async {
        let output = await CheckRunner.run(rulesPath: nil, registry: registry)
        #expect(output.exitCode == 0, "\(output.stderr)")
    }

    @Test func badRegexPointsIntoThePattern() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try write(
            """
            apiVersion: k8s-image-replacer/v1
            kind: RuleSet
            stages:
              - name: broken-regex
                matcher: regex
                rules:
                  - match: '^ghcr\\.io/(abc'
                    replace: x.io/$1
            """, to: directory, as: "r.yaml")
        let output = await CheckRunner.run(rulesPath: path, registry: registry)
        #expect(output.exitCode == 1)
        #expect(output.stderr.contains("\(path):7:"))
        #expect(output.stderr.contains("stage \"broken-regex\""))
        #expect(output.stderr.contains("does not compile"))
    }

    @Test(arguments: [
        ("/nonexistent/rules.yaml", "cannot read the rule file: no such file"),
        ("/tmp", "cannot read the rule file: it is a directory"),
        ("/dev/null", "cannot read the rule file: not a regular file"),
    ])
    func unreadableFilesSayWhy(_ path: String, _ message: String) async {
        let output = await CheckRunner.run(rulesPath: path, registry: registry)
        #expect(output.exitCode == 1)
        #expect(output.stderr.contains(message), "\(output.stderr)")
    }

    /// A port someone else listens on is named in the error, with both of serve's addresses.
    @Test func aPortInUseIsNamed() async throws {
        let holder = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(
            host: "127.0.0.1", port: 0
        ).get()
        let port = try #require(holder.localAddress?.port)
        let certificates = try temporaryDirectory().appendingPathComponent("certs").path
        let result = try runProcess(
            try executableURL().path,
            ["serve", "--dev", "--dev-cert-dir", certificates, "--port", "\(port)", "--probe-port", "0"])
        try await holder.close()
        #expect(result.status != 0)
        #expect(
            result.stderr.contains("address already in use (TLS on 127.0.0.1:\(port), probes on 127.0.0.1:0)"),
            "\(result.stderr)")
    }

    @Test func anEmptyCaseFileIsCalledOne() throws {
        let path = try write("", to: try temporaryDirectory(), as: "cases.yaml")
        #expect(throws: RuleFileError.self) { try TestCase.load(contentsOf: path) }
        do { _ = try TestCase.load(contentsOf: path) } catch {
            #expect(error.message == "the case file is empty" && error.hint == "list the cases under `cases:`")
        }
        do { _ = try TestCase.load(contentsOf: "/tmp") } catch {
            #expect(error.message == "cannot read the case file: it is a directory")
        }
    }

    @Test func tooDeepYAMLIsExplainedInOurWords() async throws {
        let directory = try temporaryDirectory()
        let path = try write(String(repeating: "[", count: 5_000), to: directory, as: "deep.yaml")
        let output = await CheckRunner.run(rulesPath: path, registry: registry)
        #expect(output.exitCode == 1)
        #expect(output.stderr.contains("nested deeper than the YAML parser allows"), "\(output.stderr)")
        #expect(!output.stderr.contains("yaml_set_max_nest_level"))
    }
}

@Suite struct TestCommandTests {
    @Test func failingCaseShowsADiffAndFailsTheRun() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases = try write(
            """
            cases:
              - image: redis
                expect: mirror.corp/hub/library/redis
              - name: wrong on purpose
                image: nginx:1.25
                expect: elsewhere.corp/nginx:1.25
              - image: quay.io/x/y
                unchanged: true
            """, to: directory, as: "cases.yaml")
        let output = await TestRunner.run(
            casesPath: cases, rulesPath: fixture("golden/mirrors.rules.yaml"), verbose: true, registry: registry)
        #expect(output.exitCode == 1)
        #expect(output.stdout.contains("PASS \(cases):2:5 redis"))
        #expect(output.stdout.contains("FAIL \(cases):4:5 wrong on purpose (nginx:1.25)"))
        #expect(
            output.stdout.contains(
                "  - expected: elsewhere.corp/nginx:1.25\n  + got:      mirror.corp/hub/library/nginx:1.25\n"))
        #expect(output.stdout.contains("FAIL \(cases):7:5 quay.io/x/y"))
        #expect(output.stdout.hasSuffix("1 passed, 2 failed\n"))
    }

    @Test func nonIdempotentRulesFailTheCase() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rules = try write(
            """
            apiVersion: k8s-image-replacer/v1
            kind: RuleSet
            stages:
              - name: first
                matcher: prefix
                rules: {docker.io: a.corp/hub}
              - name: second
                matcher: prefix
                rules: {a.corp: docker.io/again}
            """, to: directory, as: "rules.yaml")
        let cases = try write(
            "cases:\n  - image: nginx\n    expect: docker.io/again/hub/library/nginx\n", to: directory, as: "c.yaml")
        let output = await TestRunner.run(casesPath: cases, rulesPath: rules, verbose: false, registry: registry)
        #expect(output.exitCode == 1)
        #expect(output.stdout.contains("! not idempotent: a second pass rewrites docker.io/again/hub/library/nginx to"))
    }

    @Test func unusableCaseFileExitsTwo() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases = try write("cases:\n  - image: nginx\n", to: directory, as: "c.yaml")
        let output = await TestRunner.run(casesPath: cases, rulesPath: nil, verbose: false, registry: registry)
        #expect(output.exitCode == 2)
        #expect(output.stderr.contains("\(cases):2:5: a case needs exactly one of"))
    }
}

/// The real executable, to check what the shell sees: exit statuses and streams.
@Suite struct ExecutableTests {
    @Test func explainRunsOnTheEmbeddedDefault() throws {
        let output = try runExecutable(["explain", "nginx:1.27", "--namespace", "web"])
        #expect(output.exitCode == 0, "\(output.stderr)")
        #expect(output.stdout.contains("result: mirror.gcr.io/library/nginx:1.27"))
    }

    @Test func checkFailsWithStatusOne() throws {
        let output = try runExecutable(["check", "--rules", "/nonexistent.yaml"])
        #expect(output.exitCode == 1)
        #expect(output.stderr.contains("/nonexistent.yaml:1:1"))
    }

    @Test func testCommandPassesTheGoldenCases() throws {
        let output = try runExecutable([
            "test", "--rules", fixture("golden/mirrors.rules.yaml"), fixture("golden/mirrors.cases.yaml"),
        ])
        #expect(output.exitCode == 0, "\(output.stdout)\(output.stderr)")
    }

    @Test func rulesPrintsTheEmbeddedDefault() throws {
        let output = try runExecutable(["rules"])
        #expect(output.stdout.contains("apiVersion: k8s-image-replacer/v1"))
    }

    @Test func badContainerKindIsAUsageError() throws {
        let output = try runExecutable(["explain", "nginx", "--container-kind", "sidecar"])
        #expect(output.exitCode == 64)
        #expect(output.stderr.contains("--container-kind must be one of"))
        #expect(output.stderr.contains("volumes"))
    }

    /// An image volume's reference is explained with `--container-kind volumes`: stages scoped to other kinds
    /// skip it.
    @Test func explainsAnImageVolume() throws {
        let output = try runExecutable([
            "explain", "acme/models:v3", "--container-kind", "volumes", "--rules", fixture("golden/volumes.rules.yaml"),
        ])
        #expect(output.exitCode == 0, "\(output.stderr)")
        #expect(output.stdout.contains("model-cache (prefix)"))
        #expect(
            output.stdout.contains("container kind volumes is not in [containers, initContainers, ephemeralContainers]")
        )
        #expect(output.stdout.contains("result: artifacts.corp/acme/models:v3"))
    }
}

@Suite struct ServeCommandTests {
    /// The real binary in dev mode: it must come up on loopback, answer, and on SIGTERM finish and exit 0.
    @Test func devServerStartsAnswersAndStopsOnSIGTERM() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = try executableURL()
        process.arguments = [
            "serve", "--dev", "--dev-cert-dir", directory.appendingPathComponent("certs").path, "--port", "0",
            "--probe-port", "0", "--log-format", "json",
        ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // The JSON log line "serving" carries the bound URLs.
        var log = ""
        let deadline = ContinuousClock.now + .seconds(30)
        while !log.contains("\"msg\":\"serving\""), ContinuousClock.now < deadline {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            log += String(decoding: chunk, as: UTF8.self)
        }
        let line = try #require(log.split(separator: "\n").first { $0.contains("\"msg\":\"serving\"") })
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let probes = try #require(fields["probes"] as? String)
        #expect(probes.hasPrefix("http://127.0.0.1:"))
        #expect((fields["mutate"] as? String)?.hasPrefix("https://127.0.0.1:") == true)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("certs/ca.crt").path))

        let (body, _) = try await URLSession.shared.data(from: URL(string: probes)!)
        #expect(String(decoding: body, as: UTF8.self) == "ok\n")

        kill(process.processIdentifier, SIGTERM)
        let stopDeadline = ContinuousClock.now + .seconds(20)
        while process.isRunning, ContinuousClock.now < stopDeadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
    }
}

extension ServeCommandTests {
    @Test func connectionTimeoutsAreFlags() throws {
        let parsed = try ReplacerCommand.parseAsRoot([
            "serve", "--dev", "--idle-timeout", "90", "--handshake-timeout", "2.5", "--read-timeout", "4",
            "--shutdown-delay", "5", "--request-timeout", "0.0005",
        ])
        let serve = try #require(parsed as? ServeCommand)
        let configuration = serve.serverConfiguration(certificatePath: "c.pem", keyPath: "k.pem")
        #expect(configuration.idleTimeout == .seconds(90))
        #expect(configuration.handshakeTimeout == .milliseconds(2500))
        #expect(configuration.requestReadTimeout == .seconds(4))
        #expect(configuration.shutdownDelay == .seconds(5))
        // Fractions below a millisecond survive the conversion (truncating to milliseconds made this zero).
        #expect(configuration.requestDeadline == .microseconds(500))
        #expect(configuration.host == "127.0.0.1" && configuration.certificatePath == "c.pem")
        // Without the flags, the server's own defaults.
        let defaults = try #require(try ReplacerCommand.parseAsRoot(["serve", "--dev"]) as? ServeCommand)
            .serverConfiguration(certificatePath: "c.pem", keyPath: "k.pem")
        let library = WebhookServer.Configuration(certificatePath: "c.pem", keyPath: "k.pem")
        #expect(defaults.idleTimeout == library.idleTimeout)
        #expect(defaults.handshakeTimeout == library.handshakeTimeout)
        #expect(defaults.requestReadTimeout == library.requestReadTimeout)
        #expect(
            defaults.requestDeadline == library.requestDeadline && defaults.reloadInterval == library.reloadInterval)
        #expect(defaults.shutdownDelay == .zero && library.shutdownDelay == .zero)
    }

    @Test(arguments: [
        ["--idle-timeout", "0"], ["--handshake-timeout", "-1"], ["--read-timeout", "5000"], ["--read-timeout", "nan"],
        ["--shutdown-delay", "-1"], ["--shutdown-delay", "301"], ["--request-timeout", "30"],
        ["--request-timeout", "8000"], ["--request-timeout", "0"], ["--port", "95000"], ["--probe-port", "-1"],
        ["--port", "9000", "--probe-port", "9000"],
    ])
    func connectionTimeoutsOutOfRangeAreRefused(_ flag: [String]) {
        #expect {
            _ = try ReplacerCommand.parseAsRoot(["serve", "--dev"] + flag)
        } throws: { error in
            ReplacerCommand.message(for: error).contains(flag[0])
        }
    }
}
