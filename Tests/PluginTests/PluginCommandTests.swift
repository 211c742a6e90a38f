import Foundation
import Testing

/// The real `k8s-image-replacer` binary with compiled-in plugins and `--plugin-dir`.
@Suite struct PluginCommandTests {
    /// A directory with the example Wasm plugin, a rule file that uses it and both compiled-in plugins, and a
    /// case file.
    func workspace() throws -> (directory: URL, plugins: String, rules: String) {
        let directory = try temporaryDirectory()
        let plugins = directory.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        try WasmBuild.plugin("mirror_by_namespace.c", into: plugins, as: "mirror-by-namespace")
        let rules = directory.appendingPathComponent("rules.yaml")
        try ruleFile(
            """
              - name: pin-floating
                matcher: tag-policy
                rules:
                  - {repositories: ["docker.io/library/nginx"], pin: "1.27.2"}
              - name: by-namespace
                matcher: mirror-by-namespace
                onMatch: stop
                options: {registry: mirror.example}
              - name: pull-through
                matcher: pull-through-cache
                rules:
                  quay.io: {harbor: harbor.corp/quay-proxy}
            """
        ).write(to: rules, atomically: true, encoding: .utf8)
        return (directory, plugins.path, rules.path)
    }

    @Test func explainShowsEveryPluginStage() throws {
        let (directory, plugins, rules) = try workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try runExecutable([
            "explain", "--plugin-dir", plugins, "--rules", rules, "nginx", "quay.io/a/b:1", "--namespace", "web",
        ])
        #expect(output.exitCode == 0, "\(output.stderr)")
        let text = output.stdout
        #expect(text.contains("1. pin-floating (tag-policy)"), "\(text)")
        #expect(text.contains("nginx → nginx:1.27.2  [rule rules[0]]"))
        #expect(text.contains("2. by-namespace (mirror-by-namespace)"))
        #expect(text.contains("nginx:1.27.2 → mirror.example/web/nginx:1.27.2"))
        #expect(text.contains("result: mirror.example/web/nginx:1.27.2"))
        #expect(text.contains("3. pull-through (pull-through-cache)"))
        #expect(text.contains("result: harbor.corp/quay-proxy/a/b:1"))

        let json = try runExecutable([
            "explain", "--plugin-dir", plugins, "--rules", rules, "nginx", "--namespace", "web", "--output", "json",
        ])
        #expect(
            json.stdout.contains(#""matcher" : "mirror-by-namespace""#)
                || json.stdout.contains(#""matcher":"mirror-by-namespace""#))
    }

    @Test func testAndCheckTakeThePluginDirectory() throws {
        let (directory, plugins, rules) = try workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases = directory.appendingPathComponent("cases.yaml")
        try """
        cases:
          - name: official images go to the namespace's project
            image: nginx
            namespace: team-a
            expect: mirror.example/team-a/nginx:1.27.2
          - image: quay.io/prometheus/node-exporter:v1.8.0
            expect: harbor.corp/quay-proxy/prometheus/node-exporter:v1.8.0
          - image: ghcr.io/x/y:1
            unchanged: true
        """.write(to: cases, atomically: true, encoding: .utf8)
        let test = try runExecutable(["test", "--plugin-dir", plugins, "--rules", rules, cases.path])
        #expect(test.exitCode == 0, "\(test.stdout)\(test.stderr)")
        #expect(test.stdout.hasSuffix("3 passed, 0 failed\n"))

        let check = try runExecutable(["check", "--plugin-dir", plugins, "--rules", rules])
        #expect(check.exitCode == 0)
        #expect(check.stdout.contains("by-namespace (mirror-by-namespace)"))

        // Without the directory the plugin's ID is unknown: the rule file does not load.
        let without = try runExecutable(["check", "--rules", rules])
        #expect(without.exitCode == 1)
        #expect(without.stderr.contains(#"unknown matcher "mirror-by-namespace""#))
    }

    @Test func pluginProblemsStopTheCommandWithTheFileNamed() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try WasmBuild.plugin("misbehaving.c", [#"-DID="regex""#], into: directory, as: "clash")
        let clash = try runExecutable(["check", "--plugin-dir", directory.path])
        #expect(clash.exitCode == 1)
        #expect(clash.stderr.contains(#"two matchers are registered with the ID "regex""#), "\(clash.stderr)")
        #expect(clash.stderr.contains("ReplacerMatchers.RegexMatcher"))
        #expect(clash.stderr.contains("clash.wasm"))

        let missing = try runExecutable([
            "explain", "--plugin-dir", directory.appendingPathComponent("none").path, "nginx",
        ])
        #expect(missing.exitCode == 1)
        #expect(missing.stderr.contains("cannot list the plugin directory"))
    }

    @Test func serveLoadsThePluginsAtStart() async throws {
        let (directory, plugins, rules) = try workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = try executableURL()
        process.arguments = [
            "serve", "--dev", "--dev-cert-dir", directory.appendingPathComponent("certs").path, "--port", "0",
            "--probe-port", "0", "--log-format", "json", "--plugin-dir", plugins, "--rules", rules,
        ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var log = ""
        let deadline = ContinuousClock.now + .seconds(30)
        while !log.contains("\"msg\":\"serving\""), ContinuousClock.now < deadline {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            log += String(decoding: chunk, as: UTF8.self)
        }
        #expect(log.contains("by-namespace (mirror-by-namespace)"), "\(log)")
        kill(process.processIdentifier, SIGTERM)
        let stopDeadline = ContinuousClock.now + .seconds(20)
        while process.isRunning, ContinuousClock.now < stopDeadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(process.terminationStatus == 0)
    }
}

struct CommandResult {
    var stdout: String
    var stderr: String
    var exitCode: Int32
}

/// The built `k8s-image-replacer` executable, beside the test bundle in the build products directory.
func executableURL() throws -> URL {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if directory.path.hasSuffix(".xctest/Contents/MacOS") {
        directory = directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
    let url = directory.appendingPathComponent("k8s-image-replacer")
    struct NotBuilt: Error, CustomStringConvertible {
        let path: String
        var description: String { "no executable at \(path); run `swift build` first" }
    }
    guard FileManager.default.isExecutableFile(atPath: url.path) else { throw NotBuilt(path: url.path) }
    return url
}

/// Runs the executable with `arguments`.
func runExecutable(_ arguments: [String]) throws -> CommandResult {
    let process = Process()
    process.executableURL = try executableURL()
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(
        stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self),
        exitCode: process.terminationStatus)
}
