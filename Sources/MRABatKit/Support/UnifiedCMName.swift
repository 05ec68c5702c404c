import Foundation

extension String {
    /// Whether two Unified CM names are the same name: equal regardless of case, as Unified CM and the
    /// store's `NOCASE` columns compare them.
    ///
    /// A config file per device looks up its date/time group, locales, SIP and security profiles by
    /// name; Foundation's `caseInsensitiveCompare` for those was 1,413 of 58,429 samples of a 100k-row
    /// insert (`perf record -g`), about 14 µs per file. ASCII names — all the names these lists hold in
    /// practice — are compared here byte by byte; any other name still goes through Foundation, so the
    /// answer is the same as before for every pair.
    package func isSameName(as other: String) -> Bool {
        if self == other { return true }
        guard isASCII && other.isASCII else { return caseInsensitiveCompare(other) == .orderedSame }
        return utf8.count == other.utf8.count
            && zip(utf8, other.utf8).allSatisfy { Self.asciiLowercase($0) == Self.asciiLowercase($1) }
    }

    private var isASCII: Bool { utf8.allSatisfy { $0 < 0x80 } }

    private static func asciiLowercase(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }
}
