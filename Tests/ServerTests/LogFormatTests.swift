import Foundation
import Logging
import ReplacerAdmission
import ReplacerJSON
import Testing

@testable import ReplacerServer

@Suite struct AdmissionLogTests {
    @Test(arguments: [
        (Duration.zero, "0.000"), (.microseconds(42), "0.042"), (.nanoseconds(1_999), "0.001"),
        (.milliseconds(7), "7.000"), (.microseconds(12_345_678), "12345.678"), (.seconds(-1), "0.000"),
    ])
    func durationIsMillisecondsWithThreeDecimals(_ duration: Duration, _ text: String) {
        #expect(WebhookRoutes.milliseconds(duration) == text)
    }
}

@Suite struct JSONLogHandlerTests {
    @Test func aLineIsOneJSONObjectWithEscapedText() throws {
        var handler = JSONLogHandler(label: "test")
        handler.metadata = ["fixed": "1"]
        let event = LogEvent(
            level: .info, message: "admission \"quoted\"\n",
            metadata: [
                "rewrites": .array([.string("containers/app: nginx -> mirror/nginx"), .string("tab\there")]),
                "nested": .dictionary(["b": .string("2"), "a": .stringConvertible(3)]),
            ], source: nil, file: #fileID, function: #function, line: #line)
        let data = handler.line(for: event, at: "2026-11-25T00:00:00.000Z")
        #expect(data.last == UInt8(ascii: "\n"))
        #expect(data.dropLast().contains(UInt8(ascii: "\n")) == false)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(data)) as? [String: Any])
        #expect(object["ts"] as? String == "2026-11-25T00:00:00.000Z")
        #expect(object["level"] as? String == "info")
        #expect(object["logger"] as? String == "test")
        #expect(object["msg"] as? String == "admission \"quoted\"\n")
        #expect(object["fixed"] as? String == "1")
        #expect(object["rewrites"] as? [String] == ["containers/app: nginx -> mirror/nginx", "tab\there"])
        #expect((object["nested"] as? [String: String]) == ["a": "3", "b": "2"])
    }
}

@Suite struct TextLogHandlerTests {
    @Test func aLineIsKeyValuePairsInKeyOrderWithAmbiguousValuesQuoted() {
        var handler = TextLogHandler(label: "k8s-image-replacer")
        handler.metadata = ["uid": "705ab4f5"]
        let event = LogEvent(
            level: .info, message: "admission",
            metadata: [
                "rewrites": .array([.string("containers/app: nginx -> mirror/nginx")]),
                "outcome": "patched", "name": "", "note": "a=b",
            ], source: nil, file: #fileID, function: #function, line: #line)
        let line = String(decoding: handler.line(for: event, at: "2026-11-25T00:00:00.000Z"), as: UTF8.self)
        #expect(
            line == #"2026-11-25T00:00:00.000Z info k8s-image-replacer: admission name="" note="a=b" outcome=patched "#
                + #"rewrites=["containers/app: nginx -> mirror/nginx"] uid=705ab4f5"# + "\n")
    }
}

extension TextLogHandlerTests {
    @Test func aNewlineInTheMessageDoesNotStartASecondLine() {
        let event = LogEvent(
            level: .warning, message: "first\nsecond", metadata: nil, source: nil, file: #fileID, function: #function,
            line: #line)
        let line = String(decoding: TextLogHandler(label: "l").line(for: event, at: "t"), as: UTF8.self)
        #expect(line == "t warning l: first\\nsecond\n")
    }
}

@Suite struct LogTimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"), (951_782_400_123, "2000-02-29T00:00:00.123Z"),
        (1_795_568_645_999, "2026-11-25T01:04:05.999Z"), (-1, "1969-12-31T23:59:59.999Z"),
        (4_102_444_799_000, "2099-12-31T23:59:59.000Z"),
    ])
    func formatsUTCWithMilliseconds(_ ms: Int64, _ text: String) {
        #expect(LogTimestamp.format(millisecondsSinceEpoch: ms) == text)
    }

    @Test func agreesWithFoundation() {
        // Half a second past the current second: exact in binary floating point, so Foundation's formatter
        // (which truncates the Double) and the integer formatting must agree to the millisecond.
        let ms = Int64(Date().timeIntervalSince1970.rounded(.down)) * 1000 + 500
        let reference = Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(
            Date(timeIntervalSince1970: Double(ms) / 1000))
        #expect(LogTimestamp.format(millisecondsSinceEpoch: ms) == reference)
    }
}

extension TextLogHandlerTests {
    @Test(arguments: [
        ("nginx:1.27", "nginx:1.27"), ("ünïcode/ok", "ünïcode/ok"), ("", #""""#), ("a b", #""a b""#),
        ("tab\there", #""tab\there""#), (#"say "hi""#, #""say \"hi\"""#), ("k=v", #""k=v""#), ("a,b", #""a,b""#),
        ("[x]", #""[x]""#), ("del\u{7F}", "\"del\u{7F}\""),
        (String(repeating: "long-plain-value.", count: 20), String(repeating: "long-plain-value.", count: 20)),
    ])
    func valuesAreBareUnlessTheyCouldBeMisread(_ value: String, _ written: String) {
        var line = JSONOutput()
        TextLineFormat.bare(value, to: &line)
        #expect(line.text == written)
    }
}
