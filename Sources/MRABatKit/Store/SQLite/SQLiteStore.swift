import Foundation
import GRDB
import Glibc

/// The embedded SQLite store (the default): one file, `./mrabat.sqlite` unless told otherwise.
///
/// WAL mode with `synchronous=FULL`, so a commit is durable when it returns — outputs that leave the
/// machine are written only after that. Writers take the write lock with `BEGIN IMMEDIATE` and wait
/// up to ``busyTimeout`` for another process, then fail with a retryable `.storeBusy`. The file (and
/// SQLite's `-wal`/`-shm` files, which take its mode) is 0600: it holds verifiers and the audit log.
///
/// Every access but a job's goes through one ``DatabaseQueue`` in ordinary GRDB transactions; a
/// job gets a connection of its own (``SQLiteJobWriter``) because it holds one transaction open
/// across many accesses.
package final class SQLiteStore: Store {
    /// GRDB's queue serialises every access to the one connection; it is Sendable itself.
    let queue: DatabaseQueue
    package let path: String
    let readOnly: Bool
    let busyTimeout: TimeInterval
    package static let defaultBusyTimeout: TimeInterval = 60

    package var location: String { path }
    package var defaultKeyFile: String? { path + ".key" }

    package func close() async { try? queue.close() }

    /// Opens (creating if needed) and migrates the store at `path`.
    ///
    /// - Parameter readOnly: for `validate` and other commands that must not write: the file must
    ///   exist and be migrated already, and SQLite itself refuses any write.
    /// - Throws: `.config` for a missing store opened read-only; `.storeReadOnly` when the file or its
    ///   directory cannot be written; `.store` otherwise.
    package init(path: String, readOnly: Bool = false, busyTimeout: TimeInterval = SQLiteStore.defaultBusyTimeout)
        throws
    {
        self.path = path
        self.readOnly = readOnly
        self.busyTimeout = busyTimeout
        if readOnly {
            guard FileManager.default.fileExists(atPath: path) else {
                throw MRABatError(.config, "there is no store at \(path); run `mrabat init --cluster FILE` first")
            }
        } else {
            try Self.restrictPermissions(path)
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: Self.configuration(readOnly: readOnly, busyTimeout))
            if readOnly {
                if try queue.read({ try !Self.migrator.hasCompletedMigrations($0) }) {
                    throw MRABatError(
                        .store, "the store \(path) is from another version of mrabat; run `mrabat init` to upgrade it")
                }
            } else {
                try Self.migrator.migrate(queue)
            }
        } catch {
            throw Self.map(error, doing: "open the store \(path)", path: path)
        }
    }

    static func configuration(readOnly: Bool, _ busyTimeout: TimeInterval) -> Configuration {
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.journalMode = readOnly ? .default : .wal
        configuration.busyMode = .timeout(busyTimeout)
        if !readOnly {
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
        }
        return configuration
    }

    /// Creates the store file 0600 before SQLite does (SQLite gives its `-wal` and `-shm` files the
    /// main file's mode), and narrows a store an older version left wider.
    private static func restrictPermissions(_ path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            Glibc.close(descriptor)
            return
        }
        guard errno == EEXIST else {
            if errno == EACCES || errno == EROFS || errno == EPERM {
                throw MRABatError(
                    .storeReadOnly,
                    "cannot create the store \(path): its directory is not writable; fix its permissions or use --db",
                    cause: String(cString: strerror(errno)))
            }
            throw MRABatError(
                .store, "cannot create the store \(path)", cause: String(cString: strerror(errno)))
        }
        for file in [path, path + "-wal", path + "-shm"] {
            var status = stat()
            guard stat(file, &status) == 0, status.st_uid == geteuid(), status.st_mode & 0o077 != 0 else { continue }
            _ = chmod(file, status.st_mode & 0o700)
        }
    }

    /// Turns a GRDB/SQLite error into a user-facing one; lets through what callers handle themselves
    /// (``MRABatError``, ``ActivationRefusal``, ``StoreConflict``).
    static func map(_ error: Error, doing action: String, path: String? = nil) -> Error {
        if error is MRABatError || error is ActivationRefusal || error is StoreConflict { return error }
        guard let error = error as? DatabaseError else {
            return MRABatError(.store, "cannot \(action)", cause: "\(error)")
        }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return MRABatError(
                .storeBusy, "cannot \(action): another mrabat process holds the store; try again when it has finished",
                cause: error.message)
        case .SQLITE_READONLY:
            return MRABatError(
                .storeReadOnly,
                "cannot \(action): the store is read-only (file or directory permissions, or a read-only file system); "
                    + "fix its permissions or use another --db", cause: error.message)
        case .SQLITE_FULL:
            return MRABatError(.store, "cannot \(action): the disk is full", cause: error.message)
        default:
            return MRABatError(.store, "cannot \(action)", cause: error.message ?? "\(error.resultCode)")
        }
    }

    /// Runs `body` in one write transaction (`BEGIN IMMEDIATE`), errors mapped for the user.
    func write<T: Sendable>(_ action: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await queue.writeWithoutTransaction { db in try Self.immediate(db, body) }
        } catch {
            throw Self.map(error, doing: action)
        }
    }

    /// `body` in a `BEGIN IMMEDIATE` transaction on `db`, committed when it returns.
    static func immediate<T>(_ db: Database, _ body: (Database) throws -> T) throws -> T {
        var result: Result<T, Error>?
        try db.inTransaction(.immediate) {
            let value = try body(db)
            result = .success(value)
            return .commit
        }
        guard let result else { throw MRABatError(.internal, "a store transaction returned no result") }
        return try result.get()
    }

    /// Runs `body` in one read transaction (`BEGIN DEFERRED`: one snapshot), errors mapped for the user.
    ///
    /// Not GRDB's `queue.read` on a writable store: it brackets every read with `PRAGMA query_only = 1` and
    /// `= 0`, and SQLite expires every prepared statement of the connection on a flag pragma, so each read
    /// made all cached statements (the activation service's lookups and commits) recompile on their next
    /// use — a third of `mrabat serve`'s store time under load. The bodies are this file's own queries.
    func read<T: Sendable>(_ action: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            if readOnly { return try await queue.read(body) }
            return try await queue.writeWithoutTransaction { db in try Self.deferred(db, body) }
        } catch {
            throw Self.map(error, doing: action)
        }
    }

    /// `body` in a `BEGIN DEFERRED` transaction on `db`.
    static func deferred<T>(_ db: Database, _ body: (Database) throws -> T) throws -> T {
        var result: Result<T, Error>?
        try db.inTransaction(.deferred) {
            result = .success(try body(db))
            return .commit
        }
        guard let result else { throw MRABatError(.internal, "a store read returned no result") }
        return try result.get()
    }

    /// `PRAGMA integrity_check`; "ok" when the file is sound.
    package func integrityCheck() async throws -> String {
        try await read("check the store") { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "?" }
    }

    /// Unix seconds, the store's time unit.
    static func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }
    static func date(_ seconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }
}
