import Foundation
import Logging
import ReplacerAdmission

/// How one log line is laid out. The handler around it (level, metadata, provider, writing) is the same for
/// every format.
public protocol LogLineFormat: Sendable {
    /// The line for one event, ending in a newline. `metadata` is already merged (event over provider over
    /// handler).
    static func line(timestamp: String, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata)
        -> Data
}

/// A swift-log handler that writes one line per event in `Format` to a `LogSink` (standard error unless told
/// otherwise). Bootstrapped once in `main`; libraries only ever see a `Logger`.
///
/// swift-log's StreamLogHandler does the same job, but its formatting cost a tenth of the server's CPU per
/// admission on the load test (every value goes through `description` into intermediate strings); these
/// formats write bytes once into one buffer, with integer timestamps.
public struct LineLogHandler<Format: LogLineFormat>: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let sink: LogSink

    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil, sink: LogSink = .standardError) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        sink.write(line(for: event, at: LogTimestamp.now()), urgent: event.level >= .warning)
    }

    func line(for event: LogEvent, at timestamp: String) -> Data {
        var fields = event.metadata ?? [:]
        // Precedence: the event's own metadata, then the provider's, then the handler's. Merging is skipped in
        // the usual case (no handler metadata, no provider): one dictionary fewer per line.
        if let provided = metadataProvider?.get() { fields.merge(provided) { explicit, _ in explicit } }
        if !metadata.isEmpty { fields.merge(metadata) { explicit, _ in explicit } }
        return Format.line(
            timestamp: timestamp, level: event.level, label: label, message: event.message.description, metadata: fields)
    }
}

/// `--log-format json`: one JSON object per line, `ts`, `level`, `logger`, `msg`, then the metadata in key order,
/// for log pipelines that parse JSON.
public enum JSONLineFormat: LogLineFormat {
    public static func line(
        timestamp: String, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata
    ) -> Data {
        var line = JSONOutput(capacity: 256)
        line.raw(#"{"ts":"#)
        line.string(timestamp)
        line.raw(#","level":"#)
        line.string(level.rawValue)
        line.raw(#","logger":"#)
        line.string(label)
        line.raw(#","msg":"#)
        line.string(message)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line.raw(",")
            line.string(key)
            line.raw(":")
            value.write(to: &line) { text, line in line.string(text) }
        }
        line.raw("}\n")
        return line.data
    }
}

/// `--log-format text` (the default): `2026-11-25T01:02:03.456Z info k8s-image-replacer: admission key=value …`,
/// metadata in key order. Values that contain spaces, quotes, `=` or brackets are written as JSON strings, so a
/// line still splits unambiguously.
public enum TextLineFormat: LogLineFormat {
    public static func line(
        timestamp: String, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata
    ) -> Data {
        var line = JSONOutput(capacity: 256)
        line.append(timestamp)
        line.raw(" ")
        line.append(level.rawValue)
        line.raw(" ")
        line.append(label)
        line.raw(": ")
        // One event, one line: a newline in the message is written as `\n` (checked first, as the admission
        // message, logged per request, never has one).
        line.append(message.utf8.contains(0x0A) ? message.replacingOccurrences(of: "\n", with: "\\n") : message)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line.raw(" ")
            line.append(key)
            line.raw("=")
            value.write(to: &line, leaf: bare)
        }
        line.raw("\n")
        return line.data
    }

    /// Plain text as it is when that cannot be misread, else a JSON string.
    static func bare(_ text: String, to line: inout JSONOutput) {
        let plain = !text.isEmpty && text.utf8.allSatisfy { byte in
            byte > 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "=") && byte != UInt8(ascii: ",")
                && byte != UInt8(ascii: "[") && byte != UInt8(ascii: "]") && byte != 0x7F
        }
        plain ? line.append(text) : line.string(text)
    }
}

/// The handler `serve --log-format json` installs.
public typealias JSONLogHandler = LineLogHandler<JSONLineFormat>
/// The handler `serve --log-format text` installs.
public typealias TextLogHandler = LineLogHandler<TextLineFormat>

extension Logger.MetadataValue {
    /// Writes the value with JSON's array and object punctuation; `leaf` writes each string (and dictionary key).
    func write(to line: inout JSONOutput, leaf: (String, inout JSONOutput) -> Void) {
        switch self {
        case .string(let text): leaf(text, &line)
        case .stringConvertible(let convertible): leaf(convertible.description, &line)
        case .array(let items):
            line.raw("[")
            for (index, item) in items.enumerated() {
                if index > 0 { line.raw(",") }
                item.write(to: &line, leaf: leaf)
            }
            line.raw("]")
        case .dictionary(let map):
            line.raw("{")
            for (index, key) in map.keys.sorted().enumerated() {
                if index > 0 { line.raw(",") }
                leaf(key, &line)
                line.raw(":")
                map[key]!.write(to: &line, leaf: leaf)
            }
            line.raw("}")
        }
    }
}
