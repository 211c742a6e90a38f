import Foundation
import Testing

@testable import ReplacerJSON

@Suite struct JSONOutputTests {
    @Test(arguments: [
        "plain", "quote \" backslash \\ slash /", "controls \u{0}\u{1}\u{8}\u{9}\u{a}\u{c}\u{d}\u{1f}", "é ☃ 😀", "",
    ])
    func stringsRoundTripThroughJSONSerialization(_ text: String) throws {
        var out = JSONOutput()
        out.raw("[")
        out.string(text)
        out.raw("]")
        let parsed = try JSONSerialization.jsonObject(with: out.data) as? [String]
        #expect(parsed == [text])
    }

    /// The writer skips eight bytes at a time: put each byte that needs escaping (and a non-ASCII one, which must
    /// not be escaped) at every position of a word, next to every other, and check the text against JSON's own
    /// reading.
    @Test func escapesAreFoundAtEveryOffset() throws {
        let specials: [String] = ["\"", "\\", "\u{0}", "\u{1f}", "\n", "é", "\u{7f}"]
        for special in specials {
            for offset in 0..<20 {
                for trailer in ["", "x", "\"", "😀"] {
                    let text =
                        String(repeating: "a", count: offset) + special + String(repeating: "b", count: 19 - offset)
                        + trailer
                    var out = JSONOutput()
                    out.raw("[")
                    out.string(text)
                    out.raw("]")
                    let parsed = try JSONSerialization.jsonObject(with: out.data) as? [String]
                    #expect(parsed == [text], "\(special.unicodeScalars.map(\.value)) at \(offset)")
                }
            }
        }
    }
}
