/// What a command produced: its text for standard output and standard error, and its exit code.
///
/// Commands compute this first and print it last, so tests can check all three without spawning a process.
public struct CommandOutput: Sendable, Equatable {
    public var stdout: String = ""
    public var stderr: String = ""
    public var exitCode: Int32 = 0

    public init(stdout: String = "", stderr: String = "", exitCode: Int32 = 0) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitCode = exitCode
    }

    /// Exit codes shared by the commands.
    public enum Code {
        /// Everything passed.
        public static let success: Int32 = 0
        /// The input was understood and something failed (a case, a rule file, an image).
        public static let failure: Int32 = 1
        /// The input itself could not be used (unreadable file, malformed case file).
        public static let usage: Int32 = 2
    }
}
