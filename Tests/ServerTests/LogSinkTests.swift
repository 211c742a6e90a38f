import Foundation
import Logging
import Synchronization
import Testing

@testable import ReplacerServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A pipe whose read end the test drains without blocking.
final class Pipe: @unchecked Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    init() throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw POSIXError(.EMFILE) }
        readEnd = ends[0]
        writeEnd = ends[1]
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// Everything written so far.
    func drain() -> String {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            out += chunk[..<count]
        }
        return String(decoding: out, as: UTF8.self)
    }
}

@Suite struct LogSinkTests {
    @Test func withoutBatchingEveryLineIsWrittenAtOnce() throws {
        let pipe = try Pipe()
        let sink = LogSink(fileDescriptor: pipe.writeEnd)
        sink.write(Data("one\n".utf8), urgent: false)
        #expect(pipe.drain() == "one\n")
    }

    @Test func batchedLinesWaitUntilAnUrgentLineAndKeepTheirOrder() throws {
        let pipe = try Pipe()
        let sink = LogSink(fileDescriptor: pipe.writeEnd)
        sink.startBatching(interval: .seconds(3600))
        sink.write(Data("info 1\n".utf8), urgent: false)
        sink.write(Data("info 2\n".utf8), urgent: false)
        #expect(pipe.drain() == "")
        sink.write(Data("warning\n".utf8), urgent: true)
        #expect(pipe.drain() == "info 1\ninfo 2\nwarning\n")
        sink.write(Data("info 3\n".utf8), urgent: false)
        sink.flush()
        #expect(pipe.drain() == "info 3\n")
    }

    @Test func theBackgroundThreadWritesWithinTheInterval() async throws {
        let pipe = try Pipe()
        let sink = LogSink(fileDescriptor: pipe.writeEnd)
        sink.startBatching(interval: .milliseconds(20))
        sink.write(Data("later\n".utf8), urgent: false)
        var seen = ""
        for _ in 0..<200 {
            try await Task.sleep(for: .milliseconds(10))
            seen = pipe.drain()
            if !seen.isEmpty { break }
        }
        #expect(seen == "later\n")
    }

    @Test func pendingBytesAreBounded() throws {
        let pipe = try Pipe()
        let sink = LogSink(fileDescriptor: pipe.writeEnd)
        sink.startBatching(interval: .seconds(3600))
        let line = Data((String(repeating: "x", count: 1023) + "\n").utf8)
        for _ in 0..<(LogSink.maxPending / line.count) { sink.write(line, urgent: false) }
        #expect(pipe.drain().utf8.count == LogSink.maxPending, "reaching maxPending must write the batch")
    }

    @Test func concurrentWritersNeverSplitALine() async throws {
        let pipe = try Pipe()
        let sink = LogSink(fileDescriptor: pipe.writeEnd)
        sink.startBatching(interval: .milliseconds(5))
        // The pipe holds 64 KiB and the writers send more, so drain it on a thread of its own: the writers block in
        // write(2) until it does, and may hold every thread of the task pool meanwhile.
        let collected = Mutex("")
        let drained = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var lines = 0
            for _ in 0..<5000 {
                let more = pipe.drain()
                lines += more.utf8.count(where: { $0 == UInt8(ascii: "\n") })
                collected.withLock { $0 += more }
                if lines >= 800 { break }
                usleep(1000)
            }
            drained.signal()
        }
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    for index in 0..<100 {
                        sink.write(
                            Data("writer \(writer) line \(index) \(String(repeating: "z", count: 200))\n".utf8),
                            urgent: index % 37 == 0)
                    }
                }
            }
        }
        sink.flush()
        drained.wait()
        let lines = collected.withLock { $0 }.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 800)
        #expect(lines.allSatisfy { $0.hasPrefix("writer ") && $0.hasSuffix(String(repeating: "z", count: 200)) })
        // Each writer's lines stay in its own order.
        for writer in 0..<8 {
            let own = lines.filter { $0.hasPrefix("writer \(writer) ") }.map { $0.split(separator: " ")[3] }
            #expect(own == (0..<100).map { Substring(String($0)) })
        }
    }

    @Test func warningsAndWorseAreUrgent() throws {
        let pipe = try Pipe()
        let sink = LogSink(fileDescriptor: pipe.writeEnd)
        sink.startBatching(interval: .seconds(3600))
        var logger = Logger(label: "test") { TextLogHandler(label: $0, sink: sink) }
        logger.logLevel = .debug
        logger.info("kept back")
        #expect(pipe.drain() == "")
        logger.warning("now")
        let text = pipe.drain()
        #expect(text.contains("kept back") && text.contains("now"))
        #expect(text.range(of: "kept back")!.lowerBound < text.range(of: "now")!.lowerBound)
    }
}
