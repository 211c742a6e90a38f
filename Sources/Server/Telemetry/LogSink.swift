import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where log lines go: a file descriptor (standard error), written either line by line or in batches.
///
/// Why batches: `serve` logs one line per admission, and one `write(2)` per line was about a third of the
/// logging cost on the load test. In batching mode lines below `warning` collect in memory and a background
/// thread writes them at most `interval` apart (or as soon as `maxPending` bytes wait); a warning or worse
/// writes everything pending at once, so problems are never held back. A process that crashes can lose the last
/// interval's info lines; one that exits normally flushes (`flush()` runs at exit).
public final class LogSink: Sendable {
    /// Standard error, where every handler of this package writes.
    public static let standardError = LogSink(fileDescriptor: 2)

    /// More than this many bytes waiting are written by the thread that adds the line, so memory stays bounded
    /// whatever the log rate.
    public static let maxPending = 64 * 1024

    private let fileDescriptor: Int32
    private let pending = Mutex<[UInt8]>([])
    /// Held across each write(2), and while taking the batch to write, so batches reach the file in order.
    private let writing = Mutex<Void>(())
    private let batching = Atomic<Bool>(false)

    public init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    /// Adds one line (ending in a newline). `urgent` lines, and every line when not batching, are written before
    /// this returns, together with any lines still pending before them.
    public func write(_ line: Data, urgent: Bool) {
        append(line, urgent: urgent)
    }

    /// `write(_:urgent:)` for a line already in an array (what the handlers build): no conversion to `Data`.
    public func write(bytes line: [UInt8], urgent: Bool) {
        append(line, urgent: urgent)
    }

    private func append(_ line: some Collection<UInt8>, urgent: Bool) {
        let size = pending.withLock { buffer in
            buffer.append(contentsOf: line)
            return buffer.count
        }
        if urgent || size >= Self.maxPending || !batching.load(ordering: .relaxed) { flush() }
    }

    /// Writes every pending line now.
    public func flush() {
        writing.withLock { _ in
            let batch = pending.withLock { buffer in
                let taken = buffer
                buffer.removeAll(keepingCapacity: true)
                return taken
            }
            guard !batch.isEmpty else { return }
            batch.withUnsafeBytes { Self.writeAll($0, to: fileDescriptor) }
        }
    }

    /// Switches to batching: pending lines are written at most `interval` apart by a background thread, and at
    /// process exit. Calling it again changes nothing; there is no way back (the server runs until exit).
    public func startBatching(interval: Duration) {
        guard batching.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) * 1e-18
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: seconds)
                flush()
            }
        }
        thread.name = "log-writer"
        thread.start()
        if self === Self.standardError { atexit { LogSink.standardError.flush() } }
    }

    /// write(2) until every byte is out; gives up silently on any other error than an interruption or a
    /// full non-blocking pipe (there is nowhere left to report a failing log).
    private static func writeAll(_ bytes: UnsafeRawBufferPointer, to fileDescriptor: Int32) {
        guard var next = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            #if canImport(Darwin)
                let written = Darwin.write(fileDescriptor, next, left)
            #elseif canImport(Glibc)
                let written = Glibc.write(fileDescriptor, next, left)
            #else
                let written = Musl.write(fileDescriptor, next, left)
            #endif
            if written > 0 {
                next += written
                left -= written
            } else if written < 0, errno == EINTR {
                continue
            } else if written < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                // A non-blocking descriptor with a full pipe: wait until it drains rather than spin.
                var ready = pollfd(fd: fileDescriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&ready, 1, 1000)
            } else {
                return
            }
        }
    }
}
