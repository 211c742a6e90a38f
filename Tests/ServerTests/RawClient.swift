import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// A misbehaving client: a raw TCP connection, optionally wrapped in TLS, that writes exactly the bytes a test
/// gives it, when the test says, and records what comes back and when the server closed the connection.
///
/// AsyncHTTPClient is too well-behaved for this: it always finishes handshakes, sends whole requests and retries.
final class RawClient: @unchecked Sendable {
    let channel: any Channel
    private let received: NIOLockedValueBox<[UInt8]>

    /// Connects to `port` on loopback; with `trusting`, completes a TLS handshake (verifying the server against
    /// that CA) before returning.
    init(port: Int, trusting caPEM: String? = nil) async throws {
        let received = NIOLockedValueBox<[UInt8]>([])
        self.received = received
        let sslContext: NIOSSLContext?
        if let caPEM {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
            tls.applicationProtocols = ["http/1.1"]
            sslContext = try NIOSSLContext(configuration: tls)
        } else {
            sslContext = nil
        }
        let handshake = NIOLockedValueBox<EventLoopPromise<Void>?>(nil)
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        let promise = channel.eventLoop.makePromise(of: Void.self)
                        handshake.withLockedValue { $0 = promise }
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: sslContext, serverHostname: "localhost"))
                        try channel.pipeline.syncOperations.addHandler(HandshakeWatcher(promise: promise))
                    }
                    try channel.pipeline.syncOperations.addHandler(Recorder(received: received))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        if let promise = handshake.withLockedValue({ $0 }) {
            try await promise.futureResult.get()
        }
    }

    /// Writes `bytes` and waits until they are handed to the kernel.
    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    /// Everything received so far, as text.
    var text: String { String(decoding: received.withLockedValue { $0 }, as: UTF8.self) }

    var isOpen: Bool { channel.isActive }

    /// Waits until the server has closed the connection; false if it is still open after `timeout`.
    func closedByPeer(within timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !channel.isActive { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return !channel.isActive
    }

    /// Waits until the received text contains `marker`; false after `timeout`.
    func received(_ marker: String, within timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if text.contains(marker) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return text.contains(marker)
    }

    func close() async {
        try? await channel.close()
    }

    private final class Recorder: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: NIOLockedValueBox<[UInt8]>
        init(received: NIOLockedValueBox<[UInt8]>) { self.received = received }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.withLockedValue { $0.append(contentsOf: buffer.readableBytesView) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    private final class HandshakeWatcher: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer
        let promise: EventLoopPromise<Void>
        init(promise: EventLoopPromise<Void>) { self.promise = promise }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .handshakeCompleted = event as? TLSUserEvent { promise.succeed(()) }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.fireErrorCaught(error)
        }

        func channelInactive(context: ChannelHandlerContext) {
            struct ClosedDuringHandshake: Error {}
            promise.fail(ClosedDuringHandshake())
            context.fireChannelInactive()
        }
    }
}

/// An HTTP/1.1 request head for `POST path` with a JSON body of `length` bytes.
func postHead(_ path: String, length: Int) -> String {
    "POST \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(length)\r\n\r\n"
}
