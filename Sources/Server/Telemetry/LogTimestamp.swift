import Foundation

/// RFC 3339 timestamps in UTC with milliseconds (`2026-11-25T01:02:03.456Z`) for log lines, computed with
/// integer arithmetic: a formatter per line showed up in the load test's profile.
enum LogTimestamp {
    static func now() -> String {
        format(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    static func format(millisecondsSinceEpoch ms: Int64) -> String {
        let millis = Int(((ms % 1000) + 1000) % 1000)
        let seconds = (ms - Int64(millis)) / 1000
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        // Days since 1970-01-01 to a proleptic Gregorian date (the civil-from-days algorithm by H. Hinnant).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        // Written digit by digit into one buffer: one allocation per line instead of a dozen small strings.
        var text: [UInt8] = []
        text.reserveCapacity(24)
        if year < 0 || year > 9999 {
            text.append(contentsOf: String(year).utf8)
        } else {
            digits(year, 4, into: &text)
        }
        text.append(UInt8(ascii: "-"))
        digits(month, 2, into: &text)
        text.append(UInt8(ascii: "-"))
        digits(day, 2, into: &text)
        text.append(UInt8(ascii: "T"))
        digits(secondOfDay / 3600, 2, into: &text)
        text.append(UInt8(ascii: ":"))
        digits(secondOfDay / 60 % 60, 2, into: &text)
        text.append(UInt8(ascii: ":"))
        digits(secondOfDay % 60, 2, into: &text)
        text.append(UInt8(ascii: "."))
        digits(millis, 3, into: &text)
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends the last `width` decimal digits of `value` (0 ≤ value), zero-padded.
    private static func digits(_ value: Int, _ width: Int, into text: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            text.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}
