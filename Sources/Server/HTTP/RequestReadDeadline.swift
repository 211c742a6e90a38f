import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Closes a connection (HTTP/1.1) or stream (HTTP/2) whose request is not fully received within `timeout` of its
/// start: its first byte on an HTTP/1.1 connection (told by `RequestFirstByteObserver`), its head otherwise.
///
/// Hummingbird's idle timer runs from one response to the next request's head, and nothing bounds a request once
/// that head is in, so a client trickling its head or body one byte at a time would otherwise hold a connection
/// and a handler task for a minute or for as long as it likes; the admission deadline only starts once the body
/// is in. The API server sends a review in one go, so a request that takes seconds to arrive is not from it.
///
/// Hummingbird decodes without pipelining assistance: every byte read is decoded at once and a request's `.end`
/// reaches this handler as soon as its last byte is read, so the clock measures arrival only, never time spent
/// waiting behind an earlier request's answer. One gap stays: bytes of a next head that come in the same read as
/// the end of the request before them are held by the decoder without starting the clock (nothing here sees
/// them), so such a head is bounded by the idle timeout.
///
/// At most one timer per connection, armed lazily: a request's start starts the clock, and the timer, when it
/// fires, closes the connection only if the request it finds in progress started `timeout` ago or earlier;
/// otherwise it re-arms for what that request has left, or stops when none is in progress (the next request arms
/// it again). Scheduling and cancelling a timer for every request was ≈ 2 % of the server's CPU under load, for a
/// check that almost never fires.
final class RequestReadDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    /// When the request now being received started; nil between requests.
    private var started: NIODeadline?
    private var timer: Scheduled<Void>?
    /// This handler's context, for timers started by `requestStarted`; nil once removed.
    private var context: ChannelHandlerContext?

    init(timeout: Duration) {
        self.timeout = .nanoseconds(timeout.nanoseconds)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // HTTP/1.1: the observer before the decoder sits in this same pipeline. An HTTP/2 stream has a pipeline of
        // its own: skip the lookup there rather than fail it for every stream. A connection's parent is the
        // listening channel, which has none; a stream's parent is its connection.
        if context.channel.parent?.parent == nil,
            let observer = try? context.pipeline.syncOperations.handler(type: RequestFirstByteObserver.self)
        {
            observer.deadline = self
        }
    }

    /// Whether no request is being received, so that bytes arriving now start one.
    var isBetweenRequests: Bool { started == nil }

    /// A request's first bytes arrived, before the HTTP decoder has made a head of them.
    func requestStarted() {
        guard started == nil, let context else { return }
        started = .now()
        if timer == nil { arm(context, in: timeout) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            if started == nil { started = .now() }
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
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }
}

/// Tells an HTTP/1.1 connection's `RequestReadDeadline` when bytes arrive, before the HTTP decoder has made a head
/// of them, so that a head trickled in byte by byte is cut off like a trickled body.
///
/// Sits right after the TLS handler, for every connection; the deadline handler finds it when HTTP/1.1 is set up.
/// On HTTP/2 connections nobody does (each request is a stream with a deadline of its own, from its head) and it
/// only passes bytes on.
final class RequestFirstByteObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Weak: the pipeline owns both handlers.
    weak var deadline: RequestReadDeadline?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Between requests, bytes start the next one; but empty lines before a request line are allowed (RFC 9112
        // §2.2) and skipped by the decoder, and must not start a clock nothing would stop.
        if let deadline, deadline.isBetweenRequests,
            !unwrapInboundIn(data).readableBytesView.allSatisfy({ $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }
            )
        {
            deadline.requestStarted()
        }
        context.fireChannelRead(data)
    }
}
