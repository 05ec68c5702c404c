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
}
