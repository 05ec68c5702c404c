import Synchronization

/// Where a store is, as `--db` or `MRABAT_DB` names it: a file path (SQLite, the default), or a URL
/// whose scheme a registered ``Opener`` handles (`postgres://…`, once the executable registers it).
package enum StoreLocation {
    /// The store when neither `--db` nor `MRABAT_DB` names one.
    package static let defaultPath = "mrabat.sqlite"

    /// What a command needs of the store it opens.
    package enum Access: Sendable {
        /// Reads only (`validate`, `history`, `check`): the store must exist, with its schema current.
        case readOnly
        /// Reads and writes. An SQLite file is created and upgraded on first use; a server database must
        /// have been set up by `mrabat init` (many workers share it, so none upgrades it behind the others' backs).
        case readWrite
        /// `mrabat init`: creates the schema or upgrades it, then reads and writes.
        case initialise
    }

    /// Opens the store at a location of the kind it registered for (`postgres://`): MRABatKit cannot
    /// depend on a server backend's target, so the executable registers it at startup.
    package typealias Opener = @Sendable (_ location: String, _ access: Access) async throws -> any Store

    private static let openers = Mutex<[String: Opener]>([:])

    /// Makes locations that start with `scheme://` (case-insensitive) open with `opener`.
    package static func register(scheme: String, _ opener: @escaping Opener) {
        openers.withLock { $0[scheme.lowercased()] = opener }
    }

    /// The scheme of `location` if it is a URL (`scheme://…`), lowercased; nil for a file path.
    static func scheme(of location: String) -> String? {
        guard let separator = location.range(of: "://") else { return nil }
        let scheme = location[..<separator.lowerBound]
        guard let first = scheme.first, first.isLetter,
            scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) })
        else { return nil }
        return scheme.lowercased()
    }

    /// Whether `location` is a URL (a database server) rather than a file path.
    package static func isURL(_ location: String) -> Bool { scheme(of: location) != nil }

    /// Opens the store `location` names.
    ///
    /// - Throws: `.config` for a URL whose scheme this build has no backend for.
    package static func open(_ location: String, access: Access = .readWrite) async throws -> any Store {
        guard let scheme = scheme(of: location) else {
            return try SQLiteStore(path: location, readOnly: access == .readOnly)
        }
        guard let opener = openers.withLock({ $0[scheme] }) else {
            throw MRABatError(
                .config, "--db \(redacted(location)): \(scheme):// stores are not supported by this build")
        }
        return try await opener(location, access)
    }

    /// `location` without a password (in its user part or a `password=` parameter), for messages.
    package static func redacted(_ location: String) -> String {
        guard location.contains("://") else { return location }
        var text = location
        if let mark = text.firstIndex(of: "?") {
            let parameters = text[text.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: false)
                .map { $0.lowercased().hasPrefix("password=") ? "password=***" : String($0) }
            text = String(text[...mark]) + parameters.joined(separator: "&")
        }
        guard let scheme = text.range(of: "://") else { return text }
        let rest = text[scheme.upperBound...]
        let authority = rest[..<(rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex)]
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else {
            return text
        }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }
}
