import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import Testing

/// SIGTERM to the real `serve` process while admissions are in flight (issue #8): every accepted request is
/// answered, the listener refuses new connections, the process exits 0.
@Suite(.serialized) struct GracefulShutdownTests {
    @Test func sigtermDuringLoadFinishesInFlightRequestsAndExitsZero() async throws {
        // Each admission waits on a registry that never answers, so it is still in flight when SIGTERM arrives.
        let hole = try await SilentRegistry()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rules = try write(
            """
            apiVersion: k8s-image-replacer/v1
            kind: RuleSet
            stages:
              - name: pin
                matcher: digest
                options: {insecureRegistries: ["\(hole.host)"], timeout: 6s}
            """, to: directory, as: "rules.yaml")
        // A long reload interval: the wait between file checks must not hold the listener open after SIGTERM.
        let server = try ServeProcess(arguments: [
            "serve", "--dev", "--dev-cert-dir", directory.appendingPathComponent("certs").path, "--port", "0",
            "--probe-port", "0", "--rules", rules, "--log-format", "json", "--request-timeout", "10",
            "--reload-interval", "30",
        ])
        defer { server.kill() }
        let port = try await server.tlsPort(within: .seconds(30))
        let probePort = try await server.probePort(within: .seconds(5))
        try await withHTTPSClient(trusting: directory.appendingPathComponent("certs/ca.crt").path) { client in
            #expect(try await readyz(client, probePort) == (200, "ok\n"))

            let inFlight = 6
            let completed = NIOLockedValueBox(0)
            let requests = (0..<inFlight).map { index in
                Task { () throws -> (status: Int, body: String) in
                    var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)/mutate")
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(ByteBuffer(bytes: admissionReview(image: "\(hole.host)/team/app:v\(index)")))
                    let response = try await client.execute(request, timeout: .seconds(30))
                    let body = try await response.body.collect(upTo: 1 << 20)
                    completed.withLockedValue { $0 += 1 }
                    return (Int(response.status.code), String(buffer: body))
                }
            }
            try await waitUntil(.seconds(20)) { hole.requests.withLockedValue { $0 } >= inFlight }

            kill(server.process.processIdentifier, SIGTERM)
            try await waitUntil(.seconds(10)) { !canConnect(port: port) }
            // The listener closed first: the admissions, each waiting 6 s on the registry, are all still running.
            #expect(
                completed.withLockedValue { $0 } == 0,
                "new connections were accepted after SIGTERM until requests finished")
            // Still draining, and saying so: the probe port answers, readiness is off.
            #expect(try await readyz(client, probePort) == (503, "shutting down\n"))

            for request in requests {
                let answer = try await request.value
                #expect(answer.status == 200)
                #expect(answer.body.contains("\"allowed\":true"), "\(answer.body.prefix(300))")
            }
            #expect(await server.exit(within: .seconds(20)) == 0, "stderr: \(server.stderr.suffix(2000))")
        }
        await hole.stop()
    }

    /// `--shutdown-delay`: after SIGTERM readiness is off at once, but new connections are still served until the
    /// delay ends; then the process exits 0.
    @Test func aShutdownDelayKeepsServingNewConnectionsWhileNotReady() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServeProcess(arguments: [
            "serve", "--dev", "--dev-cert-dir", directory.appendingPathComponent("certs").path, "--port", "0",
            "--probe-port", "0", "--log-format", "json", "--shutdown-delay", "6",
        ])
        defer { server.kill() }
        let port = try await server.tlsPort(within: .seconds(30))
        let probePort = try await server.probePort(within: .seconds(5))
        try await withHTTPSClient(trusting: directory.appendingPathComponent("certs/ca.crt").path) { client in
            kill(server.process.processIdentifier, SIGTERM)
            try await waitUntil(.seconds(5)) { try await readyz(client, probePort).0 == 503 }
            // The client has not connected to the TLS port before: this is a new connection, after SIGTERM.
            let (status, body) = try await mutate(client, port, image: "nginx:1.27")
            #expect(status == 200)
            #expect(body.contains("\"allowed\":true"), "\(body.prefix(300))")
            #expect(server.process.isRunning, "the server stopped before its shutdown delay ended")

            #expect(await server.exit(within: .seconds(30)) == 0, "stderr: \(server.stderr.suffix(2000))")
            #expect(!canConnect(port: port))
        }
    }

    /// `serve` moves Swift concurrency onto the NIO event loops (main.swift) and says so in its `serving` line;
    /// K8S_IMAGE_REPLACER_EXECUTOR=dispatch keeps Dispatch's pool. Requests are answered either way.
    @Test(arguments: [("", "event-loops"), ("dispatch", "dispatch")])
    func servingLineNamesWhereHandlersRun(setting: String, expected: String) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServeProcess(
            arguments: [
                "serve", "--dev", "--dev-cert-dir", directory.appendingPathComponent("certs").path, "--port", "0",
                "--probe-port", "0", "--log-format", "json",
            ],
            environment: setting.isEmpty ? [:] : ["K8S_IMAGE_REPLACER_EXECUTOR": setting])
        defer { server.kill() }
        let port = try await server.tlsPort(within: .seconds(30))
        let serving = try #require(server.stderr.split(separator: "\n").first { $0.contains(#""msg":"serving""#) })
        #expect(serving.contains(#""executor":"\#(expected)""#), "\(serving)")
        try await withHTTPSClient(trusting: directory.appendingPathComponent("certs/ca.crt").path) { client in
            let (status, body) = try await mutate(client, port, image: "nginx:1.27")
            #expect(status == 200)
            #expect(body.contains("\"patch\""), "\(body.prefix(300))")
        }
        kill(server.process.processIdentifier, SIGTERM)
        #expect(await server.exit(within: .seconds(30)) == 0, "stderr: \(server.stderr.suffix(2000))")
    }

    /// POSTs a one-container Pod review for `image` to /mutate on `port`; the status and the body.
    func mutate(_ client: HTTPClient, _ port: Int, image: String) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)/mutate")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: admissionReview(image: image)))
        let response = try await client.execute(request, timeout: .seconds(5))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    func readyz(_ client: HTTPClient, _ port: Int) async throws -> (Int, String) {
        let response = try await client.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)/readyz"), timeout: .seconds(5))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 16)))
    }

    /// Runs `body` with a client that trusts `caPath` and shuts the client down however `body` ends: a client
    /// dropped without a shutdown traps in debug builds, which would turn a failed expectation into a crash.
    func withHTTPSClient<T>(trusting caPath: String, _ body: (HTTPClient) async throws -> T) async throws -> T {
        let client = try httpsClient(trusting: caPath)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func httpsClient(trusting caPath: String) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caPath))
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.httpVersion = .http1Only
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}

/// The built executable running `serve`, its standard error collected as it comes.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    private let output = NIOLockedValueBox(Data())

    init(arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = try executableURL()
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        let output = output
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            output.withLockedValue { $0.append(chunk) }
        }
        try process.run()
    }

    var stderr: String { String(decoding: output.withLockedValue { $0 }, as: UTF8.self) }

    /// The TLS port from the `serving` log line.
    func tlsPort(within timeout: Duration) async throws -> Int {
        try await port(#"https://127\.0\.0\.1:[0-9]+/mutate"#, within: timeout)
    }

    /// The probe port from the `serving` log line.
    func probePort(within timeout: Duration) async throws -> Int {
        try await port(#"http://127\.0\.0\.1:[0-9]+/readyz"#, within: timeout)
    }

    private func port(_ url: String, within timeout: Duration) async throws -> Int {
        var port: Int?
        try await waitUntil(timeout) {
            guard let range = stderr.range(of: url, options: .regularExpression) else {
                return !process.isRunning
            }
            port = Int(stderr[range].split(separator: ":").last?.split(separator: "/").first ?? "")
            return true
        }
        struct NotServing: Error, CustomStringConvertible { var description: String }
        guard let port else { throw NotServing(description: "serve exited: \(stderr.suffix(2000))") }
        return port
    }

    /// The exit status, or nil if the process is still running after `timeout`.
    func exit(within timeout: Duration) async -> Int32? {
        try? await waitUntil(timeout) { !process.isRunning }
        guard !process.isRunning else { return nil }
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    func kill() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// A registry that accepts connections, reads requests and never answers; counts the requests it swallowed.
final class SilentRegistry: @unchecked Sendable {
    let requests = NIOLockedValueBox(0)
    private let channel: any Channel
    var host: String { "127.0.0.1:\(channel.localAddress?.port ?? 0)" }

    init() async throws {
        let requests = requests
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Swallow(requests: requests))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func stop() async { try? await channel.close() }

    private final class Swallow: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let requests: NIOLockedValueBox<Int>
        init(requests: NIOLockedValueBox<Int>) { self.requests = requests }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            // One request per read is close enough: lookups are bodiless and small.
            if String(buffer: unwrapInboundIn(data)).contains("\r\n\r\n") { requests.withLockedValue { $0 += 1 } }
        }
    }
}

/// Polls `condition` until it holds, failing after `timeout`.
func waitUntil(_ timeout: Duration, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    struct TimedOut: Error {}
    throw TimedOut()
}

/// Whether a TCP connection to `port` on loopback is accepted now.
func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    } == 0
}

func admissionReview(image: String) -> [UInt8] {
    let body: [String: Any] = [
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": [
            "uid": "u-\(image.hashValue)", "kind": ["group": "", "version": "v1", "kind": "Pod"],
            "resource": ["group": "", "version": "v1", "resource": "pods"], "operation": "CREATE", "namespace": "x",
            "object": ["metadata": ["name": "p"], "spec": ["containers": [["name": "c", "image": image]]]],
        ] as [String: Any],
    ]
    return Array(try! JSONSerialization.data(withJSONObject: body))
}
