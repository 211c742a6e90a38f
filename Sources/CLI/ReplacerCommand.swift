import ArgumentParser
import Foundation
import ReplacerCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// The `k8s-image-replacer` command line: the root command and its explicit list of subcommands.
public struct ReplacerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "k8s-image-replacer",
        abstract: "A Kubernetes mutating admission webhook that rewrites container images by declarative rules.",
        subcommands: [
            ServeCommand.self, ExplainCommand.self, CheckCommand.self, TestCommand.self, RulesCommand.self,
            CertsCommand.self, ManifestsCommand.self,
        ])

    public init() {}

    /// Runs the command line with `matchers` as the matcher modules this build knows; `serve` calls `bootstrap`
    /// once with the backends it builds from its options. A duplicate matcher ID is a programming error in the
    /// executable's list; it is reported and the process exits with status 70.
    public static func main(matchers: [MatcherModule], bootstrap: @escaping Bootstrap) async {
        let registry: MatcherRegistry
        do {
            registry = try MatcherRegistry(matchers)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            Foundation.exit(70)
        }
        await CommandEnvironment.$values.withValue(.init(registry: registry, bootstrap: bootstrap)) {
            await Self.main()
        }
    }
}
