import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A registry that answers however the test scripts it, down to the byte: wrong digests, server errors, answers
/// dribbled out one byte at a time. The real registry (`LocalRegistry`) cannot misbehave on demand.
///
/// Speaks just enough HTTP/1.1 for manifest lookups: bodiless requests, keep-alive, Content-Length answers.
final class ScriptedRegistry: @unchecked Sendable {
    struct Reply: Sendable {
        var status: Int
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        var pace: Pace = .atOnce
    }

    enum Pace: Sendable {
        case atOnce
        /// Every byte of the answer, head included, `interval` apart.
        case wholeAnswer(byteEvery: Duration)
        /// The head at once, then the body one byte every `interval`.
        case bodyOnly(byteEvery: Duration)
    }

    /// Request lines received (`HEAD /v2/a/b/manifests/1`), in order.
    let requests = NIOLockedValueBox<[String]>([])
    private let channel: any Channel
    var host: String { "127.0.0.1:\(channel.localAddress?.port ?? 0)" }

    init(_ reply: @escaping @Sendable (_ method: String, _ path: String) -> Reply) async throws {
        let requests = requests
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(reply: reply, requests: requests))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func stop() async {
        try? await channel.close()
    }

    /// A small valid image manifest and its digest.
    static func manifest(salt: String = "scripted") -> (body: [UInt8], digest: String) {
        let text =
            #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:\#(String(repeating: "a", count: 64))","size":2},"layers":[],"annotations":{"salt":"\#(salt)"}}"#
        let body = Array(text.utf8)
        return (body, digest(body))
    }

    static func digest(_ bytes: [UInt8]) -> String {
        "sha256:" + SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let reply: @Sendable (String, String) -> Reply
        let requests: NIOLockedValueBox<[String]>
        var pending: [UInt8] = []

        init(reply: @escaping @Sendable (String, String) -> Reply, requests: NIOLockedValueBox<[String]>) {
            self.reply = reply
            self.requests = requests
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            pending.append(contentsOf: unwrapInboundIn(data).readableBytesView)
            while let end = headEnd() {
                let head = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeFirst(end + 4)
                let parts = head.split(separator: "\r\n").first?.split(separator: " ") ?? []
                guard parts.count >= 2 else {
                    context.close(promise: nil)
                    return
                }
                let (method, path) = (String(parts[0]), String(parts[1]))
                requests.withLockedValue { $0.append("\(method) \(path)") }
                send(reply(method, path), method: method, on: context.channel)
            }
        }

        private func headEnd() -> Int? {
            guard pending.count >= 4 else { return nil }
            for index in 0...(pending.count - 4)
            where pending[index] == 13 && pending[index + 1] == 10 && pending[index + 2] == 13
                && pending[index + 3] == 10
            {
                return index
            }
            return nil
        }

        private func send(_ reply: Reply, method: String, on channel: any Channel) {
            var head = "HTTP/1.1 \(reply.status) Scripted\r\nContent-Length: \(reply.body.count)\r\n"
            for (name, value) in reply.headers { head += "\(name): \(value)\r\n" }
            head += "\r\n"
            let body = method == "HEAD" ? [] : reply.body
            switch reply.pace {
            case .atOnce:
                channel.writeAndFlush(ByteBuffer(bytes: Array(head.utf8) + body), promise: nil)
            case .wholeAnswer(let interval):
                Self.dribble(Array(head.utf8) + body, every: interval, on: channel)
            case .bodyOnly(let interval):
                channel.writeAndFlush(ByteBuffer(string: head), promise: nil)
                Self.dribble(body, every: interval, on: channel)
            }
        }

        /// Writes `bytes` one at a time, `interval` apart, until done or the peer goes away.
        static func dribble(_ bytes: [UInt8], every interval: Duration, on channel: any Channel) {
            guard let first = bytes.first, channel.isActive else { return }
            channel.writeAndFlush(ByteBuffer(bytes: [first]), promise: nil)
            let rest = Array(bytes.dropFirst())
            let (seconds, attoseconds) = interval.components
            channel.eventLoop.scheduleTask(in: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)) {
                dribble(rest, every: interval, on: channel)
            }
        }
    }
}
