import Foundation
import Logging
import ReplacerAdmission

/// A swift-log handler that writes one JSON object per line to standard error, for log pipelines that parse JSON
/// (`--log-format json`). Bootstrapped once in `main`; libraries only ever see a `Logger`.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        FileHandle.standardError.write(line(for: event, at: LogTimestamp.now()))
    }

    /// One log line: a JSON object with `ts`, `level`, `logger`, `msg`, then the metadata in key order.
    func line(for event: LogEvent, at timestamp: String) -> Data {
        var fields = event.metadata ?? [:]
        // Merging is skipped in the usual case (no handler metadata, no provider): one dictionary fewer per line.
        // Precedence: the event's own metadata, then the provider's, then the handler's.
        if let provided = metadataProvider?.get() { fields.merge(provided) { explicit, _ in explicit } }
        if !metadata.isEmpty { fields.merge(metadata) { explicit, _ in explicit } }
        var line = JSONOutput(capacity: 256)
        line.raw(#"{"ts":"#)
        line.string(timestamp)
        line.raw(#","level":"#)
        line.string(event.level.rawValue)
        line.raw(#","logger":"#)
        line.string(label)
        line.raw(#","msg":"#)
        line.string(event.message.description)
        for key in fields.keys.sorted() {
            line.raw(",")
            line.string(key)
            line.raw(":")
            Self.write(fields[key]!, to: &line)
        }
        line.raw("}\n")
        return line.data
    }

    static func write(_ value: Logger.Metadata.Value, to line: inout JSONOutput) {
        switch value {
        case .string(let text): line.string(text)
        case .stringConvertible(let convertible): line.string(convertible.description)
        case .array(let items):
            line.raw("[")
            for (index, item) in items.enumerated() {
                if index > 0 { line.raw(",") }
                write(item, to: &line)
            }
            line.raw("]")
        case .dictionary(let map):
            line.raw("{")
            for (index, key) in map.keys.sorted().enumerated() {
                if index > 0 { line.raw(",") }
                line.string(key)
                line.raw(":")
                write(map[key]!, to: &line)
            }
            line.raw("}")
        }
    }
}
