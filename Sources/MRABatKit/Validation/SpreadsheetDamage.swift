import Foundation

/// Recognises what spreadsheets do to values: scientific notation, dropped leading zeros or `+`,
/// decimals added to numbers, typographic quotes and invisible spaces.
///
/// Damage is named in the reason so the administrator knows what to fix in the sheet; a MAC or a
/// DN is never guessed back.
enum SpreadsheetDamage {
    /// Trims what is removed around every value without comment: ordinary white space (space, TAB,
    /// CR, LF). Non-breaking and invisible spaces are not trimmed but named, since they break names
    /// that look right. Works on bytes: it runs for every cell.
    static func trim(_ value: String) -> String {
        let bytes = value.utf8
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        guard let first = bytes.first, let last = bytes.last, isSpace(first) || isSpace(last) else { return value }
        guard let start = bytes.firstIndex(where: { !isSpace($0) }), let end = bytes.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(value[start...end])
    }

    struct Finding {
        var tag: RowProblem.Tag
        var reason: String
        /// False for a warning: the row goes in, the summary mentions it.
        var isFatal: Bool
    }

    /// Columns whose values name things (and so must be exact): damage there rejects the row.
    static func isIdentifier(_ column: BATColumn) -> Bool {
        switch column {
        case .description, .display, .lineTextLabel: return false
        default: return true
        }
    }

    static func inspect(_ value: String, column: BATColumn) -> Finding? {
        // Invisible spaces and typographic quotes are all outside ASCII; most values are not.
        if value.utf8.contains(where: { $0 >= 0x80 }) {
            let scalars = value.unicodeScalars
            if let invisible = scalars.first(where: { invisibleSpaces.contains($0.value) }) {
                let name = String(format: "U+%04X", invisible.value)
                let reason =
                    "contains an invisible or non-breaking space (\(name)), as spreadsheets and web pages paste in; "
                    + "replace it with a normal space or remove it"
                return Finding(tag: .invisibleSpace, reason: reason, isFatal: isIdentifier(column))
            }
            if let quote = scalars.first(where: { typographicQuotes.contains($0.value) }) {
                let reason =
                    "contains a typographic quote (\(quote)) that autocorrect inserts; use a plain quote or remove it"
                return Finding(tag: .typographicQuote, reason: reason, isFatal: isIdentifier(column))
            }
        }
        switch column {
        case .macAddress:
            if isScientific(value) {
                return Finding(
                    tag: .macScientificNotation,
                    reason: "is a number in scientific notation: a spreadsheet converted the MAC; format the column as "
                        + "Text and enter the MAC again", isFatal: true)
            }
            let isHex = value.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }
            if isHex, (9...11).contains(value.utf8.count) {
                return Finding(
                    tag: .macLeadingZerosLost,
                    reason:
                        "has \(value.utf8.count) hex digits, not 12: a spreadsheet may have dropped its leading zeros; "
                        + "format the column as Text and enter the MAC again", isFatal: true)
            }
        case .directoryNumber:
            if isScientific(value) {
                return Finding(
                    tag: .directoryNumberScientificNotation,
                    reason: "is a number in scientific notation: a spreadsheet converted the directory number; format "
                        + "the column as Text and enter it again", isFatal: true)
            }
            if hasDecimalPart(value) {
                return Finding(
                    tag: .directoryNumberDecimalPart,
                    reason: "has a decimal part, as a spreadsheet adds to numbers; format the column as Text and enter "
                        + "the directory number again", isFatal: true)
            }
            // E.164 numbers are 11–15 digits with a country code; CUCM writes them \+… . Without it the
            // number may be what a spreadsheet left of "+1972…": say so, but do not guess.
            if value.utf8.count >= 11, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), value.first != "0" {
                return Finding(
                    tag: .directoryNumberMissingPlus,
                    reason: "looks like an E.164 number without its leading \\+; if a spreadsheet dropped the +, "
                        + "restore it", isFatal: false)
            }
        default:
            break
        }
        return nil
    }

    /// `1.23457E+11`, `4E+03`: what Excel shows for a long number in a General-formatted cell.
    /// Matches `^[0-9](\.[0-9]+)?[eE][+-]?[0-9]+$`, by hand: this runs for every MAC and DN.
    static func isScientific(_ value: String) -> Bool {
        var bytes = value.utf8.makeIterator()
        func isDigit(_ byte: UInt8?) -> Bool { byte.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        guard isDigit(bytes.next()) else { return false }
        var next = bytes.next()
        if next == UInt8(ascii: ".") {
            next = bytes.next()
            guard isDigit(next) else { return false }
            while isDigit(next) { next = bytes.next() }
        }
        guard next == UInt8(ascii: "e") || next == UInt8(ascii: "E") else { return false }
        next = bytes.next()
        if next == UInt8(ascii: "+") || next == UInt8(ascii: "-") { next = bytes.next() }
        guard isDigit(next) else { return false }
        while isDigit(next) { next = bytes.next() }
        return next == nil
    }

    /// `4001.0`: digits, a point, digits (`^[0-9]+\.[0-9]+$`).
    static func hasDecimalPart(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard let point = bytes.firstIndex(of: UInt8(ascii: ".")), point > 0, point < bytes.count - 1 else {
            return false
        }
        return bytes.enumerated().allSatisfy { $0.offset == point || ($0.element >= 0x30 && $0.element <= 0x39) }
    }

    static let invisibleSpaces: Set<UInt32> = [0x00A0, 0x2007, 0x202F, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]
    static let typographicQuotes: Set<UInt32> = [0x201C, 0x201D, 0x201E, 0x2018, 0x2019, 0x201A, 0x00AB, 0x00BB]
}
