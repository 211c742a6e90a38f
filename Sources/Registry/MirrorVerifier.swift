import Foundation
import NIOCore
import NIOSSL
import ReplacerCore

/// The `ImageVerifier` behind a stage's `verify:` section: checks candidates against their registries, behind
/// the process-wide `RegistryHealth` breakers and a cache of manifest checks shared by concurrent admissions.
public final class MirrorVerifier: ImageVerifier {
    let client: RegistryClient
    let health: RegistryHealth
    /// Manifest checks by `host/repository:reference`: positive answers for long, negative ones briefly.
    let manifests: DigestCache

    public init(
        client: RegistryClient, health: RegistryHealth, positiveTTL: Duration = .seconds(600),
        negativeTTL: Duration = .seconds(30)
    ) {
        self.client = client
        self.health = health
        self.manifests = DigestCache(ttl: positiveTTL, failureTTL: negativeTTL, capacity: 20_000)
    }

    /// A factory for `RuleSetLoader.verifierFactory`: decodes a `verify:` section's registry settings
    /// (`insecureRegistries`, `caBundles`, `dockerConfig`) and shares `health` among all stages and reloads.
    public static func factory(health: RegistryHealth) -> ImageVerifierFactory {
        { options in
            var configuration = RegistryClient.Configuration()
            if let node = options["insecureRegistries"] {
                configuration.insecureRegistries = Set(try node.stringList("insecureRegistries"))
            }
            if let node = options["caBundles"] {
                for entry in try node.entries("caBundles") {
                    let path = try entry.value.string("a CA bundle path")
                    do { configuration.trustRoots[entry.key] = try NIOSSLCertificate.fromPEMFile(path) } catch {
                        throw entry.value.error("cannot read a PEM CA bundle from \(path)")
                    }
                }
            }
            if let node = options["dockerConfig"] {
                let path = try node.string("dockerConfig")
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw node.error(
                        "cannot read docker config \(path)", hint: "mount the pull secret and give its path")
                }
                do { configuration.credentials = try RegistryCredentials(dockerConfig: data) } catch {
                    throw node.error("\(path): \(error)")
                }
            }
            return MirrorVerifier(client: RegistryClient(configuration: configuration), health: health)
        }
    }

    public func verify(_ candidate: ImageReference, policy: VerifyPolicy, deadline: ContinuousClock.Instant) async
        -> VerificationVerdict
    {
        let host = candidate.domain
        guard !host.isEmpty || policy == .none else {
            // `foo_bar.com/x` normalizes with no domain (its first component is no valid host): nothing to ask.
            return VerificationVerdict(passed: false, source: .live, detail: "\(candidate.name) names no registry host")
        }
        let client = self.client
        health.register(host) { deadline in (try? await client.ping(host: host, deadline: deadline)) != nil }
        switch policy {
        case .none:
            return VerificationVerdict(passed: true, source: .live, detail: "not verified")
        case .reachable:
            if let probed = health.probed(host), health.state(of: host) == .closed {
                return VerificationVerdict(
                    passed: probed, source: .probe,
                    detail: probed ? "\(host) answered the last probe" : "\(host) failed the last probe")
            }
            guard health.admit(host) else { return breakerOpen(host) }
            do {
                try await client.ping(host: host, deadline: Self.nioDeadline(deadline))
                health.record(host, success: true)
                return VerificationVerdict(passed: true, source: .live, detail: "\(host)/v2/ answered")
            } catch {
                health.record(host, success: !error.isHostFailure, timedOut: error.isTimeout)
                return VerificationVerdict(passed: false, source: .live, detail: error.description)
            }
        case .manifest:
            let reference = candidate.digest ?? candidate.tag ?? "latest"
            let key = "\(host)/\(candidate.path):\(reference)"
            guard health.admit(host) else { return breakerOpen(host) }
            let (path, nioDeadline) = (candidate.path, Self.nioDeadline(deadline))
            let (result, origin) = await manifests.value(for: key) {
                do throws(RegistryError) {
                    return .success(
                        try await client.resolveDigest(
                            host: host, repository: path, tag: reference, deadline: nioDeadline))
                } catch {
                    return .failure(error)
                }
            }
            let source: VerificationVerdict.Source = origin == .hit ? .cache : .live
            switch result {
            case .success(let digest):
                if origin == .hit { health.release(host) } else { health.record(host, success: true) }
                return VerificationVerdict(passed: true, source: source, detail: "\(key) is served (\(digest))")
            case .failure(let error):
                if origin == .hit {
                    health.release(host)
                } else {
                    health.record(host, success: !error.isHostFailure, timedOut: error.isTimeout)
                }
                return VerificationVerdict(passed: false, source: source, detail: error.description)
            }
        }
    }

    private func breakerOpen(_ host: String) -> VerificationVerdict {
        VerificationVerdict(passed: false, source: .breaker, detail: "\(host) is failing; its circuit breaker is open")
    }

    static func nioDeadline(_ instant: ContinuousClock.Instant) -> NIODeadline {
        let remaining = instant - .now
        let (seconds, attoseconds) = remaining.components
        return .now() + .nanoseconds(max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }
}
