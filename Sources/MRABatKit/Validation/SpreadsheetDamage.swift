import Foundation

/// Recognises what spreadsheets do to values: scientific notation, dropped leading zeros or `+`,
/// decimals added to numbers, typographic quotes and invisible spaces.
///
/// Damage is named in the reason so the administrator knows what to fix in the sheet; a MAC or a
/// DN is never guessed back.
enum SpreadsheetDamage {
    /// What is trimmed around every value without comment: ordinary white space. Non-breaking and
    /// invisible spaces are not trimmed but named, since they break names that look right.
    static let trimmed = CharacterSet(charactersIn: " \t\r\n")

    struct Finding {
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
        let scalars = value.unicodeScalars
        if let invisible = scalars.first(where: { invisibleSpaces.contains($0.value) }) {
            let name = String(format: "U+%04X", invisible.value)
            let reason = "contains an invisible or non-breaking space (\(name)), as spreadsheets and web pages paste in; "
                + "replace it with a normal space or remove it"
            return Finding(reason: reason, isFatal: isIdentifier(column))
        }
        if let quote = scalars.first(where: { typographicQuotes.contains($0.value) }) {
            let reason = "contains a typographic quote (\(quote)) that autocorrect inserts; use a plain quote or remove it"
            return Finding(reason: reason, isFatal: isIdentifier(column))
        }
        switch column {
        case .macAddress:
            if isScientific(value) {
                return Finding(
                    reason: "is a number in scientific notation: a spreadsheet converted the MAC; format the column as "
                        + "Text and enter the MAC again", isFatal: true)
            }
            let hex = value.unicodeScalars.filter { CharacterSet(charactersIn: "0123456789abcdefABCDEF").contains($0) }
            if hex.count == value.unicodeScalars.count, (9...11).contains(hex.count) {
                return Finding(
                    reason: "has \(hex.count) hex digits, not 12: a spreadsheet may have dropped its leading zeros; "
                        + "format the column as Text and enter the MAC again", isFatal: true)
            }
        case .directoryNumber:
            if isScientific(value) {
                return Finding(
                    reason: "is a number in scientific notation: a spreadsheet converted the directory number; format "
                        + "the column as Text and enter it again", isFatal: true)
            }
            if value.range(of: #"^[0-9]+\.[0-9]+$"#, options: .regularExpression) != nil {
                return Finding(
                    reason: "has a decimal part, as a spreadsheet adds to numbers; format the column as Text and enter "
                        + "the directory number again", isFatal: true)
            }
            // E.164 numbers are 11–15 digits with a country code; CUCM writes them \+… . Without it the
            // number may be what a spreadsheet left of "+1972…": say so, but do not guess.
            if value.utf8.count >= 11, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), value.first != "0" {
                return Finding(
                    reason: "looks like an E.164 number without its leading \\+; if a spreadsheet dropped the +, "
                        + "restore it", isFatal: false)
            }
        default:
            break
        }
        return nil
    }

    /// `1.23457E+11`, `4E+03`: what Excel shows for a long number in a General-formatted cell.
    static func isScientific(_ value: String) -> Bool {
        value.range(of: #"^[0-9](\.[0-9]+)?[eE][+-]?[0-9]+$"#, options: .regularExpression) != nil
    }

    static let invisibleSpaces: Set<UInt32> = [0x00A0, 0x2007, 0x202F, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]
    static let typographicQuotes: Set<UInt32> = [0x201C, 0x201D, 0x201E, 0x2018, 0x2019, 0x201A, 0x00AB, 0x00BB]
}
