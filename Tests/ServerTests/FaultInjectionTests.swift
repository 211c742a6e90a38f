import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import ReplacerCore
import Testing

@testable import ReplacerServer

/// Faults injected into a real server on loopback (issue #8): rule and certificate files broken mid-run, and
/// clients that stall, trickle, flood or vanish. Every test keeps ordinary traffic flowing through the fault and
/// asserts that none of it failed.
@Suite(.serialized) struct FaultInjectionTests {
    /// Sends admission reviews one after another until stopped; the result counts answers other than a 200
    /// carrying the expected patch prefix.
    final class SteadyLoad: Sendable {
        private let stopped = NIOLockedValueBox(false)
        private let task: Task<(sent: Int, failures: [String]), Never>

        init(_ server: LiveServer, expecting prefix: @escaping @Sendable () -> String = { "mirror" }) throws {
            let client = try server.client(http2: false)
            let stopped = stopped
            task = Task {
                var sent = 0
                var failures: [String] = []
                while !stopped.withLockedValue({ $0 }) || sent == 0 {
                    sent += 1
                    do {
                        let response = try await server.post(client, "/mutate", review(pod(containers: ["nginx"])))
                        let image = try decodeAnswer(response.body).patch?.first?["value"] as? String ?? ""
                        if response.status != 200 || !image.hasPrefix(prefix()) {
                            failures.append("\(response.status) \(image)")
                        }
                    } catch {
                        failures.append("\(error)")
                    }
                }
                try? await client.shutdown()
                return (sent, failures)
            }
        }

        func stop() async -> (sent: Int, failures: [String]) {
            stopped.withLockedValue { $0 = true }
            return await task.value
        }
    }

    // MARK: Rule file

    /// A rule file cut short in place (a non-atomic writer, a full disk) is rejected: the last good rules stay in
    /// force, readiness holds, the failure is counted, and no request fails meanwhile. A cut that happens to fall
    /// on a stage boundary leaves a valid, shorter file; that is indistinguishable from an edit and is loaded.
    @Test func truncatedRuleFileKeepsTheLastGoodRules() async throws {
        try await withServer { server in
            let load = try SteadyLoad(server) { "mirror.corp/hub/" }
            let failuresBefore = try await reloadFailures(server)
            let cut = try #require(serverRules.range(of: "matcher: pre")).upperBound
            for length in [serverRules.utf8.distance(from: serverRules.startIndex, to: cut), 0] {
                // Truncate the file the symlink points at, as `>` or a crashed writer would.
                let target = server.directory.appendingPathComponent("..data/rules.yaml").path
                let handle = try #require(FileHandle(forWritingAtPath: target))
                try handle.truncate(atOffset: UInt64(length))
                try handle.close()
                let expected = failuresBefore + (length == 0 ? 2 : 1)
                try await waitFor { try await reloadFailures(server) >= expected }
                #expect(server.rules.current.generation == 1, "a truncated file never replaces the rules")
                #expect(try await server.probe("/readyz").status == 200)
            }
            let result = await load.stop()
            #expect(result.failures.isEmpty, "\(result.failures)")
            #expect(result.sent > 0)

            try server.swapRules(serverRules.replacingOccurrences(of: "mirror.corp/hub", with: "mirror3.corp/hub"))
            try await waitFor { server.rules.current.generation == 2 }
            try await expectRewrite(server, to: "mirror3.corp/hub/library/nginx")
        }
    }

    /// A deleted rule file leaves the rules in force, counts one failure, keeps readiness; the file coming back is
    /// loaded.
    @Test func deletedRuleFileKeepsTheLastGoodRulesUntilItReturns() async throws {
        try await withServer { server in
            let load = try SteadyLoad(server) { "mirror.corp/hub/" }
            let failuresBefore = try await reloadFailures(server)
            try FileManager.default.removeItem(atPath: server.rulesPath)
            try await waitFor { try await reloadFailures(server) >= failuresBefore + 1 }
            // Several more reload intervals with the file gone: still the same rules, still ready.
            try await Task.sleep(for: .milliseconds(300))
            #expect(server.rules.current.generation == 1)
            #expect(try await server.probe("/readyz").status == 200)
            let result = await load.stop()
            #expect(result.failures.isEmpty, "\(result.failures)")

            try server.swapRules(serverRules.replacingOccurrences(of: "mirror.corp/hub", with: "mirror4.corp/hub"))
            try await waitFor { server.rules.current.generation == 2 }
            try await expectRewrite(server, to: "mirror4.corp/hub/library/nginx")
        }
    }

    // MARK: Certificate

    /// A certificate file replaced by garbage, or by a valid certificate that does not match the key: the old
    /// certificate keeps serving both the connection opened before and new ones, and the failure is counted.
    @Test func invalidCertificateKeepsTheOldOneServing() async throws {
        try await withServer { server in
            let original = try NIOSSLCertificate.fromPEMBytes(Array(server.certificates.certificatePEM.utf8))[0]
            let before = try await RawClient(port: server.tlsPort, trusting: server.certificates.caCertificatePEM)
            #expect(try await before.channel.nioSSL_peerCertificate().get() == original)
            let stranger = try DevelopmentCertificates(
                commonName: "stranger", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
            let certificatePath = server.directory.appendingPathComponent("tls/tls.crt").path
            for replacement in [
                "-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n", stranger.certificatePEM,
            ] {
                let failuresBefore = try await certificateFailures(server)
                try replacement.write(toFile: certificatePath, atomically: true, encoding: .utf8)
                try await waitFor { try await certificateFailures(server) > failuresBefore }

                let fresh = try await RawClient(port: server.tlsPort, trusting: server.certificates.caCertificatePEM)
                #expect(
                    try await fresh.channel.nioSSL_peerCertificate().get() == original,
                    "new connections get the old certificate")
                await fresh.close()
            }
            let body = Array(review(pod(containers: ["nginx"])))
            try await before.send(postHead("/mutate", length: body.count))
            try await before.send(body)
            #expect(
                await before.received(#""allowed":true"#, within: .seconds(10)),
                "the connection from before still works")
            #expect(before.text.hasPrefix("HTTP/1.1 200"), "\(before.text.prefix(300))")
            await before.close()
        }
    }

    // MARK: Clients

    /// Connections that never start TLS, stop half-way through the handshake, or finish it and then say nothing
    /// do not hold up anyone else, and are closed: the first two by the handshake timeout, the last by the idle
    /// timeout.
    @Test func stalledConnectionsAreClosedAndOthersServed() async throws {
        let configure: (inout WebhookServer.Configuration) -> Void = {
            // Long enough for a debug-build handshake on a loaded machine; the test's own clients must get through.
            $0.handshakeTimeout = .seconds(2)
            $0.idleTimeout = .seconds(1)
        }
        try await withServer(configure: configure) { server in
            let silent = try await RawClient(port: server.tlsPort)
            let halfHandshake = try await RawClient(port: server.tlsPort)
            // A TLS record header announcing a ClientHello that never comes.
            try await halfHandshake.send([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
            let quietAfterTLS = try await RawClient(
                port: server.tlsPort, trusting: server.certificates.caCertificatePEM)

            try await expectRewrite(server, to: "mirror.corp/hub/library/nginx")
            for (name, client) in [
                ("silent", silent), ("half handshake", halfHandshake), ("quiet after TLS", quietAfterTLS),
            ] {
                #expect(await client.closedByPeer(within: .seconds(10)), "\(name) connection still open")
            }
            try await expectRewrite(server, to: "mirror.corp/hub/library/nginx")
        }
    }

    /// A body sent slower than the read timeout: other clients are served meanwhile, the slow request is cut off
    /// (its connection closed) long before it would finish.
    @Test func bodySentTooSlowlyIsCutOff() async throws {
        let configure: (inout WebhookServer.Configuration) -> Void = { $0.requestReadTimeout = .seconds(1) }
        try await withServer(configure: configure) { server in
            let slow = try await RawClient(port: server.tlsPort, trusting: server.certificates.caCertificatePEM)
            let body = Array(review(pod(containers: ["nginx"])))
            try await slow.send(postHead("/mutate", length: body.count))
            // One byte every 50 ms: the whole body would take minutes, and each byte resets the idle timer.
            let trickle = Task {
                for byte in body {
                    if Task.isCancelled || !slow.isOpen { return }
                    try? await slow.send([byte])
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
            let load = try SteadyLoad(server)
            #expect(await slow.closedByPeer(within: .seconds(10)), "the trickling request is still being read")
            trickle.cancel()
            let result = await load.stop()
            #expect(result.failures.isEmpty, "\(result.failures)")
            #expect(!slow.text.contains("\"allowed\""), "a request that never arrived is never answered as admitted")
        }
    }

    /// A head sent slower than the read timeout is cut off too, not only after the idle timeout (a minute): the
    /// clock starts at the request's first byte.
    @Test func headSentTooSlowlyIsCutOff() async throws {
        let configure: (inout WebhookServer.Configuration) -> Void = { $0.requestReadTimeout = .seconds(1) }
        try await withServer(configure: configure) { server in
            let slow = try await RawClient(port: server.tlsPort, trusting: server.certificates.caCertificatePEM)
            let head = Array(postHead("/mutate", length: 100).utf8)
            let trickle = Task {
                for byte in head {
                    if Task.isCancelled || !slow.isOpen { return }
                    try? await slow.send([byte])
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(await slow.closedByPeer(within: .seconds(8)), "the trickling head is still being read")
            trickle.cancel()
            // Between requests a kept-alive connection may stay quiet for longer than the read timeout, also after
            // an empty line (allowed before a request line, and no request of its own).
            let quiet = try await RawClient(port: server.tlsPort, trusting: server.certificates.caCertificatePEM)
            for uid in ["q1", "q2"] {
                try await Task.sleep(for: .milliseconds(2_500))
                #expect(quiet.isOpen, "a quiet connection was closed by the read deadline, not the idle timeout")
                let body = Array(review(pod(containers: ["nginx"]), uid: uid))
                try await quiet.send(Array(postHead("/mutate", length: body.count).utf8) + body)
                #expect(await quiet.received("\"uid\":\"\(uid)\"", within: .seconds(5)))
                try await quiet.send("\r\n")
            }
        }
    }

    /// The read deadline is per request, not per connection: a kept-alive connection whose requests each arrive
    /// at once keeps being served for longer than the timeout, a request that is in progress when an earlier
    /// request's timer fires gets its own full time, and a later request that never completes is still cut off.
    @Test func theReadDeadlineFollowsEachRequestOnAKeptAliveConnection() async throws {
        // A 2 s deadline, so that the steps below keep 0.6 s or more from every edge on a loaded machine.
        let configure: (inout WebhookServer.Configuration) -> Void = { $0.requestReadTimeout = .seconds(2) }
        try await withServer(configure: configure) { server in
            let client = try await RawClient(port: server.tlsPort, trusting: server.certificates.caCertificatePEM)
            let body = Array(review(pod(containers: ["nginx"])))
            let head = Array(postHead("/mutate", length: body.count).utf8)
            let answered = { client.text.components(separatedBy: "HTTP/1.1 200").count - 1 }
            // Back-to-back requests for 3 s, longer than the deadline.
            let start = ContinuousClock.now
            var sent = 0
            while ContinuousClock.now - start < .seconds(3) {
                try await client.send(head + body)
                sent += 1
                try await waitFor(timeout: .seconds(5)) { answered() == sent }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(client.isOpen, "a connection whose requests each arrived at once was closed")

            // Idle past the deadline, so the timer finds no request and stops. Request A arms it (fires at 2 s);
            // request B starts at 1.4 s and completes at 2.6 s, within its own deadline (3.4 s): answered.
            try await Task.sleep(for: .seconds(3))
            try await client.send(head + body)
            sent += 1
            try await waitFor(timeout: .seconds(5)) { answered() == sent }
            try await Task.sleep(for: .milliseconds(1400))
            try await client.send(head + body.prefix(body.count / 2))
            try await Task.sleep(for: .milliseconds(1200))
            try await client.send(Array(body.dropFirst(body.count / 2)))
            sent += 1
            try await waitFor(timeout: .seconds(5)) { answered() == sent }
            #expect(client.isOpen, "a request still within its own deadline was cut off by an earlier request's timer")

            // Idle past the deadline again, then a request that never completes.
            try await Task.sleep(for: .seconds(3))
            let headSent = ContinuousClock.now
            try await client.send(head + body.prefix(10))
            #expect(
                await client.closedByPeer(within: .seconds(10)),
                "the incomplete request on a reused connection was not cut off")
            #expect(ContinuousClock.now - headSent >= .milliseconds(1900), "cut off before its own deadline")
            #expect(answered() == sent)
        }
    }

    /// 100 MB against a 1 MiB limit: 413 arrives while the client is still uploading, so the server never waits
    /// for (or holds) the whole body.
    @Test func hundredMegabyteBodyGets413BeforeTheUploadEnds() async throws {
        try await withServer { server in
            let flood = try await RawClient(port: server.tlsPort, trusting: server.certificates.caCertificatePEM)
            let total = 100 << 20
            let sent = NIOLockedValueBox(0)
            try await flood.send(postHead("/mutate", length: total))
            let upload = Task {
                let chunk = [UInt8](repeating: UInt8(ascii: " "), count: 64 << 10)
                while sent.withLockedValue({ $0 }) < total, flood.isOpen, !Task.isCancelled {
                    do { try await flood.send(chunk) } catch { return }
                    sent.withLockedValue { $0 += chunk.count }
                }
            }
            #expect(await flood.received("HTTP/1.1 413", within: .seconds(30)), "got: \(flood.text.prefix(200))")
            let uploadedWhenAnswered = sent.withLockedValue { $0 }
            #expect(uploadedWhenAnswered < total, "the answer came only after all 100 MB")
            upload.cancel()
            await flood.close()
            _ = await upload.value
            try await expectRewrite(server, to: "mirror.corp/hub/library/nginx")
        }
    }

    /// Clients that send the head and half the body and then disconnect, over and over, while others are served:
    /// nobody else fails and the server stays ready.
    @Test func clientsDroppingMidRequestLeaveTheServerHealthy() async throws {
        try await withServer { server in
            let load = try SteadyLoad(server)
            let body = Array(review(pod(containers: ["nginx"])))
            for round in 0..<30 {
                let client = try await RawClient(port: server.tlsPort, trusting: server.certificates.caCertificatePEM)
                try await client.send(postHead(round % 2 == 0 ? "/mutate" : "/explain", length: body.count))
                try await client.send(Array(body.prefix(body.count / 2)))
                await client.close()
            }
            let result = await load.stop()
            #expect(result.failures.isEmpty, "\(result.failures)")
            #expect(try await server.probe("/readyz").status == 200)
            try await expectRewrite(server, to: "mirror.corp/hub/library/nginx")
        }
    }

    // MARK: Helpers

    func expectRewrite(
        _ server: LiveServer, to image: String, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) async throws {
        let client = try server.client()
        defer { Task { try? await client.shutdown() } }
        let response = try await server.post(client, "/mutate", review(pod(containers: ["nginx"])))
        #expect(response.status == 200, sourceLocation: sourceLocation)
        #expect(
            try decodeAnswer(response.body).patch?.first?["value"] as? String == image, sourceLocation: sourceLocation)
    }

    func reloadFailures(_ server: LiveServer) async throws -> Double {
        metricValue(
            try await server.probe("/metrics").body, #"k8s_image_replacer_reloads_total{file="rules",result="failure"}"#
        )
    }

    func certificateFailures(_ server: LiveServer) async throws -> Double {
        metricValue(
            try await server.probe("/metrics").body,
            #"k8s_image_replacer_reloads_total{file="certificate",result="failure"}"#)
    }
}

/// The value of one series in Prometheus text format; 0 when absent. Metrics are process-wide, so tests compare
/// against a value read before the fault rather than expecting an absolute count.
func metricValue(_ text: String, _ series: String) -> Double {
    for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.split(separator: " ").last ?? "") ?? 0
    }
    return 0
}
