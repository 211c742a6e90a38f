import CoreMetrics
import Foundation
import Logging
import ReplacerAdmission
import ReplacerCore
import Testing

@testable import ReplacerServer

/// The admission line is written two ways: straight into the line in key order when the handler is one of ours
/// without metadata of its own (every request in production), and through `Logger.Metadata` otherwise. Both must
/// give the same bytes.
@Suite struct AdmissionLogLineTests {
    /// Summaries from a real review, then with each optional field switched on or off.
    static func summaries() async throws -> [AdmissionSummary] {
        let body = review(
            pod(containers: ["nginx:1.27", "quay.io/broken/app:1.0"], initContainers: ["busybox"]), dryRun: true)
        guard case .answer(_, let patched) = await AdmissionReviewer().review(body, ruleSet: try await ruleSet()) else {
            Issue.record("the review was rejected")
            return []
        }
        var denied = patched
        denied.denial = "containers/c0: the digest lookup failed"
        denied.rewrites = []
        var skipped = patched
        skipped.skipped = "opted out by k8s-image-replacer.dev/skip"
        (skipped.rewrites, skipped.warnings, skipped.dryRun, skipped.name, skipped.kind) = ([], [], false, nil, nil)
        var spaced = skipped
        spaced.uid = "with space \"and quotes\" = [x]"
        return [patched, denied, skipped, spaced]
    }

    static func orderedLine<Format>(_ handler: LineLogHandler<Format>, _ summary: AdmissionSummary) -> [UInt8]? {
        handler.orderedLine(level: .info, message: "admission", at: "2026-11-25T07:00:00.000Z") { fields in
            WebhookRoutes.admissionFields(summary, outcome: "patched", generation: 3, duration: .microseconds(1234)) {
                fields.add($0, $1)
            }
        }
    }

    static func loggerLine<Format>(_ handler: LineLogHandler<Format>, _ summary: AdmissionSummary) -> [UInt8] {
        var metadata: Logger.Metadata = [:]
        WebhookRoutes.admissionFields(summary, outcome: "patched", generation: 3, duration: .microseconds(1234)) {
            #expect(metadata[$0] == nil, "field \($0) given twice")
            metadata[$0] = $1
        }
        let event = LogEvent(
            level: .info, message: "admission", metadata: metadata, source: nil, file: #fileID, function: #function,
            line: #line)
        return handler.line(for: event, at: "2026-11-25T07:00:00.000Z")
    }

    @Test func bothPathsWriteTheSameTextLine() async throws {
        let handler = TextLogHandler(label: "k8s-image-replacer")
        let summaries = try await Self.summaries()
        #expect(summaries.count == 4)
        for summary in summaries {
            let ordered = try #require(Self.orderedLine(handler, summary))
            #expect(
                String(decoding: ordered, as: UTF8.self)
                    == String(decoding: Self.loggerLine(handler, summary), as: UTF8.self))
        }
        let patched = String(decoding: try #require(Self.orderedLine(handler, summaries[0])), as: UTF8.self)
        #expect(
            patched.hasPrefix(
                "2026-11-25T07:00:00.000Z info k8s-image-replacer: admission dryRun=true durationMs=1.234 kind=Pod name=web-1 "
                    + #"namespace=team-a outcome=patched rewrites=["containers/c0: nginx:1.27 -> mirror.corp/hub/library/nginx:1.27","#
            ))
        #expect(
            patched.contains(#" rulesGeneration=3 uid=705ab4f5-6393-11e8-b7cc-42010a800002 warnings=["containers/c1: "#)
        )
        #expect(patched.hasSuffix("]\n") && patched.utf8.count(where: { $0 == 0x0A }) == 1)
    }

    @Test func bothPathsWriteTheSameJSONLine() async throws {
        let handler = JSONLogHandler(label: "k8s-image-replacer")
        for summary in try await Self.summaries() {
            let ordered = try #require(Self.orderedLine(handler, summary))
            #expect(ordered == Self.loggerLine(handler, summary))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(ordered)) as? [String: Any])
            #expect(object["uid"] as? String == summary.uid)
            #expect(object["durationMs"] as? String == "1.234")
        }
    }

    @Test func aHandlerWithMetadataOfItsOwnLeavesTheLineToTheLogger() async throws {
        var handler = TextLogHandler(label: "k8s-image-replacer")
        handler.metadata = ["replica": "a"]
        let summary = try #require(try await Self.summaries().first)
        #expect(Self.orderedLine(handler, summary) == nil)
        var provided = TextLogHandler(label: "k8s-image-replacer", metadataProvider: .init { ["trace": "t1"] })
        provided.logLevel = .info
        #expect(Self.orderedLine(provided, summary) == nil)
    }

    /// Through `WebhookRoutes.log`, as a request logs: the plain handler's line, and the handler's own metadata
    /// merged in by key when it has some.
    @Test func theRoutesLogOneLinePerAdmissionEitherWay() async throws {
        let summary = try #require(try await Self.summaries().first)
        let rules = RulesStore(try await ruleSet(), drainDelay: .milliseconds(1))
        for replica in [nil, "a"] as [String?] {
            let pipe = try Pipe()
            var logger = Logger(label: "k8s-image-replacer") {
                TextLogHandler(label: $0, sink: LogSink(fileDescriptor: pipe.writeEnd))
            }
            if let replica { logger[metadataKey: "replica"] = .string(replica) }
            let routes = WebhookRoutes(
                rules: rules, reviewer: AdmissionReviewer(), maxBodyBytes: 1 << 20,
                metrics: WebhookMetrics(factory: NOOPMetricsHandler.instance),
                logger: logger)
            #expect(routes.orderedHandler != nil, "this package's handler takes ordered fields")
            routes.log(summary, outcome: "patched", generation: 3, duration: .microseconds(1234))
            let line = pipe.drain()
            // Everything after the timestamp matches the line built without a clock.
            let expected = String(
                decoding: Self.loggerLine(TextLogHandler(label: "k8s-image-replacer"), summary), as: UTF8.self)
            var tail = String(expected.drop(while: { $0 != " " }))
            if replica != nil { tail = tail.replacingOccurrences(of: " rewrites=", with: " replica=a rewrites=") }
            #expect(line.hasSuffix(tail), "\(line)")
            #expect(line.utf8.count(where: { $0 == 0x0A }) == 1)
        }
    }
}

/// `/noop-review`, the load benchmark's second baseline: reads the review like `/mutate` and admits it unchanged.
@Suite struct AdmitUnchangedTests {
    @Test func copiesTheUidAndVersionAndAdmitsWithoutAPatch() throws {
        for apiVersion in ["admission.k8s.io/v1", "admission.k8s.io/v1beta1"] {
            let body = review(pod(containers: ["nginx:1.27"]), apiVersion: apiVersion, uid: "u-\(apiVersion.count)")
            let answer = try decodeAnswer(try #require(WebhookRoutes.admitUnchanged(body)))
            #expect(answer.apiVersion == apiVersion)
            #expect(answer.uid == "u-\(apiVersion.count)")
            #expect(answer.allowed)
            #expect(answer.patch == nil && answer.warnings.isEmpty)
        }
    }

    @Test(arguments: ["", "{}", #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#, "[1]"])
    func aBodyWithoutARequestHasNoAnswer(_ body: String) {
        #expect(WebhookRoutes.admitUnchanged(Data(body.utf8)) == nil)
    }
}
