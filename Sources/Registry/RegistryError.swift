/// A registry lookup that did not produce a digest.
///
/// Messages name the registry, repository and tag and what went wrong; they never contain credentials or tokens,
/// because they end up in traces, admission warnings and logs.
public struct RegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Code: Sendable, Hashable {
        case notFound
        case unauthorized
        case unreachable(String)
        case timeout
        case unexpectedStatus(Int)
        case badResponse(String)
        case authFailed(String)
    }

    let code: Code
    /// `registry/repository:tag`.
    public let subject: String

    init(_ code: Code, subject: String) {
        self.code = code
        self.subject = subject
    }

    /// The registry answered that the tag or repository does not exist (404).
    public var isNotFound: Bool { code == .notFound }
    /// The lookup ran out of its time budget.
    public var isTimeout: Bool { code == .timeout }

    public var description: String {
        switch code {
        case .notFound: "\(subject): not found in the registry (404)"
        case .unauthorized: "\(subject): the registry refused the credentials (401/403); check the pull secret"
        case .unreachable(let detail): "\(subject): registry unreachable (\(detail))"
        case .timeout: "\(subject): the registry did not answer within the stage's timeout"
        case .unexpectedStatus(let status): "\(subject): the registry answered HTTP \(status)"
        case .badResponse(let detail): "\(subject): unusable registry answer (\(detail))"
        case .authFailed(let detail): "\(subject): token request failed (\(detail))"
        }
    }
}
