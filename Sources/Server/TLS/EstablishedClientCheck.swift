import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// Checks a client's certificate once more when a TLS handshake completes, and closes the connection if the
/// current client CA bundle no longer trusts it.
///
/// Why: a resumed TLS session (a session ticket or ID from an earlier connection) skips certificate verification,
/// so the verification callback never runs for it, and a client verified under a CA that has since been removed
/// from `--client-ca` could go on resuming for the lifetime of its ticket. After a full handshake the store
/// already knows the certificate (one lock and a lookup); only a resumed one is verified again. Until the
/// answer is in, the connection's first bytes and the handshake event are held, so nothing reaches the HTTP
/// handlers on a connection that may be refused.
final class EstablishedClientCheckHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case handshaking
        /// The handshake event and reads since, held while the certificate is verified again.
        case checking(held: [HeldInbound])
        case closing
    }

    private enum HeldInbound {
        case event(Any)
        case read(NIOAny)
        case readComplete
    }

    private let clientCA: ClientCAStore
    private let logger: Logger
    private var state = State.handshaking
    /// A read asked for while a check was pending: held too, so a client cannot pile up data meanwhile.
    private var readPending = false

    init(clientCA: ClientCAStore, logger: Logger) {
        self.clientCA = clientCA
        self.logger = logger
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch state {
        case .handshaking:
            guard case .handshakeCompleted = event as? TLSUserEvent else {
                return context.fireUserInboundEventTriggered(event)
            }
            check(context: context, handshakeEvent: event)
        case .checking(var held):
            held.append(.event(event))
            state = .checking(held: held)
        case .closing:
            break
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .handshaking: context.fireChannelRead(data)
        case .checking(var held):
            held.append(.read(data))
            state = .checking(held: held)
        case .closing: break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        switch state {
        case .handshaking: context.fireChannelReadComplete()
        case .checking(var held):
            held.append(.readComplete)
            state = .checking(held: held)
        case .closing: break
        }
    }

    func read(context: ChannelHandlerContext) {
        guard case .checking = state else { return context.read() }
        readPending = true
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Gone while (or before) its certificate was looked at: nothing held is worth delivering.
        if case .checking = state { state = .closing }
        context.fireChannelInactive()
    }

    private func check(context: ChannelHandlerContext, handshakeEvent: Any) {
        let leaf = (try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self))?.peerCertificate
        guard let leaf else {
            // A client certificate is required; BoringSSL enforces it on full handshakes, and a resumed session
            // keeps the one it was made with. Without one there is nothing to trust.
            return refuse(context: context, reason: "no client certificate on the completed handshake")
        }
        if let bytes = try? leaf.toDERBytes(), clientCA.verifiedUnderCurrentBundle(bytes) {
            context.fireUserInboundEventTriggered(handshakeEvent)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        state = .checking(held: [.event(handshakeEvent)])
        let clientCA = self.clientCA
        context.eventLoop.makeFutureWithTask { await clientCA.admitsEstablishedConnection(presenting: leaf) }
            .assumeIsolated()
            .whenComplete { result in
                guard case .checking = self.state else { return }  // the connection went away meanwhile
                if case .success(true) = result {
                    self.release(context: context)
                } else {
                    self.refuse(
                        context: context,
                        reason:
                            "the client certificate of a resumed TLS session is not trusted by the current client CA bundle"
                    )
                }
            }
    }

    private func release(context: ChannelHandlerContext) {
        guard case .checking(let held) = state else { return }
        state = .handshaking
        for item in held {
            switch item {
            case .event(let event): context.fireUserInboundEventTriggered(event)
            case .read(let data): context.fireChannelRead(data)
            case .readComplete: context.fireChannelReadComplete()
            }
        }
        if readPending {
            readPending = false
            context.read()
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func refuse(context: ChannelHandlerContext, reason: String) {
        state = .closing
        logger.warning(
            "TLS connection closed",
            metadata: ["reason": "\(reason)", "peer": "\(context.remoteAddress.map { "\($0)" } ?? "?")"])
        context.close(promise: nil)
    }
}
