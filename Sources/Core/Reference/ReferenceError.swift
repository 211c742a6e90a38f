/// Why a string (or a component handed to ``ImageReference``) is not an acceptable image reference.
///
/// `kind` is the stable thing to branch on; it mirrors the error values of distribution/reference
/// and go-digest. `description` is for humans: what is wrong, where, and how to fix it.
public struct ReferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The category of the problem. New kinds may be added; switch with a `default`.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Code: Hashable, Sendable {
            case emptyReference
            case invalidFormat
            case nameContainsUppercase
            case nameTooLong
            case invalidTag
            case invalidDigest
            case invalidDigestLength
            case unsupportedDigestAlgorithm
            case invalidDomain
            case identifierNotName
        }

        private let code: Code

        private init(_ code: Code) {
            self.code = code
        }

        /// The input was empty (upstream `ErrNameEmpty`).
        public static let emptyReference = Kind(.emptyReference)
        /// The input does not match the reference grammar (upstream `ErrReferenceInvalidFormat`).
        public static let invalidFormat = Kind(.invalidFormat)
        /// The repository path has uppercase letters but would be valid in lowercase
        /// (upstream `ErrNameContainsUppercase`, and ParseNormalizedNamed's lowercase check).
        public static let nameContainsUppercase = Kind(.nameContainsUppercase)
        /// The repository path (domain excluded) is longer than 255 bytes (upstream `ErrNameTooLong`).
        public static let nameTooLong = Kind(.nameTooLong)
        /// A tag given on its own (``ImageReference/withTag(_:)``, the memberwise initializer) is not
        /// a valid tag (upstream `ErrTagInvalidFormat`). A bad tag inside a reference string is
        /// ``invalidFormat``, as upstream reports it.
        public static let invalidTag = Kind(.invalidTag)
        /// A digest is malformed: bad syntax when given on its own, uppercase algorithm, or
        /// uppercase hex for a known algorithm (upstream `ErrDigestInvalidFormat`).
        public static let invalidDigest = Kind(.invalidDigest)
        /// A digest of a known algorithm has the wrong number of hex digits
        /// (go-digest `ErrDigestInvalidLength`).
        public static let invalidDigestLength = Kind(.invalidDigestLength)
        /// The digest algorithm is well-formed but not sha256, sha384 or sha512
        /// (go-digest `ErrDigestUnsupported`).
        public static let unsupportedDigestAlgorithm = Kind(.unsupportedDigestAlgorithm)
        /// A domain given to the memberwise initializer is not `host[:port]`, or an empty domain
        /// would make the path's first component read back as a domain.
        public static let invalidDomain = Kind(.invalidDomain)
        /// The input is a bare 64-hex-digit image ID, which ``ImageReference/normalized(_:)``
        /// refuses to treat as a repository name.
        public static let identifierNotName = Kind(.identifierNotName)

        public var description: String {
            switch code {
            case .emptyReference: "emptyReference"
            case .invalidFormat: "invalidFormat"
            case .nameContainsUppercase: "nameContainsUppercase"
            case .nameTooLong: "nameTooLong"
            case .invalidTag: "invalidTag"
            case .invalidDigest: "invalidDigest"
            case .invalidDigestLength: "invalidDigestLength"
            case .unsupportedDigestAlgorithm: "unsupportedDigestAlgorithm"
            case .invalidDomain: "invalidDomain"
            case .identifierNotName: "identifierNotName"
            }
        }
    }

    /// What the rejected `input` was meant to be; picks the noun in the message.
    enum Subject: Hashable, Sendable {
        case reference
        case tag
        case digest
    }

    public let kind: Kind
    /// The string that was rejected: the reference string, or the tag or digest passed on its own.
    /// For the memberwise initializer it is the reference those components would spell.
    public let input: String
    /// UTF-8 byte offset into `input` where the problem starts (`input.utf8.count` when the input
    /// ended too early).
    public let offset: Int

    let problem: ReferenceProblem
    let subject: Subject

    init(_ kind: Kind, _ problem: ReferenceProblem, input: String, offset: Int, subject: Subject = .reference) {
        self.kind = kind
        self.problem = problem
        self.input = input
        self.offset = offset
        self.subject = subject
    }

    /// An error in a full reference string, with the kind upstream gives that problem.
    init(_ problem: ReferenceProblem, input: String, offset: Int) {
        self.init(problem.kind, problem, input: input, offset: offset)
    }
}
