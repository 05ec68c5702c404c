import Foundation

/// Writes the Export Activation Codes file (mode 0600): one row per outstanding, unexpired code.
package enum ActivationCodeExport {
    package static let header = [
        "Device Name", "Description", "Device Type", "Owner User ID", "Activation Code", "Expiry",
    ]

    /// Decrypts each outstanding code from the store and writes the CSV atomically.
    ///
    /// - Parameter jobID: one job's devices (accepted or unchanged), or nil for every outstanding code.
    /// - Returns: the number of codes written.
    @discardableResult
    package static func write(
        store: any Store, vault: CodeVault, jobID: Int64?, now: Date, to path: String
    ) async throws -> Int {
        let writer = try AtomicFileWriter(path: path, mode: 0o600)
        try writer.write(CSVText.record(header))
        var cursor: Int64 = 0
        var count = 0
        var lastExpiry: Date?
        var expiryText = ""
        while true {
            let page = try await store.outstandingCodes(jobID: jobID, now: now, after: cursor, limit: 4096)
            guard let last = page.last else { break }
            cursor = last.cursor
            for code in page {
                let plain = try vault.open(code.sealed, associatedData: Array(code.identity.utf8))
                // A job's codes share one expiry; format each distinct one once (the formatter is slow).
                if code.expiresAt != lastExpiry {
                    lastExpiry = code.expiresAt
                    expiryText = AuditTime.format(code.expiresAt)
                }
                try writer.write(
                    CSVText.record([
                        code.deviceName, code.description ?? "", code.model, code.ownerUserID, plain.digits, expiryText,
                    ]))
                count += 1
            }
        }
        try writer.commit(durable: true)
        return count
    }

    /// Takes the rows of devices named `names` out of the export at `path`, if there is one: a job
    /// that removed those devices (and so their codes) leaves no code in it that the store no longer has.
    ///
    /// The file is mrabat's own: one record per line (no value of it can hold a line break: the
    /// validator refuses control characters), the device name first and never quoted.
    /// - Returns: how many rows were taken out.
    @discardableResult
    package static func withdraw(names: Set<String>, from path: String) throws -> Int {
        guard !names.isEmpty, let data = FileManager.default.contents(atPath: path) else { return 0 }
        let text = String(decoding: data, as: UTF8.self)
        var kept: [Substring] = []
        var withdrawn = 0
        for (index, record) in text.split(separator: "\r\n", omittingEmptySubsequences: true).enumerated() {
            let name = record.prefix { $0 != "," }
            if index > 0, names.contains(String(name)) {
                withdrawn += 1
            } else {
                kept.append(record)
            }
        }
        guard withdrawn > 0 else { return 0 }
        try AtomicFile.write(
            Array(kept.map { $0 + "\r\n" }.joined().utf8), to: path, mode: 0o600, durable: true)
        return withdrawn
    }
}
