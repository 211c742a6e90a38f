import Hummingbird
import Logging
import NIOCore
import ReplacerAdmission
import ReplacerCore
import ReplacerJSON

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The TLS port's routes: `POST /mutate` (the API server) and `POST /explain` (people and CI).
///
/// Neither route can answer 500: every failure a client can cause is a 4xx with a message, and every failure of
/// our own admits the pod unchanged with a warning.
struct WebhookRoutes: Sendable {
    let rules: RulesStore
    let reviewer: AdmissionReviewer
    let maxBodyBytes: Int
    let metrics: WebhookMetrics
    let logger: Logger
    /// The logger's handler when it can take the admission line's fields in key order (this package's handlers):
    /// taken once here, as `logger` never changes.
    let orderedHandler: (any OrderedFieldsLogHandler)?

    init(rules: RulesStore, reviewer: AdmissionReviewer, maxBodyBytes: Int, metrics: WebhookMetrics, logger: Logger) {
        self.rules = rules
        self.reviewer = reviewer
        self.maxBodyBytes = maxBodyBytes
        self.metrics = metrics
        self.logger = logger
        self.orderedHandler = logger.handler as? any OrderedFieldsLogHandler
    }

    func register(on router: Router<BasicRequestContext>, benchmarkEndpoints: Bool = false) {
        router.post("/mutate") { request, context in
            try await mutate(request, context: context)
        }
        router.post("/explain") { request, context in
            try await explain(request, context: context)
        }
        // Anything but POST on the two endpoints: say what they take, rather than Hummingbird's empty 404.
        for path in ["/mutate", "/explain"] {
            for method: HTTPRequest.Method in [.get, .head, .put, .patch, .delete, .options] {
                router.on(RouterPath(path), method: method) { _, _ in
                    // An answer to HEAD has no body (HTTP/2 resets a stream that sends one).
                    var response =
                        method == .head
                        ? Response(status: .methodNotAllowed)
                        : Self.error(status: 405, "\(path) takes POST with a JSON body")
                    response.headers[.allow] = "POST"
                    return response
                }
            }
        }
        router.get("/healthz") { _, _ in "ok\n" }
        if benchmarkEndpoints {
            router.post("/noop") { request, _ in
                do { _ = try await collect(request) } catch let refusal as BodyRefusal { return refusal.response }
                return Self.json(Self.noopAnswer)
            }
            router.post("/noop-review") { request, _ in
                let body: Data
                do { body = try await collect(request) } catch let refusal as BodyRefusal { return refusal.response }
                guard let answer = Self.admitUnchanged(body) else {
                    return Self.error(status: 400, "the body is not an AdmissionReview with a request")
                }
                return Self.json(answer)
            }
        }
    }

    /// What `/noop-review` answers: the review read with the same reader as `/mutate`, then admitted with no
    /// engine, patch, log line or metrics. The least any webhook must do (it cannot answer without the uid), so
    /// `/mutate` against it shows what the rules, patch and bookkeeping cost. Nil when there is no request.
    static func admitUnchanged(_ body: Data) -> Data? {
        guard let review = try? AdmissionReviewRequest(json: body), let request = review.request else { return nil }
        return AdmissionReviewResponse(
            apiVersion: review.answerVersion, response: AdmissionResponse(uid: request.uid, allowed: true)
        ).json()
    }

    static let noopAnswer = Data(
        #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"","allowed":true}}"#.utf8)

    func mutate(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        let body: Data
        do {
            body = try await collect(request)
        } catch let refusal as BodyRefusal {
            // Counted and logged like any other request we refuse: an oversized review is worth seeing.
            metrics.admission(outcome: "rejected", duration: ContinuousClock.now - started)
            logger.warning(
                "admission request rejected", metadata: ["status": "\(refusal.status)", "reason": "\(refusal.message)"])
            return refusal.response
        }
        let snapshot = rules.current
        let outcome = await reviewer.review(body, ruleSet: snapshot.ruleSet)
        let duration = ContinuousClock.now - started
        switch outcome {
        case .rejected(let status, let message):
            metrics.admission(outcome: "rejected", duration: duration)
            logger.warning("admission request rejected", metadata: ["status": "\(status)", "reason": "\(message)"])
            return Self.error(status: status, message)
        case .answer(let data, let summary):
            let outcome =
                summary.denial != nil
                ? "denied"
                : summary.timedOut
                    ? "timeout"
                    : summary.skipped != nil ? "skipped" : summary.rewrites.isEmpty ? "unchanged" : "patched"
            metrics.admission(outcome: outcome, duration: duration)
            for event in summary.events { metrics.record(event) }
            log(summary, outcome: outcome, generation: snapshot.generation, duration: duration)
            return Self.json(data)
        }
    }

    func explain(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let body: Data
        do { body = try await collect(request) } catch let refusal as BodyRefusal { return refusal.response }
        let parsed: ExplainRequest
        do throws(JSONReadError) {
            parsed = try ExplainRequest(json: body)
        } catch {
            return Self.error(status: 400, "the body is not an explain request: \(error)")
        }
        let ruleSet = rules.current.ruleSet
        let target: ExplainRequest.Target
        do {
            target = try parsed.target(podTemplates: ruleSet.admission.podTemplates)
        } catch {
            return Self.error(status: 400, error.description)
        }
        let results = await AdmissionEvaluator(ruleSet).explain(target)
        return Self.json(Data(ExplainDocument(rules: ruleSet.source, results: results).json().utf8))
    }

    /// Reads the whole body, or throws `BodyRefusal`: 413 when it is larger than `maxBodyBytes` (found before
    /// reading it all; Hummingbird discards the rest before the connection's next request), 415 when it is
    /// compressed (the API server never compresses a review; a client that does should hear why, not "invalid JSON
    /// at byte 0"). Other errors are the connection's own.
    private func collect(_ request: Request) async throws -> Data {
        if let encoding = request.headers[.contentEncoding], encoding.lowercased() != "identity" {
            throw BodyRefusal(
                status: 415, message: "Content-Encoding \(encoding) is not supported; send the body uncompressed")
        }
        do {
            let buffer = try await request.body.collect(upTo: maxBodyBytes)
            return Data(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw BodyRefusal(status: 413, message: "the body is larger than \(maxBodyBytes) bytes")
        }
    }

    func log(_ summary: AdmissionSummary, outcome: String, generation: Int, duration: Duration) {
        // One line per admission is the contract; build it only when it will be written. With this package's
        // handlers the fields go straight into the line in key order; any other handler gets Logger.Metadata.
        guard logger.logLevel <= .info else { return }
        if let orderedHandler,
            orderedHandler.log(
                level: .info, message: "admission",
                fields: { fields in
                    Self.admissionFields(summary, outcome: outcome, generation: generation, duration: duration) {
                        fields.add($0, $1)
                    }
                })
        {
            return
        }
        var metadata: Logger.Metadata = [:]
        Self.admissionFields(summary, outcome: outcome, generation: generation, duration: duration) {
            metadata[$0] = $1
        }
        logger.info("admission", metadata: metadata)
    }

    /// The admission line's fields, given to `add` in ascending key order (what `OrderedFieldsLogHandler` needs;
    /// a test checks that both logging paths write the same line).
    static func admissionFields(
        _ summary: AdmissionSummary, outcome: String, generation: Int, duration: Duration,
        _ add: (String, Logger.MetadataValue) -> Void
    ) {
        if let denial = summary.denial { add("denied", .string(denial)) }
        if summary.dryRun { add("dryRun", "true") }
        add("durationMs", .string(milliseconds(duration)))
        add("kind", .string(summary.kind ?? ""))
        add("name", .string(summary.name ?? ""))
        add("namespace", .string(summary.namespace ?? ""))
        add("outcome", .string(outcome))
        if !summary.rewrites.isEmpty {
            add("rewrites", .array(summary.rewrites.map { .string("\($0.container): \($0.from) -> \($0.to)") }))
        }
        add("rulesGeneration", .string(String(generation)))
        if let skipped = summary.skipped { add("skipped", .string(skipped)) }
        add("uid", .string(summary.uid))
        if !summary.warnings.isEmpty { add("warnings", .array(summary.warnings.map { .string($0) })) }
    }

    /// `duration` in milliseconds with three decimals (microsecond resolution), e.g. `0.042`.
    static func milliseconds(_ duration: Duration) -> String {
        let micros = max(
            0, duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000)
        let fraction = String(micros % 1000)
        return "\(micros / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    static func json(_ data: Data) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(status: Int, _ message: String) -> Response {
        var body = JSONOutput(capacity: 64 + message.utf8.count)
        body.raw(#"{"error":"#)
        body.string(message)
        body.raw("}\n")
        return Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.bytes)))
    }
}

/// A request body the server will not read, and why: answered in the same `{"error": "..."}` form as every other
/// refusal (an `HTTPError` would be rendered by Hummingbird as `{"error": {"message": ...}}`).
struct BodyRefusal: Error {
    var status: Int
    var message: String
    var response: Response { WebhookRoutes.error(status: status, message) }
}
