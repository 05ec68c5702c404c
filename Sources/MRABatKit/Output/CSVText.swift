/// Writes CSV fields RFC 4180-style: quoted only when they hold the delimiter, a quote or a line break.
public enum CSVText {
    /// One record, fields joined by `delimiter`, ending in CRLF (what Excel and BAT write).
    public static func record(_ fields: [String], delimiter: UInt8 = UInt8(ascii: ",")) -> String {
        let separator = String(UnicodeScalar(delimiter))
        return fields.map { quote($0, delimiter: delimiter) }.joined(separator: separator) + "\r\n"
    }

    static func quote(_ field: String, delimiter: UInt8) -> String {
        let needsQuotes = field.utf8.contains { (byte: UInt8) -> Bool in
            byte == delimiter || byte == 0x22 || byte == 0x0A || byte == 0x0D
        }
        guard needsQuotes else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
