import Foundation
import GRDB

/// The embedded SQLite store: cluster, devices, lines, activation-code secrets, jobs and audit.
///
/// One file (`./mrabat.sqlite` by default) in WAL mode with `synchronous=FULL`, so a commit is
/// durable when it returns — outputs that leave the machine are written only after that.
/// Writers take the write lock with `BEGIN IMMEDIATE` and wait up to ``busyTimeout`` for another
/// process to finish, then fail with a retryable `.storeBusy` error.
public final class Store: Sendable {
    /// GRDB's queue serialises every access to the one connection; it is Sendable itself.
    let queue: DatabaseQueue
    public let path: String
    public static let busyTimeout: TimeInterval = 60

    /// Opens (creating if needed) and migrates the store at `path`.
    ///
    /// - Parameter readOnly: for `validate` and other commands that must not write: the file must
    ///   exist and be migrated already, and SQLite itself refuses any write.
    public init(path: String, readOnly: Bool = false, busyTimeout: TimeInterval = Store.busyTimeout) throws {
        self.path = path
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.journalMode = readOnly ? .default : .wal
        configuration.busyMode = .timeout(busyTimeout)
        // A job keeps one transaction open across many accesses while codes are computed in
        // parallel between them; the job owns that transaction and always ends it.
        configuration.allowsUnsafeTransactions = true
        if !readOnly {
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
        } else if !FileManager.default.fileExists(atPath: path) {
            throw MRABatError(.config, "there is no store at \(path); run `mrabat init --cluster FILE` first")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            if readOnly {
                if try queue.read({ try !Self.migrator.hasCompletedMigrations($0) }) {
                    throw MRABatError(
                        .store, "the store \(path) is from another version of mrabat; run `mrabat init` to upgrade it")
                }
            } else {
                try Self.migrator.migrate(queue)
            }
        } catch {
            throw Store.map(error, doing: "open the store \(path)")
        }
    }

    /// Turns a GRDB/SQLite error into a user-facing one.
    static func map(_ error: Error, doing action: String) -> MRABatError {
        if let error = error as? MRABatError { return error }
        if let error = error as? DatabaseError {
            if error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                return MRABatError(
                    .storeBusy,
                    "cannot \(action): another mrabat process holds the store; try again when it has finished",
                    cause: error.message)
            }
            return MRABatError(.store, "cannot \(action)", cause: error.message ?? "\(error.resultCode)")
        }
        return MRABatError(.store, "cannot \(action)", cause: "\(error)")
    }

    /// Runs `body` in one write transaction (`BEGIN IMMEDIATE`), errors as thrown.
    func immediateTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        try queue.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }

    /// Runs `body` in one write transaction (`BEGIN IMMEDIATE`), errors mapped for the user.
    func write<T>(_ action: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try immediateTransaction(body)
        } catch {
            throw Store.map(error, doing: action)
        }
    }

    func read<T>(_ action: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.read(body)
        } catch {
            throw Store.map(error, doing: action)
        }
    }

    /// `PRAGMA integrity_check`; "ok" when the file is sound.
    public func integrityCheck() throws -> String {
        try read("check the store") { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "?" }
    }
}
