/// A position in a rule file, as people count it: lines and columns start at 1.
///
/// Columns count Unicode scalars, the unit the YAML scanner reports; for the ASCII that rule files are
/// almost always written in this is the same as the byte column an editor shows.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    /// The file name as the user gave it (or a label such as `<embedded default>`).
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, the form compilers use, so editors and CI annotators can jump to it.
    public var description: String { "\(file):\(line):\(column)" }
}
