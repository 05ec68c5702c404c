import GRDB

/// Lists of values sent to SQLite as one argument, read with `json_each(?)`.
///
/// A GRDB `IN (?, ?, …)` filter is a new statement for every list length: its text is built and
/// parsed, and the statement prepared, for every chunk of a job (a 4,096-row chunk asks for up to
/// 12,288 keys at once). A statement whose list is one JSON argument has one text, so it is prepared
/// once per connection (GRDB's statement cache) and only bound after that; `value IN (SELECT value
/// FROM json_each(?))` still searches the column's index once per value.
extension SQLiteStore {
    /// `values` as a JSON array of strings.
    static func jsonArray(_ values: some Sequence<String>) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        var first = true
        for value in values {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            bytes.append(UInt8(ascii: "\""))
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    bytes.append(UInt8(ascii: "\\"))
                    bytes.append(byte)
                case 0..<0x20:
                    // \u00XX: JSON allows no raw control character in a string.
                    bytes.append(contentsOf: Array("\\u00".utf8))
                    bytes.append(Self.hexDigit(byte >> 4))
                    bytes.append(Self.hexDigit(byte & 0xF))
                default:
                    bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "]"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `values` as a JSON array of integers.
    static func jsonArray(_ values: some Sequence<Int64>) -> String {
        "[" + values.map(String.init).joined(separator: ",") + "]"
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// The rows `sql` selects with its `?` arguments bound to `arguments`, the statement cached.
    static func fetchAll<Record: FetchableRecord>(
        _ type: Record.Type, _ db: Database, cached sql: String, _ arguments: StatementArguments
    ) throws -> [Record] {
        try Record.fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }
}
