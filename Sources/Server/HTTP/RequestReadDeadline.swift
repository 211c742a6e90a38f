import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Closes a connection (HTTP/1.1) or stream (HTTP/2) whose request is not fully received within `timeout` of its
/// head.
///
/// The idle timeout is reset by every byte, so a client trickling its body one byte at a time would otherwise hold
/// a connection and a handler task for as long as it likes; the admission deadline only starts once the body is
/// in. The API server sends a review in one go, so a request that takes seconds to arrive is not from it.
///
/// At most one timer per connection, armed lazily: a head starts the clock, and the timer, when it fires, closes
/// the connection only if the request it finds in progress started `timeout` ago or earlier; otherwise it re-arms
/// for what that request has left, or stops when none is in progress (the next head arms it again). Scheduling and
/// cancelling a timer for every request was ≈ 2 % of the server's CPU under load, for a check that almost never
/// fires.
final class RequestReadDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    /// When the head of the request now being received arrived; nil between requests.
    private var started: NIODeadline?
    private var timer: Scheduled<Void>?

    init(timeout: Duration) {
        self.timeout = .nanoseconds(timeout.nanoseconds)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            started = .now()
            if timer == nil { arm(context, in: timeout) }
        case .end:
            started = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    private func arm(_ context: ChannelHandlerContext, in delay: TimeAmount) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            let (handler, context) = loopBound.value
            handler.check(context)
        }
    }

    private func check(_ context: ChannelHandlerContext) {
        timer = nil
        guard let started else { return }
        let left = started + timeout - .now()
        if left > .zero {
            arm(context, in: left)
        } else {
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }
}
