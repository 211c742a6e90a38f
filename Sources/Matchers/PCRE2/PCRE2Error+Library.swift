import CPCRE2

// Translation from PCRE2's integer error codes into PCRE2Error.
extension PCRE2Error {
    /// The error for a negative `pcre2_match` return code other than "no match".
    init(matchReturnCode rc: Int32, pattern: String) {
        let code: Code =
            switch rc {
            case CPCRE2_error_matchlimit(): .matchLimitExceeded
            case CPCRE2_error_depthlimit(): .depthLimitExceeded
            case CPCRE2_error_heaplimit(): .heapLimitExceeded
            default: .matchFailed
            }
        self.init(code: code, pcre2ErrorCode: Int(rc), pattern: pattern)
    }

    /// PCRE2's English text for an error code, or a generic fallback for codes the library does not know.
    static func libraryMessage(for errorCode: Int) -> String {
        // The longest PCRE2 message is about 100 bytes; 256 leaves room for future versions.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { buffer in
            let length = CPCRE2_get_error_message(Int32(truncatingIfNeeded: errorCode), buffer.baseAddress, 256)
            guard length >= 0 else { return "unknown PCRE2 error \(errorCode)" }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<Int(length)]), as: UTF8.self)
        }
    }
}
