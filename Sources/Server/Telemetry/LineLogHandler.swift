import Foundation
import Logging
import ReplacerJSON

/// How one log line is laid out, piece by piece: the start (timestamp, level, label, message), one field per
/// metadata key in ascending key order, and the end. The handler around it (level, metadata, provider, writing) is
/// the same for every format, and so is the order of the pieces.
///
/// Both `LineLogHandler.log(event:)` and `LogFields` (the admission line's way round `Logger.Metadata`) write
/// through these functions, so the two paths give the same bytes for the same fields.
public protocol LogLineFormat: Sendable {
    /// Starts a line in an empty buffer.
    static func begin(_ line: inout LogLine, timestamp: String, level: Logger.Level, label: String, message: String)
    /// Adds one metadata field. Callers give fields in ascending key order (`String`'s `<`), each key once.
    static func field(_ line: inout LogLine, key: String, value: Logger.MetadataValue)
    /// Ends the line, with its newline.
    static func end(_ line: inout LogLine)
}

extension LogLineFormat {
    /// The whole line for one event, ending in a newline. `metadata` is already merged (event over provider over
    /// handler).
    public static func line(
        timestamp: String, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata
    ) -> [UInt8] {
        var line = LogLine(capacity: 256)
        begin(&line, timestamp: timestamp, level: level, label: label, message: message)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            field(&line, key: key, value: value)
        }
        end(&line)
        return line.output.bytes
    }
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
        sink.write(bytes: line(for: event, at: LogTimestamp.now()), urgent: event.level >= .warning)
    }

    func line(for event: LogEvent, at timestamp: String) -> [UInt8] {
        var fields = event.metadata ?? [:]
        // Precedence: the event's own metadata, then the provider's, then the handler's. Merging is skipped in
        // the usual case (no handler metadata, no provider): one dictionary fewer per line.
        if let provided = metadataProvider?.get() { fields.merge(provided) { explicit, _ in explicit } }
        if !metadata.isEmpty { fields.merge(metadata) { explicit, _ in explicit } }
        return Format.line(
            timestamp: timestamp, level: event.level, label: label, message: event.message.description, metadata: fields
        )
    }
}

/// A handler that takes an event's fields already in key order, so a caller that logs the same fields on every
/// request (the admission line) need not build, hash and sort a `Logger.Metadata` for each. Package-only: the
/// fields are written by this module's formats, so only this module's handlers can take them.
package protocol OrderedFieldsLogHandler: LogHandler {
    /// Writes one event whose fields `fields` adds in ascending key order. Returns false, writing nothing, when
    /// the handler has metadata of its own or a metadata provider: those must be merged by key, which only the
    /// `Logger` path does; the caller then logs through its `Logger`. The level is the caller's to check.
    func log(level: Logger.Level, message: String, fields: (inout LogFields) -> Void) -> Bool
}

/// The fields of one line, added in ascending key order (see `OrderedFieldsLogHandler`).
package struct LogFields {
    var line: LogLine
    let format: any LogLineFormat.Type

    /// Adds a field. `key` must sort after every key added before it.
    package mutating func add(_ key: String, _ value: Logger.MetadataValue) {
        format.field(&line, key: key, value: value)
    }
}

extension LineLogHandler: OrderedFieldsLogHandler {
    package func log(level: Logger.Level, message: String, fields: (inout LogFields) -> Void) -> Bool {
        guard let line = orderedLine(level: level, message: message, at: LogTimestamp.now(), fields: fields) else {
            return false
        }
        sink.write(bytes: line, urgent: level >= .warning)
        return true
    }

    /// The line `log(level:message:fields:)` writes, or nil when it would write none.
    func orderedLine(level: Logger.Level, message: String, at timestamp: String, fields: (inout LogFields) -> Void)
        -> [UInt8]?
    {
        guard metadata.isEmpty, metadataProvider == nil else { return nil }
        var ordered = LogFields(line: LogLine(capacity: 384), format: Format.self)
        Format.begin(&ordered.line, timestamp: timestamp, level: level, label: label, message: message)
        fields(&ordered)
        Format.end(&ordered.line)
        return ordered.line.output.bytes
    }
}

/// `--log-format json`: one JSON object per line, `ts`, `level`, `logger`, `msg`, then the metadata in key order,
/// for log pipelines that parse JSON.
public enum JSONLineFormat: LogLineFormat {
    public static func begin(
        _ line: inout LogLine, timestamp: String, level: Logger.Level, label: String, message: String
    ) {
        line.raw(#"{"ts":"#)
        line.string(timestamp)
        line.raw(#","level":"#)
        line.string(level.rawValue)
        line.raw(#","logger":"#)
        line.string(label)
        line.raw(#","msg":"#)
        line.string(message)
    }

    public static func field(_ line: inout LogLine, key: String, value: Logger.MetadataValue) {
        line.raw(",")
        line.string(key)
        line.raw(":")
        value.write(to: &line.output) { text, line in line.string(text) }
    }

    public static func end(_ line: inout LogLine) {
        line.raw("}\n")
    }
}

/// `--log-format text` (the default): `2026-11-25T01:02:03.456Z info k8s-image-replacer: admission key=value …`,
/// metadata in key order. Values that contain spaces, quotes, `=` or brackets are written as JSON strings, so a
/// line still splits unambiguously.
public enum TextLineFormat: LogLineFormat {
    public static func begin(
        _ line: inout LogLine, timestamp: String, level: Logger.Level, label: String, message: String
    ) {
        line.append(timestamp)
        line.raw(" ")
        line.append(level.rawValue)
        line.raw(" ")
        line.append(label)
        line.raw(": ")
        // One event, one line: a newline in the message is written as `\n` (checked first, as the admission
        // message, logged per request, never has one).
        line.append(message.utf8.contains(0x0A) ? message.replacingOccurrences(of: "\n", with: "\\n") : message)
    }

    public static func field(_ line: inout LogLine, key: String, value: Logger.MetadataValue) {
        line.raw(" ")
        line.append(key)
        line.raw("=")
        value.write(to: &line.output, leaf: bare)
    }

    public static func end(_ line: inout LogLine) {
        line.raw("\n")
    }

    /// Plain text as it is when that cannot be misread, else a JSON string.
    static func bare(_ text: String, to line: inout JSONOutput) {
        let plain =
            !text.isEmpty
            && (text.utf8.withContiguousStorageIfAvailable(isPlain) ?? Array(text.utf8).withUnsafeBufferPointer(isPlain))
        plain ? line.append(text) : line.string(text)
    }

    /// No space or control byte, quote, `=`, `,` or bracket. A loop over the bytes in memory: every value of every
    /// line goes through here, and iterating `String.UTF8View` byte by byte was a tenth of the admission line.
    private static func isPlain(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in bytes {
            if byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "=")
                || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
            {
                return false
            }
        }
        return true
    }
}

/// The handler `serve --log-format json` installs.
public typealias JSONLogHandler = LineLogHandler<JSONLineFormat>
/// The handler `serve --log-format text` installs.
public typealias TextLogHandler = LineLogHandler<TextLineFormat>

/// The buffer a `LogLineFormat` writes one line into. Opaque outside this module: the formats are this module's.
public struct LogLine {
    var output: JSONOutput

    init(capacity: Int) {
        output = JSONOutput(capacity: capacity)
    }

    mutating func raw(_ text: StaticString) { output.raw(text) }
    mutating func append(_ text: String) { output.append(text) }
    mutating func string(_ text: String) { output.string(text) }
}

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
