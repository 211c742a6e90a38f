import Foundation
import ReplacerCLI
import ReplacerCore
import ReplacerMatchers

let registry: MatcherRegistry = {
    do { return try MatcherRegistry([ExactMatcher.self, PrefixMatcher.self, RegexMatcher.self]) } catch {
        fatalError("the built-in matchers must register: \(error)")
    }
}()

/// Fixtures live beside this file in the source tree; tests read them in place.
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

/// A scratch directory for files a test writes; removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("replacer-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func write(_ text: String, to directory: URL, as name: String) throws -> String {
    let url = directory.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

/// The built `k8s-image-replacer` executable, found beside the test bundle in the build products directory.
func executableURL() throws -> URL {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if directory.path.hasSuffix(".xctest/Contents/MacOS") {
        directory = directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
    let url = directory.appendingPathComponent("k8s-image-replacer")
    guard FileManager.default.isExecutableFile(atPath: url.path) else {
        struct NotBuilt: Error, CustomStringConvertible {
            let path: String
            var description: String { "no executable at \(path); run `swift build` first" }
        }
        throw NotBuilt(path: url.path)
    }
    return url
}

/// Runs the executable with `arguments` and returns its output and exit status.
func runExecutable(_ arguments: [String]) throws -> CommandOutput {
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
    return CommandOutput(
        stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self),
        exitCode: process.terminationStatus)
}

extension Array {
    /// The element at `index`, or nil: a test must fail, not trap, when a list is shorter than expected.
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
