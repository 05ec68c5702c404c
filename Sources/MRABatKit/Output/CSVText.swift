/// Writes CSV fields RFC 4180-style, safe to open in a spreadsheet: the one place every CSV mrabat
/// writes (`activation-codes.csv`, `export-codes`, `rejects.csv`) goes through.
///
/// **Formula injection** (OWASP's CSV-injection rule): a cell starting with `=`, `+`, `-`, `@`, TAB
/// or CR is one a spreadsheet may run as a formula (`=HYPERLINK(…)`, `+cmd|…`, `@SUM(…)`, `-2+3`).
/// Such a cell is written with a single quote `'` in front, and quoted: the spreadsheet shows the
/// text, apostrophe hidden, and runs nothing. So that the file still reads back as written, a cell
/// that already starts with one or more `'` before such a character gets one more `'` as well;
/// ``CSVReader`` removes exactly one `'` from every field of that shape
/// (see ``restoringNeutralised(_:)``), and a spreadsheet that opens and re-saves the file drops its
/// apostrophe itself. Either way the original value comes back, which keeps `rejects.csv` a file to
/// fix and resubmit.
package enum CSVText {
    /// One record, fields joined by `delimiter`, ending in CRLF (what Excel and BAT write).
    package static func record(_ fields: [String], delimiter: UInt8 = UInt8(ascii: ",")) -> String {
        let separator = String(UnicodeScalar(delimiter))
        return fields.map { quote($0, delimiter: delimiter) }.joined(separator: separator) + "\r\n"
    }

    static func quote(_ field: String, delimiter: UInt8) -> String {
        if startsLikeFormula(field.utf8) {
            return "\"'" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        let needsQuotes = field.utf8.contains { (byte: UInt8) -> Bool in
            byte == delimiter || byte == 0x22 || byte == 0x0A || byte == 0x0D
        }
        guard needsQuotes else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `= + - @ TAB CR`: the first characters OWASP lists as starting a formula.
    static func isFormulaStart(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "=") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "@") || byte == 0x09 || byte == 0x0D
    }

    /// Whether the writer puts a `'` in front: the field is `'`* then a formula start.
    static func startsLikeFormula(_ bytes: some Sequence<UInt8>) -> Bool {
        for byte in bytes where byte != UInt8(ascii: "'") { return isFormulaStart(byte) }
        return false
    }

    /// Whether the reader takes a `'` away: the field is `'`+ then a formula start (what the writer
    /// makes of ``startsLikeFormula(_:)``, and nothing else).
    static func isNeutralised(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.first == UInt8(ascii: "'") && startsLikeFormula(bytes)
    }

    /// A field as read, with the `'` the writer added removed (see the type's documentation).
    package static func restoringNeutralised(_ field: String) -> String {
        isNeutralised(field.utf8) ? String(field.dropFirst()) : field
    }
}
