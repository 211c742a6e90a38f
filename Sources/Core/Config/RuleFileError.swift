/// An error in a rule file: what is wrong, where (file, line, column, and the stage when there is one), and how
/// to fix it.
///
/// The loader reports the first error it meets and nothing of the file is used: a rule set is either loaded whole
/// or not at all.
public struct RuleFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the offending node starts.
    public var location: SourceLocation
    /// The name of the stage the error belongs to, when the loader had got that far.
    public var stage: String?
    /// What is wrong, in one sentence, without the position.
    public var message: String
    /// How to fix it, when there is something useful to say.
    public var hint: String?

    public init(_ message: String, at location: SourceLocation, stage: String? = nil, hint: String? = nil) {
        self.message = message
        self.location = location
        self.stage = stage
        self.hint = hint
    }

    /// `file:line:col: stage "name": message (hint)`, one line, so it reads well in logs and CI output.
    public var description: String {
        var text = "\(location): "
        if let stage { text += "stage \"\(stage)\": " }
        text += message
        if let hint { text += "; \(hint)" }
        return text
    }

    /// Returns a copy attributed to `stage` unless it already names one (the innermost stage wins).
    public func inStage(_ stage: String) -> RuleFileError {
        var copy = self
        if copy.stage == nil { copy.stage = stage }
        return copy
    }
}
