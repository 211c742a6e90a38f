// Helpers for the deployment tests: the repository's dev/ folder, running its scripts and openssl, and reading
// multi-document YAML the way kubectl does.
import Foundation
import Testing
import Yams

/// The repository root, two levels above this file.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func repositoryFile(_ path: String) -> URL { repositoryRoot.appendingPathComponent(path) }

func readRepositoryFile(_ path: String) throws -> String {
    try String(contentsOf: repositoryFile(path), encoding: .utf8)
}

/// What a child process printed and how it ended.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// A program a test needs is not installed: the test fails and says what to install, rather than skipping.
struct MissingTool: Error, CustomStringConvertible {
    var name: String
    var package: String
    var description: String {
        "\(name) is not installed and these tests need it: install the Debian package \(package) (dev/install-deps.sh)"
    }
}

/// The full path of `name` on PATH.
func findTool(_ name: String, package: String) throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw MissingTool(name: name, package: package)
}

func openssl() throws -> String { try findTool("openssl", package: "openssl") }

/// Runs `executable` with `arguments`, `stdin` as its standard input. Output goes through files, not pipes, so
/// a chatty child can never block on a full pipe while the test waits for it.
func runProcess(_ executable: String, _ arguments: [String], stdin: String? = nil, environment: [String: String]? = nil)
    throws -> ProcessResult
{
    let scratch = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outURL = scratch.appendingPathComponent("stdout")
    let errURL = scratch.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    if let stdin {
        let inURL = scratch.appendingPathComponent("stdin")
        try stdin.write(to: inURL, atomically: true, encoding: .utf8)
        process.standardInput = try FileHandle(forReadingFrom: inURL)
    } else {
        process.standardInput = FileHandle.nullDevice
    }
    try process.run()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus, stdout: try String(contentsOf: outURL, encoding: .utf8),
        stderr: try String(contentsOf: errURL, encoding: .utf8))
}

/// Runs a script under dev/ with bash.
func runDevScript(_ name: String, _ arguments: [String], stdin: String? = nil) throws -> ProcessResult {
    try runProcess(
        try findTool("bash", package: "bash"), [repositoryFile("dev/\(name)").path] + arguments, stdin: stdin)
}

/// Every document of a multi-document YAML text, as Yams loads it; empty documents are dropped.
func yamlDocuments(_ text: String) throws -> [[String: Any]] {
    var documents: [[String: Any]] = []
    for document in try Yams.load_all(yaml: text) {
        if document is NSNull { continue }
        guard let mapping = document as? [String: Any] else {
            throw YAMLShapeError(problem: "a document is not a mapping: \(document)")
        }
        documents.append(mapping)
    }
    return documents
}

struct YAMLShapeError: Error, CustomStringConvertible {
    var problem: String
    var description: String { problem }
}

/// The value at a dotted path of mapping keys and integer list indexes ("spec.template.spec.containers.0").
func value(_ root: Any?, _ path: String) -> Any? {
    var current = root
    for key in path.split(separator: ".").map(String.init) {
        if let index = Int(key), let list = current as? [Any] {
            current = list.indices.contains(index) ? list[index] : nil
        } else {
            current = (current as? [String: Any])?[key]
        }
    }
    return current
}

func string(_ root: Any?, _ path: String) -> String? { value(root, path) as? String }

/// The first document of `kind` (and `name`, when given).
func document(_ documents: [[String: Any]], kind: String, name: String? = nil) -> [String: Any]? {
    documents.first { $0["kind"] as? String == kind && (name == nil || string($0, "metadata.name") == name) }
}

/// The documents as canonical JSON, for comparing two sets of documents regardless of formatting and comments.
func canonical(_ documents: [[String: Any]]) throws -> [String] {
    try documents.map {
        String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self)
    }
}

/// A certificate set written by one of the generators, with the SANs it must carry.
struct CertificateFiles {
    var directory: URL
    var ca: String { directory.appendingPathComponent("ca.crt").path }
    var certificate: String { directory.appendingPathComponent("tls.crt").path }
    var key: String { directory.appendingPathComponent("tls.key").path }

    static func sans(service: String, namespace: String) -> [String] {
        [
            service, "\(service).\(namespace)", "\(service).\(namespace).svc",
            "\(service).\(namespace).svc.cluster.local",
        ]
    }
}
