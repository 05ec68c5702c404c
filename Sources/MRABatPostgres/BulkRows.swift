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
    /// Measured against ``insert(into:)`` (multi-row `INSERT … VALUES` with bound parameters, as many rows
    /// per statement as the protocol's 65,535 parameters allow) for the five tables a new device writes:
    /// 20,000 generated rows (`mrabat-bench generate --rows 20000`) through `mrabat insert` into
    /// PostgreSQL 15 on loopback, debug build, this 2-core machine under other builds' load, the two run
    /// alternately: the store stage took 10.5, 10.6 and 14.2 s with COPY, 22.3 and 33.4 s with the
    /// multi-row inserts. COPY sends no statement to parse and plan and no per-parameter length, and
    /// the server reads its text rows in one pass; so a job's rows go in by COPY.
    func copy(into connection: PostgresConnection) async throws {
        guard !rows.isEmpty else { return }
        try await connection.copyFrom(table: table, columns: columns, logger: PostgresStore.logger) { writer in
            // Rows are encoded into plain bytes and handed over 64 KiB at a time.
            var text: [UInt8] = []
            text.reserveCapacity(1 << 17)
            for row in rows {
                for (index, value) in row.enumerated() {
                    if index > 0 { text.append(UInt8(ascii: "\t")) }
                    Self.appendCopyText(value, to: &text)
                }
                text.append(UInt8(ascii: "\n"))
                if text.count >= 1 << 16 {
                    try await writer.write(ByteBuffer(bytes: text))
                    text.removeAll(keepingCapacity: true)
                }
            }
            if !text.isEmpty { try await writer.write(ByteBuffer(bytes: text)) }
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A value in COPY's text format: `\N` for NULL; backslash, tab, newline and carriage return escaped;
    /// BYTEA in hex (`\\x…`, its backslash escaped too).
    static func appendCopyText(_ value: SQLValue, to text: inout [UInt8]) {
        switch value {
        case .null:
            text.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
        case .int(let number):
            text.append(contentsOf: String(number).utf8)
        case .bool(let flag):
            text.append(UInt8(ascii: flag ? "t" : "f"))
        case .bytes(let bytes):
            text.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")])
            hexDigits.withUnsafeBufferPointer { digits in
                for byte in bytes {
                    text.append(digits[Int(byte >> 4)])
                    text.append(digits[Int(byte & 0x0f)])
                }
            }
        case .text(let string):
            let utf8 = string.utf8
            let special: (UInt8) -> Bool = { $0 == UInt8(ascii: "\\") || $0 == 9 || $0 == 10 || $0 == 13 }
            guard utf8.contains(where: special) else {
                text.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\\"): text.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case 9: text.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 10: text.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 13: text.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                default: text.append(byte)
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
