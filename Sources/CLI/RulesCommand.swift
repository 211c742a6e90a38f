import ArgumentParser

/// `rules`: prints the embedded default rule file, as a starting point for one's own.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules", abstract: "Print the embedded default rule file.")

    func run() throws {
        print(DefaultRules.text)
    }
}
