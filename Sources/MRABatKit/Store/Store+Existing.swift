import GRDB

/// An already-provisioned device that a row may be a re-run of, or conflict with.
public struct ExistingDevice: Sendable {
    public var id: Int64
    public var name: String
    public var mac: String?
    public var naturalKey: String
    public var fingerprint: String
    /// The job that created it.
    public var jobID: Int64
}

extension Store {
    /// Devices already in the store that share a MAC or natural key with `drafts` (read-only; `validate`).
    public func existingDevices(matching drafts: [DeviceDraft]) throws -> [ExistingDevice] {
        try read("look up existing devices") { db in try Store.existingDevices(db, matching: drafts) }
    }

    static func existingDevices(_ db: Database, matching drafts: [DeviceDraft]) throws -> [ExistingDevice] {
        guard !drafts.isEmpty else { return [] }
        var found: [Int64: ExistingDevice] = [:]
        func collect(_ column: String, _ values: [String]) throws {
            try db.fetchIn(
                "SELECT id, name, mac, natural_key, fingerprint, job_id FROM device WHERE \(column) IN (%@)",
                values: values
            ) { row in
                let id: Int64 = row["id"]
                found[id] = ExistingDevice(
                    id: id, name: row["name"], mac: row["mac"], naturalKey: row["natural_key"],
                    fingerprint: row["fingerprint"],
                    jobID: row["job_id"])
            }
        }
        try collect("natural_key", drafts.map(\.naturalKey))
        try collect("mac", drafts.compactMap { $0.mac?.hex })
        return Array(found.values)
    }
}
