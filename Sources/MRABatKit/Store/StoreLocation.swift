/// Where a store is, as `--db` or `MRABAT_DB` names it: a file path (SQLite, the default).
package enum StoreLocation {
    /// The store when neither `--db` nor `MRABAT_DB` names one.
    package static let defaultPath = "mrabat.sqlite"

    /// Opens the store `location` names.
    ///
    /// - Parameter readOnly: the store must exist already and is never written (`validate`).
    package static func open(_ location: String, readOnly: Bool = false) throws -> any Store {
        if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
            throw MRABatError(.config, "--db \(redacted(location)): PostgreSQL stores are not supported by this build")
        }
        return try SQLiteStore(path: location, readOnly: readOnly)
    }

    /// `location` without a password, for messages.
    package static func redacted(_ location: String) -> String {
        guard let scheme = location.range(of: "://"),
            let at = location.range(of: "@", range: scheme.upperBound..<location.endIndex)
        else { return location }
        let credentials = location[scheme.upperBound..<at.lowerBound]
        guard let colon = credentials.firstIndex(of: ":") else { return location }
        return String(location[..<colon]) + ":***" + String(location[at.lowerBound...])
    }
}
