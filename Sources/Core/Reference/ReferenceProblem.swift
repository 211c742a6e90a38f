/// The precise reason a reference was rejected, finer than ``ReferenceError/Kind``.
///
/// The scanner reports one of these with a byte offset; ``ReferenceError`` turns it into a
/// message. Associated values carry what the message needs and the input alone can't give.
enum ReferenceProblem: Hashable, Sendable {
    case empty
    /// A path component must start here (after the start, a `/`, or a domain) but doesn't.
    case pathComponentExpected
    /// `.`, `_`, `__` or `-` inside a path component is not followed by `[a-z0-9]`.
    case pathSeparatorUnfinished
    /// A byte that can't follow a path component (uppercase, punctuation, non-ASCII...).
    case pathCharacter
    /// Something follows a name where no tag or digest is allowed.
    case unexpectedAfterName
    case tagExpected
    case tagCharacter
    case tagTooLong(length: Int)
    case digestAlgorithmExpected
    case digestSeparatorExpected
    case digestHexCharacter
    case digestTooShort(length: Int)
    case digestAlgorithmNotLowercase
    case digestAlgorithmUnsupported
    case digestLength(expected: Int, actual: Int)
    case digestNotLowercaseHex
    case uppercase
    case nameTooLong(length: Int)
    case identifier
    case domainInvalid
    /// Memberwise `domain: ""` with a path whose first component is itself a valid domain.
    case domainlessPathStartsWithDomain

    /// The kind upstream reports for this problem inside a reference string.
    var kind: ReferenceError.Kind {
        switch self {
        case .empty: .emptyReference
        case .pathComponentExpected, .pathSeparatorUnfinished, .pathCharacter, .unexpectedAfterName,
            .tagExpected, .tagCharacter, .tagTooLong, .digestAlgorithmExpected, .digestSeparatorExpected,
            .digestHexCharacter, .digestTooShort:
            .invalidFormat
        case .digestAlgorithmNotLowercase, .digestNotLowercaseHex: .invalidDigest
        case .digestAlgorithmUnsupported: .unsupportedDigestAlgorithm
        case .digestLength: .invalidDigestLength
        case .uppercase: .nameContainsUppercase
        case .nameTooLong: .nameTooLong
        case .identifier: .identifierNotName
        case .domainInvalid, .domainlessPathStartsWithDomain: .invalidDomain
        }
    }
}
