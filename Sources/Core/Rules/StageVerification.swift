/// A stage's `verify:` section: check each output, in order, before rewriting a pod onto it.
///
/// ```yaml
/// verify:
///   policy: manifest      # none | reachable | manifest
///   timeout: 1s           # the whole check of one image, all alternatives together
/// ```
/// Other keys (registry settings such as `insecureRegistries`) go to the verifier the build supplies.
public struct StageVerification: Sendable {
    public var policy: VerifyPolicy
    /// Budget for verifying one image, alternatives included; far below the webhook's deadline.
    public var timeout: Duration
    /// The verifier, when `policy` is not `none`.
    public var verifier: (any ImageVerifier)?

    public init(policy: VerifyPolicy = .none, timeout: Duration = .seconds(1), verifier: (any ImageVerifier)? = nil) {
        self.policy = policy
        self.timeout = timeout
        self.verifier = verifier
    }

    /// Keys the core reads; the factory decodes the rest.
    static let coreKeys = ["policy", "timeout"]
    static let verifierKeys = ["insecureRegistries", "caBundles", "dockerConfig"]

    init(decoding node: ConfigNode, factory: ImageVerifierFactory?) throws(RuleFileError) {
        let object = try node.object("verify", allowed: Self.coreKeys + Self.verifierKeys)
        self.init()
        if let policyNode = object["policy"] {
            let text = try policyNode.string("verify.policy")
            guard let value = VerifyPolicy(rawValue: text) else {
                throw policyNode.error(
                    "unknown verify.policy \"\(text)\"",
                    hint: "use \(VerifyPolicy.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            policy = value
        }
        if let timeoutNode = object["timeout"] {
            timeout = try timeoutNode.duration("verify.timeout")
            guard timeout > .zero, timeout <= .seconds(5) else {
                throw timeoutNode.error(
                    "verify.timeout must be above 0 and at most 5s",
                    hint: "it must fit well inside the webhook's deadline")
            }
        }
        guard policy != .none else { return }
        guard let factory else {
            throw node.error(
                "this build cannot verify mirrors", hint: "use policy: none, or a build with the registry module")
        }
        do {
            verifier = try factory(object)
        } catch let error as RuleFileError {
            throw error
        } catch {
            throw node.error("cannot set up verification: \(error)")
        }
    }
}
