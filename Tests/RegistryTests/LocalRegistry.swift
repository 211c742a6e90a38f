import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// A real distribution registry (Debian's `docker-registry`) on a loopback port, with its own storage, for one test.
///
/// Tests that need it fail with a message saying how to install it, rather than skipping silently.
final class LocalRegistry: @unchecked Sendable {
    enum Auth {
        case none
        case htpasswd(user: String, password: String)
        case token(realm: String, service: String, issuer: String, rootCertificatePEM: String)
    }

    let directory: URL
    let port: Int
    let process: Process
    let tls: Bool
    var host: String { "127.0.0.1:\(port)" }
    var base: String { "\(tls ? "https" : "http")://\(host)" }

    struct NotInstalled: Error, CustomStringConvertible {
        var description: String
    }

    static let binary = "/usr/bin/docker-registry"

    /// With `certificate`, the registry serves HTTPS with it (tls.crt/tls.key in that directory).
    init(auth: Auth = .none, certificateDirectory: String? = nil, port fixedPort: Int? = nil) async throws {
        tls = certificateDirectory != nil
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw NotInstalled(
                description: "\(Self.binary) is missing: run dev/install-deps.sh (Debian package docker-registry)")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("registry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("storage"), withIntermediateDirectories: true)
        port = try fixedPort ?? freeLoopbackPort()
        var authSection = ""
        switch auth {
        case .none: break
        case .htpasswd(let user, let password):
            let file = directory.appendingPathComponent("htpasswd").path
            try Self.writeHtpasswd(user: user, password: password, to: file)
            authSection = "auth:\n  htpasswd:\n    realm: test-realm\n    path: \(file)\n"
        case .token(let realm, let service, let issuer, let root):
            let file = directory.appendingPathComponent("token-root.pem").path
            try root.write(toFile: file, atomically: true, encoding: .utf8)
            authSection =
                "auth:\n  token:\n    realm: \(realm)\n    service: \(service)\n    issuer: \(issuer)\n    rootcertbundle: \(file)\n"
        }
        var tlsSection = ""
        if let certificateDirectory {
            tlsSection =
                "  tls:\n    certificate: \(certificateDirectory)/tls.crt\n    key: \(certificateDirectory)/tls.key\n"
        }
        let config = """
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: \(directory.appendingPathComponent("storage").path)
              maintenance:
                uploadpurging:
                  enabled: false
            http:
              addr: 127.0.0.1:\(port)
              secret: test-only-secret
            \(tlsSection)\(authSection)
            """
        let configPath = directory.appendingPathComponent("config.yml").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", configPath]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await waitUntilServing()
    }

    private func waitUntilServing() async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if !process.isRunning {
                throw NotInstalled(
                    description:
                        "docker-registry exited at start (status \(process.terminationStatus)); config in \(directory.path)"
                )
            }
            var request = HTTPClientRequest(url: "\(base)/v2/")
            request.method = .GET
            if tls {
                // Only probing that it listens; the tests themselves verify the certificate.
                var configuration = TLSConfiguration.makeClientConfiguration()
                configuration.certificateVerification = .none
                request.tlsConfiguration = configuration
            }
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(1)) {
                _ = try? await response.body.collect(upTo: 1 << 16)
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw NotInstalled(description: "docker-registry did not answer on \(base) within 20 s")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    static func writeHtpasswd(user: String, password: String, to path: String) throws {
        let htpasswd = Process()
        htpasswd.executableURL = URL(fileURLWithPath: "/usr/bin/htpasswd")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/htpasswd") else {
            throw NotInstalled(
                description: "/usr/bin/htpasswd is missing: run dev/install-deps.sh (Debian package apache2-utils)")
        }
        // The registry accepts bcrypt entries only.
        htpasswd.arguments = ["-Bbc", path, user, password]
        htpasswd.standardOutput = FileHandle.nullDevice
        htpasswd.standardError = FileHandle.nullDevice
        try htpasswd.run()
        htpasswd.waitUntilExit()
        guard htpasswd.terminationStatus == 0 else { throw NotInstalled(description: "htpasswd failed") }
    }
}

/// A port the kernel just handed out on 127.0.0.1 and that is free again.
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A loopback socket that accepts connections into its backlog and never answers: a registry that hangs.
final class BlackHole: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard listen(fd, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(fd) }
}
