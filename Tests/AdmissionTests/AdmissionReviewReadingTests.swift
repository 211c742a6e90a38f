import Foundation
import ReplacerJSON
import Testing

@testable import ReplacerAdmission

/// The hand-written reader reads the same values as JSONDecoder (the reference it replaced on the hot path) from
/// every valid document, and rejects the same wrong shapes. It is stricter on syntax: JSONDecoder lets trailing
/// commas, leading zeros, raw control characters and bad escapes through in members nobody reads; RFC 8259 does
/// not, and neither do we.
@Suite struct AdmissionReviewReadingTests {
    /// Reads `json` both ways; returns the value when both accept it, fails the test when they disagree.
    @discardableResult
    func bothWays(_ json: String, sourceLocation: SourceLocation = #_sourceLocation) -> AdmissionReviewRequest? {
        let data = Data(json.utf8)
        let reference = try? JSONDecoder().decode(AdmissionReviewRequest.self, from: data)
        let ours: AdmissionReviewRequest?
        do {
            ours = try AdmissionReviewRequest(json: data)
        } catch {
            ours = nil
            #expect(reference == nil, "rejected what JSONDecoder accepts: \(error)", sourceLocation: sourceLocation)
        }
        if let ours {
            #expect(reference == ours, "read differently from JSONDecoder", sourceLocation: sourceLocation)
        }
        return ours
    }

    /// The reader skips eight bytes at a time: put each byte that ends or interrupts plain text at every position
    /// of a word and check the value (and the rejections) against JSONDecoder.
    @Test func stringsAreReadAtEveryOffset() {
        let specials = [#"\""#, #"\\"#, #"\u00e9"#, #"\ud83d\ude00"#, "é", "😀", #"\n"#, "\u{1}", "\u{1f}", "\u{7f}"]
        for special in specials {
            for offset in 0..<20 {
                let uid = String(repeating: "a", count: offset) + special + String(repeating: "b", count: 19 - offset)
                let json = #"{"request":{"uid":""# + uid + #"","namespace":"n"}}"#
                let read = bothWays(json)
                let rawControl = special.unicodeScalars.first.map { $0.value < 0x20 } ?? false
                #expect((read == nil) == rawControl, "\(special) at \(offset)")
                if let read { #expect(read.request?.namespace == "n") }
            }
        }
    }

    /// Image volumes are read where they are well formed; anything else in `volumes` is left alone without an
    /// error (the webhook never refused a review for its volumes, and the API server validates them anyway), the
    /// same way by both readers.
    @Test func imageVolumesAreReadLeniently() throws {
        func volumes(_ list: String) -> [Volume]? {
            bothWays(#"{"request":{"uid":"u","object":{"spec":{"volumes":"# + list + "}}}}")?.request?.object?.spec?
                .volumes
        }
        let read = try #require(
            volumes(
                #"[{"name":"m","image":{"reference":"acme/m:1","pullPolicy":"Never","extra":[1]}},{"name":"e","emptyDir":{}},"#
                    + #"{"name":"s","image":"acme/x:1"},{"image":{"reference":7}},{"name":"n","image":null},3,"#
                    + #"{"name":"r","image":{}}]"#))
        #expect(read.map(\.name) == ["m", "e", "s", nil, "n", nil, "r"])
        #expect(read.map { $0.image?.reference } == ["acme/m:1", nil, nil, nil, nil, nil, nil])
        #expect(read.first?.image?.pullPolicy == "Never")
        for odd in [#""not a list""#, #"{"a":1}"#, "null", "true"] {
            let review = try #require(bothWays(#"{"request":{"uid":"u","object":{"spec":{"volumes":"# + odd + "}}}}"))
            #expect(review.request?.object?.spec?.volumes == nil, "\(odd)")
        }
    }

    func error(_ json: String) -> JSONReadError? {
        do {
            _ = try AdmissionReviewRequest(json: Data(json.utf8))
            return nil
        } catch {
            return error
        }
    }

    static let pod = #"""
        {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1",
         "kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
         "operation":"CREATE","namespace":"team-a","dryRun":false,"userInfo":{"username":"x","groups":["a","b"]},
         "object":{"metadata":{"name":"web","labels":{"app":"web"},"annotations":{"a/b":"c"},
           "managedFields":[{"manager":"kubectl","time":"2026-01-01T00:00:00Z","fieldsV1":{"f:spec":{}}}]},
           "spec":{"volumes":[{"name":"v","emptyDir":{}}],"terminationGracePeriodSeconds":30,"priority":-1.5e3,
             "containers":[{"name":"app","image":"nginx:1.27","imagePullPolicy":"IfNotPresent",
                            "ports":[{"containerPort":80}],"env":[{"name":"X","value":"1"}]}],
             "initContainers":[{"name":"init","image":"busybox"}],"ephemeralContainers":null},
           "status":{}},
         "oldObject":null}}
        """#

    @Test func readsTheFieldsTheReviewerUses() throws {
        let review = try #require(bothWays(Self.pod))
        let request = try #require(review.request)
        #expect(request.uid == "u-1")
        #expect(request.kind?.kind == "Pod")
        #expect(request.resource?.resource == "pods")
        #expect(request.dryRun == false)
        #expect(request.object?.metadata?.annotations == ["a/b": "c"])
        #expect(request.object?.spec?.containers?.first?.image == "nginx:1.27")
        #expect(request.object?.spec?.containers?.first?.imagePullPolicy == "IfNotPresent")
        #expect(request.object?.spec?.initContainers?.first?.name == "init")
        #expect(request.object?.spec?.ephemeralContainers == nil)
        #expect(request.oldObject == nil)
    }

    @Test func templatesAndCronJobs() throws {
        let deployment = #"""
            {"request":{"uid":"d","kind":{"kind":"Deployment"},"object":{"spec":{"replicas":3,
             "template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"redis"}]}}}}}}
            """#
        #expect(bothWays(deployment)?.request?.object?.spec?.template?.spec?.containers?.first?.image == "redis")
        let cronJob = #"""
            {"request":{"uid":"c","object":{"spec":{"schedule":"* * * * *","jobTemplate":{"spec":{"template":
             {"spec":{"containers":[{"image":"alpine"}]}}}}}}}}
            """#
        #expect(
            bothWays(cronJob)?.request?.object?.spec?.jobTemplate?.spec?.template?.spec?.containers?.first?.image
                == "alpine")
        let podTemplate = #"{"request":{"uid":"t","object":{"template":{"spec":{"containers":[{"image":"x"}]}}}}}"#
        #expect(bothWays(podTemplate)?.request?.object?.template?.spec?.containers?.first?.image == "x")
    }

    @Test(arguments: [
        // Escapes, in values and in member names; surrogate pairs; non-ASCII text.
        #"{"request":{"uid":"a\"b\\c\/d\b\f\n\r\t\u0041\u00e9\ud83d\ude00"}}"#,
        #"{"request":{"u\u0069d":"escaped-name"}}"#,
        #"{"request":{"uid":"snow ☃ and 😀"}}"#,
        // null for optional members.
        #"{"apiVersion":null,"kind":null,"request":{"uid":"n","kind":null,"object":{"metadata":null,"spec":null}}}"#,
        // No request at all, and an empty object.
        #"{"apiVersion":"admission.k8s.io/v1"}"#, "{}",
        // Numbers of every shape in fields the reviewer skips.
        #"{"x":[0,-0,1,-1,12.5,1e9,1E+9,1e-9,-0.0e0,123456789012345678901234567890],"request":{"uid":"n"}}"#,
        // Whitespace everywhere it may be.
        " \t\r\n{ \"request\" : { \"uid\" : \"w\" , \"object\" : { } } } \n",
    ])
    func acceptsWhatJSONDecoderAccepts(_ json: String) {
        #expect(bothWays(json) != nil)
    }

    @Test func aRepeatedMemberKeepsItsLastValueAsTheAPIServersDecoderDoes() throws {
        // JSONDecoder keeps the first; Go's encoding/json, which the API server uses, keeps the last.
        let review = try AdmissionReviewRequest(json: Data(#"{"request":{"uid":"first","uid":"second"}}"#.utf8))
        #expect(review.request?.uid == "second")
    }

    @Test(arguments: [
        "", " ", "nul", "{", "}", #"{"request":}"#, #"{"request":{"uid":"a"}"#, #"{"request":{"uid":"a"}}}"#,
        #"{"request":{"uid":"a"},}"#, #"{"a":[1,]}"#, #"{"a":01}"#, #"{"a":1.}"#, #"{"a":.5}"#, #"{"a":-}"#,
        #"{"a":1e}"#, #"{"a":+1}"#, #"{"a":tru}"#, #"{"a":"\x"}"#, #"{"a":"\u12"}"#, "{\"a\":\"tab\there\"}",
        #"{'a':1}"#, #"{a:1}"#, #"{"a":1}{"b":2}"#, #"{"a" 1}"#, "[1,2", #"{"a":"unterminated}"#,
    ])
    func rejectsInvalidJSONEvenWhereJSONDecoderIsLenient(_ json: String) {
        guard case .syntax = error(json)?.kind else {
            Issue.record("accepted invalid JSON, or called it a shape error: \(json)")
            return
        }
    }

    @Test(arguments: [
        "[]", "1", #""text""#, "null", #"{"request":{}}"#, #"{"request":{"uid":7}}"#, #"{"request":{"uid":null}}"#,
        #"{"request":"x"}"#, #"{"request":{"uid":"a","dryRun":"yes"}}"#,
        #"{"request":{"uid":"a","kind":{"group":"apps"}}}"#,
        #"{"request":{"uid":"a","object":{"spec":{"containers":{}}}}}"#,
        #"{"request":{"uid":"a","object":{"spec":{"containers":[null]}}}}"#,
        #"{"request":{"uid":"a","object":{"spec":{"containers":[{"image":5}]}}}}"#,
        #"{"request":{"uid":"a","object":{"metadata":{"labels":{"a":1}}}}}"#,
        #"{"request":{"uid":"a","object":{"metadata":{"annotations":{"a":null}}}}}"#,
    ])
    func rejectsTheShapesJSONDecoderRejects(_ json: String) {
        #expect(bothWays(json) == nil)
    }

    @Test func invalidUTF8IsRejectedInsideSkippedValuesToo() {
        for bytes: [UInt8] in [
            Array(#"{"request":{"uid":""#.utf8) + [0xC3, 0x28] + Array(#""}}"#.utf8),
            Array(#"{"skipped":""#.utf8) + [0xFF] + Array(#"","request":{"uid":"a"}}"#.utf8),
            Array(#"{""#.utf8) + [0xED, 0xA0, 0x80] + Array(#"":1,"request":{"uid":"a"}}"#.utf8),
        ] {
            #expect(throws: JSONReadError.self) { try AdmissionReviewRequest(json: Data(bytes)) }
        }
    }

    /// The string scanner skips eight plain bytes at a time: put each kind of special byte at every offset
    /// around those eight-byte steps and check it is still seen.
    @Test func specialBytesAreFoundAtEveryOffset() throws {
        for offset in 0..<20 {
            let before = String(repeating: "a", count: offset)
            let after = String(repeating: "b", count: 19 - offset)
            for (written, meant) in [
                (#"\""#, "\""), (#"\\"#, "\\"), (#"\n"#, "\n"), ("é", "é"), ("😀", "😀"), ("~", "~"),
            ] {
                let review = try AdmissionReviewRequest(
                    json: Data(#"{"request":{"uid":"\#(before)\#(written)\#(after)"}}"#.utf8))
                #expect(review.request?.uid == before + meant + after, "offset \(offset), \(written)")
            }
            #expect(error("{\"request\":{\"uid\":\"\(before)\u{1}\(after)\"}}") != nil, "control byte at \(offset)")
            #expect(error(#"{"request":{"uid":"\#(before)"#) != nil, "unterminated at \(offset)")
            var invalid = Array(#"{"request":{"uid":""#.utf8) + Array(before.utf8)
            invalid += [0xFF] + Array(after.utf8) + Array(#""}}"#.utf8)
            #expect(throws: JSONReadError.self) { try AdmissionReviewRequest(json: Data(invalid)) }
        }
    }

    @Test func loneSurrogatesAreRejected() {
        #expect(error(#"{"request":{"uid":"\ud83d"}}"#) != nil)
        #expect(error(#"{"request":{"uid":"\ude00x"}}"#) != nil)
        #expect(error(#"{"request":{"uid":"\ud83d\u0041"}}"#) != nil)
    }

    @Test func deepNestingIsRefusedNotRecursedInto() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let message = error(#"{"skipped":\#(deep),"request":{"uid":"a"}}"#)?.description ?? ""
        #expect(message.contains("nested deeper than"))
        let fine = String(repeating: "[", count: 150) + String(repeating: "]", count: 150)
        #expect(error(#"{"skipped":\#(fine),"request":{"uid":"a"}}"#) == nil)
    }

    @Test func errorsSayWhereAndWhat() {
        #expect(
            error(#"{"request":{"uid":"a",}}"#)?.description
                == "invalid JSON at byte 22: expected a member name in quotes")
        #expect(error(#"{"request":{"uid":5}}"#)?.description == "wrong type at request.uid (expected a string)")
        #expect(error(#"{"request":{"kind":{"kind":"Pod"}}}"#)?.description == #"missing "uid" at request"#)
        #expect(
            error(#"{"request":{"uid":"a","object":{"spec":{"initContainers":[{},{"image":[]}]}}}}"#)?.description
                == "wrong type at request.object.spec.initContainers.1.image (expected a string)")
        #expect(
            error(#"{"request":{"uid":"a","object":{"metadata":{"labels":{"tier":true}}}}}"#)?.description
                == "wrong type at request.object.metadata.labels.tier (expected a string)")
        #expect(error("[1] 2")?.description == "wrong type at the top level (expected an object)")
    }
}

/// The answer the reviewer writes with JSONOutput has the AdmissionReview shape JSON readers expect.
@Suite struct AdmissionAnswerTests {
    @Test func answerIsTheAdmissionReviewShape() throws {
        var response = AdmissionResponse(uid: "u\"1", allowed: false)
        response.patchType = "JSONPatch"
        response.patch = "W10="
        response.warnings = ["one", "two\n"]
        response.status = .init(code: 403, message: "no")
        let data = AdmissionReviewResponse(apiVersion: "admission.k8s.io/v1", response: response).json()
        let top = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(top["apiVersion"] as? String == "admission.k8s.io/v1")
        #expect(top["kind"] as? String == "AdmissionReview")
        let inner = try #require(top["response"] as? [String: Any])
        #expect(inner["uid"] as? String == "u\"1")
        #expect(inner["allowed"] as? Bool == false)
        #expect(inner["patch"] as? String == "W10=")
        #expect(inner["warnings"] as? [String] == ["one", "two\n"])
        #expect((inner["status"] as? [String: Any])?["code"] as? Int == 403)
    }

    @Test func patchAndAnnotationText() {
        var patch = JSONPatch()
        patch.replace("/spec/containers/0/image", with: "mirror/x:1")
        patch.add("/metadata/annotations", .object(["k/2": .string("v"), "k/1": .object([:])]))
        #expect(
            String(decoding: patch.encoded(), as: UTF8.self)
                == #"[{"op":"replace","path":"/spec/containers/0/image","value":"mirror/x:1"},"#
                + #"{"op":"add","path":"/metadata/annotations","value":{"k/1":{},"k/2":"v"}}]"#)
        #expect(JSONPatch().encoded() == Data("[]".utf8))
    }
}
