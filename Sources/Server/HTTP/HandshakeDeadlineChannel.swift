import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// The TLS port's child channel: Hummingbird's HTTP/1.1-or-HTTP/2 channel, plus a deadline on the TLS handshake,
/// the observer that starts an HTTP/1.1 request's read deadline at its first byte (`RequestFirstByteObserver`),
/// and, with `--client-ca`, a second look at the client's certificate once the handshake is done.
///
/// Hummingbird's idle timeout starts only once the handshake has negotiated a protocol, so without the deadline a
/// client that connects and sends nothing (or stops half-way through the handshake) holds its connection forever,
/// and graceful shutdown, which waits for every open connection, never finishes. The second look is for resumed
/// TLS sessions, which skip certificate verification (see `EstablishedClientCheckHandler`).
struct HandshakeDeadlineChannel: ServerChildChannel {
    typealias Value = HTTP2UpgradeChannel.Value

    let upgrade: HTTP2UpgradeChannel
    let timeout: Duration
    var clientCA: ClientCAStore? = nil

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        upgrade.setup(channel: channel, logger: logger).flatMapThrowing { value in
            // After the TLS handler, where its handshake-completed event passes by; the certificate check first,
            // so that it holds that event (and the first reads) back from everything after it until it is done.
            let tls = try channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self)
            // Each is added right after TLS, so the last added comes first: check, deadline, observer, then HTTP.
            try channel.pipeline.syncOperations.addHandler(RequestFirstByteObserver(), position: .after(tls))
            try channel.pipeline.syncOperations.addHandler(
                HandshakeDeadlineHandler(timeout: .nanoseconds(timeout.nanoseconds)), position: .after(tls))
            if let clientCA {
                try channel.pipeline.syncOperations.addHandler(
                    EstablishedClientCheckHandler(clientCA: clientCA, logger: logger), position: .after(tls))
            }
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await upgrade.handle(value: value, logger: logger)
    }
}

/// Closes the connection unless the TLS handshake completes within `timeout` of the handler being added; removes
/// itself once it has.
final class HandshakeDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            loopBound.value.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            timer?.cancel()
            timer = nil
            context.fireUserInboundEventTriggered(event)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
