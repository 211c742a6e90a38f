/// A replacement template that cannot be used with its pattern; raised at rule-load time, never per request.
///
/// ``offset`` is the UTF-8 byte offset in ``template`` of the `$` that starts the faulty reference. Compare kinds
/// with ``code``; the set of codes may grow.
public struct ReplacementTemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of problem. A struct over a private enum so new kinds can be added without breaking callers.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Kind: Sendable, Hashable {
            case danglingDollar, unterminatedBrace, emptyReference, unknownGroupNumber, unknownGroupName
        }
        fileprivate let kind: Kind

        /// A `$` not followed by a digit, `{` or `$` (including `$` at the end).
        public static let danglingDollar = Code(kind: .danglingDollar)
        /// `${` without a closing `}`.
        public static let unterminatedBrace = Code(kind: .unterminatedBrace)
        /// `${}`.
        public static let emptyReference = Code(kind: .emptyReference)
        /// `$N` or `${N}` with N greater than the pattern's capture count.
        public static let unknownGroupNumber = Code(kind: .unknownGroupNumber)
        /// `${name}` where the pattern has no group of that name.
        public static let unknownGroupName = Code(kind: .unknownGroupName)

        /// A short stable name for logs, e.g. `unknown_group_name`.
        public var description: String {
            switch kind {
            case .danglingDollar: "dangling_dollar"
            case .unterminatedBrace: "unterminated_brace"
            case .emptyReference: "empty_reference"
            case .unknownGroupNumber: "unknown_group_number"
            case .unknownGroupName: "unknown_group_name"
            }
        }
    }

    /// What kind of problem this is.
    public let code: Code
    /// One line saying what is wrong, e.g. "group 9 does not exist; the pattern has 2 capturing groups".
    public let message: String
    /// UTF-8 byte offset in ``template`` of the `$` that starts the faulty reference.
    public let offset: Int
    /// The template text as given.
    public let template: String
    /// How to fix it, one line.
    public let hint: String

    init(_ code: Code, _ message: String, offset: Int, template: String, hint: String) {
        self.code = code
        self.message = message
        self.offset = offset
        self.template = template
        self.hint = hint
    }

    /// What is wrong, where (byte offset and a caret under the template), and how to fix it, on four lines.
    public var description: String {
        """
        invalid replacement template: \(message), at byte offset \(offset)
          \(template)
          \(PCRE2Error.caretLine(in: template, atByteOffset: offset))
        \(hint)
        """
    }
}
