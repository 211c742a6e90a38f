import ArgumentParser
import Foundation
import ReplacerCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// `--rules FILE`, shared by every command that evaluates rules.
struct RulesOptions: ParsableArguments {
    @Option(help: "Rule file (YAML or JSON). Without it, the embedded default rules are used (see `rules`).")
    var rules: String?
}

/// The pod context an image is evaluated in, for `when` scoping.
struct ContextOptions: ParsableArguments {
    @Option(help: "The pod's namespace.")
    var namespace: String?

    @Option(name: .customLong("label"), help: "A pod label as key=value; repeat for more.")
    var labels: [String] = []

    @Option(help: "containers, initContainers, ephemeralContainers or volumes (an image volume's reference).")
    var containerKind: String = ContainerKind.containers.rawValue

    func evaluationContext() throws -> EvaluationContext {
        guard let kind = ContainerKind(rawValue: containerKind) else {
            throw ValidationError(
                "--container-kind must be one of \(ContainerKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var parsed: [String: String] = [:]
        for label in labels {
            guard let equals = label.firstIndex(of: "="), equals != label.startIndex else {
                throw ValidationError("--label \"\(label)\" must be key=value")
            }
            parsed[String(label[..<equals])] = String(label[label.index(after: equals)...])
        }
        return EvaluationContext(namespace: namespace, labels: parsed, containerKind: kind)
    }
}

extension CommandOutput {
    /// Writes the output to the process's streams, then ends with the exit code unless it is success.
    func emit() throws {
        if !stdout.isEmpty { print(stdout, terminator: "") }
        if !stderr.isEmpty { FileHandle.standardError.write(Data(stderr.utf8)) }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }
}
