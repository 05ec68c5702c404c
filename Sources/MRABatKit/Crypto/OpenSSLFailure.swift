import COpenSSL

/// Reading OpenSSL's thread-local error queue into the library's error type.
enum OpenSSLFailure {
    /// Drains this thread's OpenSSL error queue into one line, oldest first.
    ///
    /// Draining matters beyond the message: a stale entry left on the queue would be blamed on
    /// the next, unrelated failure on the same thread.
    static func drainErrorQueue() -> String? {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let end = buffer.firstIndex(of: 0) ?? buffer.endIndex
            reasons.append(String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }

    /// A `.crypto` error whose cause is whatever OpenSSL queued for the failed call.
    static func error(_ message: String) -> MRABatError {
        MRABatError(.crypto, message, cause: drainErrorQueue())
    }
}
