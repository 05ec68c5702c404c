import Foundation
import MRABatKit
import NIOCore
import PostgresNIO

/// One value of a row a job writes in bulk.
enum SQLValue: Sendable {
    case int(Int64)
    case text(String)
    case bool(Bool)
    case bytes([UInt8])
    case null

    static func text(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }
    static func int(_ value: Int64?) -> SQLValue { value.map { .int($0) } ?? .null }
    static func int(_ value: Int) -> SQLValue { .int(Int64(value)) }
    static func bytes(_ value: [UInt8]?) -> SQLValue { value.map { .bytes($0) } ?? .null }
}

/// Rows for one table, each with the same columns in the same order.
struct BulkRows {
    let table: String
    let columns: [String]
    private(set) var rows: [[SQLValue]] = []

    /// - Parameters: `table` and `columns` come from this target's code, never from input.
    init(_ table: String, _ columns: [String]) {
        self.table = table
        self.columns = columns
    }

    mutating func append(_ row: [SQLValue]) {
        precondition(row.count == columns.count, "a \(table) row has \(row.count) values for \(columns.count) columns")
        rows.append(row)
    }

    /// Writes the rows with `COPY … FROM STDIN` (text format), in one stream.
    ///
    /// FIGURES-PENDING: measured against multi-row inserts (see NOTES-pg.md).
    func copy(into connection: PostgresConnection) async throws {
        guard !rows.isEmpty else { return }
        try await connection.copyFrom(table: table, columns: columns, logger: PostgresStore.logger) { writer in
            var buffer = ByteBuffer()
            buffer.reserveCapacity(1 << 16)
            for row in rows {
                for (index, value) in row.enumerated() {
                    if index > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
                    Self.writeCopyText(value, to: &buffer)
                }
                buffer.writeInteger(UInt8(ascii: "\n"))
                if buffer.readableBytes >= 1 << 16 {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
    }

    /// A value in COPY's text format: `\N` for NULL; backslash, tab, newline and carriage return escaped;
    /// BYTEA in hex (`\\x…`, its backslash escaped too).
    static func writeCopyText(_ value: SQLValue, to buffer: inout ByteBuffer) {
        switch value {
        case .null:
            buffer.writeStaticString("\\N")
        case .int(let number):
            buffer.writeString(String(number))
        case .bool(let flag):
            buffer.writeInteger(UInt8(ascii: flag ? "t" : "f"))
        case .bytes(let bytes):
            buffer.writeStaticString("\\\\x")
            let digits = Array("0123456789abcdef".utf8)
            for byte in bytes {
                buffer.writeInteger(digits[Int(byte >> 4)])
                buffer.writeInteger(digits[Int(byte & 0x0f)])
            }
        case .text(let text):
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
                case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
                case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
                default: buffer.writeInteger(byte)
                }
            }
        }
    }

    /// Writes the rows with multi-row `INSERT … VALUES`, as many rows per statement as the protocol's
    /// 65,535 parameters allow (the small writes that are not a job's: audit records).
    func insert(into connection: PostgresConnection) async throws {
        guard !rows.isEmpty else { return }
        let perStatement = max(1, Int(UInt16.max) / columns.count)
        let head = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        var start = 0
        while start < rows.count {
            let slice = rows[start..<min(start + perStatement, rows.count)]
            var binds = PostgresBindings(capacity: slice.count * columns.count)
            var sql = head
            var parameter = 0
            for (number, row) in slice.enumerated() {
                sql += number == 0 ? "(" : ", ("
                for (index, value) in row.enumerated() {
                    parameter += 1
                    sql += index == 0 ? "$\(parameter)" : ", $\(parameter)"
                    switch value {
                    case .int(let number): binds.append(number)
                    case .text(let text): binds.append(text)
                    case .bool(let flag): binds.append(flag)
                    case .bytes(let bytes): try binds.append(Data(bytes))
                    case .null: binds.appendNull()
                    }
                }
                sql += ")"
            }
            try await connection.run(PostgresQuery(unsafeSQL: sql, binds: binds))
            start += slice.count
        }
    }
}

extension AuditEvent {
    /// The `audit` columns ``auditRow`` fills.
    static let auditColumns = ["at", "device_id", "device_name", "event", "outcome", "detail"]

    var auditRow: [SQLValue] {
        [
            .int(PostgresStore.seconds(at)), .int(deviceID), .text(deviceName), .text(event), .text(outcome),
            .text(detail),
        ]
    }
}

extension PostgresConnection {
    /// Appends `events` to the audit log inside the caller's transaction.
    func appendAudit(_ events: [AuditEvent]) async throws {
        var rows = BulkRows("audit", AuditEvent.auditColumns)
        for event in events { rows.append(event.auditRow) }
        try await rows.insert(into: self)
    }
}
