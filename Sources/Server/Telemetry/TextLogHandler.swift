import Foundation
import Logging
import ReplacerAdmission

/// A swift-log handler that writes one human-readable line per event to standard error (`--log-format text`, the
/// default): `2026-11-25T01:02:03.456Z info k8s-image-replacer: admission key=value …`, metadata in key order.
///
/// swift-log's StreamLogHandler does the same job but cost a tenth of the server's CPU per admission on the load
/// test (it formats every value through `description` into intermediate strings); this one writes bytes once.
/// Values that contain spaces, quotes or `=` are written as JSON strings so a line still splits unambiguously.
public struct TextLogHandler: LogHandler {
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

    /// One log line, ending in a newline.
    func line(for event: LogEvent, at timestamp: String) -> Data {
        var fields = event.metadata ?? [:]
        // Merging is skipped in the usual case (no handler metadata, no provider): one dictionary fewer per line.
        // Precedence: the event's own metadata, then the provider's, then the handler's.
        if let provided = metadataProvider?.get() { fields.merge(provided) { explicit, _ in explicit } }
        if !metadata.isEmpty { fields.merge(metadata) { explicit, _ in explicit } }
        var line = JSONOutput(capacity: 256)
        line.append(timestamp)
        line.raw(" ")
        line.append(event.level.rawValue)
        line.raw(" ")
        line.append(label)
        line.raw(": ")
        line.append(event.message.description.replacingOccurrences(of: "\n", with: "\\n"))
        for key in fields.keys.sorted() {
            line.raw(" ")
            line.append(key)
            line.raw("=")
            Self.write(fields[key]!, to: &line)
        }
        line.raw("\n")
        return line.data
    }

    static func write(_ value: Logger.Metadata.Value, to line: inout JSONOutput) {
        switch value {
        case .string(let text): bare(text, to: &line)
        case .stringConvertible(let convertible): bare(convertible.description, to: &line)
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
                bare(key, to: &line)
                line.raw(":")
                write(map[key]!, to: &line)
            }
            line.raw("}")
        }
    }

    /// Plain text as it is when that cannot be misread, else a JSON string.
    private static func bare(_ text: String, to line: inout JSONOutput) {
        let plain = !text.isEmpty && text.utf8.allSatisfy { byte in
            byte > 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "=") && byte != UInt8(ascii: ",")
                && byte != UInt8(ascii: "[") && byte != UInt8(ascii: "]") && byte != 0x7F
        }
        plain ? line.append(text) : line.string(text)
    }
}
