import Foundation
import Logging
import MRABatKit
import NIOCore
import NIOSSL
import PostgresNIO

/// The store in a PostgreSQL database (`--db postgres://USER@HOST:PORT/DB`): one store for several
/// nightly workers and activation-service nodes at once.
///
/// The schema is SQLite's, table for table and constraint for constraint, in native types (BIGINT
/// Unix seconds, BOOLEAN flags, BYTEA secrets); `mrabat init` creates and upgrades it
/// (``PostgresSchema``). Every invariant a concurrent writer could break is a constraint the
/// database enforces — unique names, MACs and natural keys, one outstanding code per device and per
/// identity — never a read followed by a write.
///
/// Short operations lease a connection from a ``PostgresClient`` pool and run in one READ COMMITTED
/// transaction. They lock the device rows they change (`FOR UPDATE`) and re-check inside the transaction
/// what a racing writer could have changed, as the SQLite store does under its write lock; a
/// serialization failure or deadlock is retried a bounded number of times (``maxAttempts``), then
/// reported as the retryable `.storeBusy` (exit 3). A job holds its own connection (``PostgresJobWriter``).
///
/// The pool's ``PostgresClient/run()`` runs in a task this store owns: ``close()`` cancels it and waits,
/// so that nothing outlives the store; a process may also just exit. Every connection attempt is bounded
/// by the URL's `connect_timeout` (10 s by default) and every lock wait by ``lockTimeout``.
package final class PostgresStore: Store {
    let endpoint: PostgresEndpoint
    let client: PostgresClient
    /// Runs the pool; cancelled by ``close()`` (and when the store is released).
    private let runner: Task<Void, Never>
    let readOnly: Bool

    /// How long a statement waits for a lock another transaction holds before `.storeBusy` (SQLite's busy timeout).
    static let lockTimeout = "60s"
    /// How long a job waits for rows another job is creating (it must learn whether that job commits them).
    static let jobLockTimeout = "15min"
    /// Attempts at a transaction that PostgreSQL aborts as a serialization failure or deadlock.
    static let maxAttempts = 5
    /// Connections one process keeps at most: a job's own, plus readers (the config files a job writes
    /// read the next page while the cores write this one) and `serve`'s request handlers.
    static let maximumConnections = 8

    static let logger = Logger(label: "mrabat.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    package var location: String { endpoint.description }
    /// Every worker and node must use the same key: it is named (`--key` or `MRABAT_KEY`), never guessed.
    package var defaultKeyFile: String? { nil }

    /// Makes `postgres://` and `postgresql://` locations open a PostgreSQL store (called by the executable).
    package static func register() {
        for scheme in ["postgres", "postgresql"] {
            StoreLocation.register(scheme: scheme) { location, access in
                try await PostgresStore.open(location, access: access)
            }
        }
    }

    /// Connects to the database `location` names and checks (or, for `init`, creates or upgrades) its schema.
    ///
    /// The first connection is made directly, so that a refused connection, an unknown database or a
    /// wrong password is reported at once, naming host, port and database (never the password).
    /// - Throws: `.config` for a bad URL; `.store` when the database cannot be reached or has no current schema.
    package static func open(_ location: String, access: StoreLocation.Access) async throws -> PostgresStore {
        let endpoint = try PostgresEndpoint(location)
        let readOnly = access == .readOnly
        let probe = try await connect(endpoint, readOnly: readOnly, lockTimeout: lockTimeout)
        do {
            if access == .initialise {
                try await PostgresSchema.migrate(probe, endpoint)
            } else {
                try await PostgresSchema.check(probe, endpoint)
            }
        } catch {
            try? await probe.close()
            throw map(error, doing: "open the store", endpoint)
        }
        try? await probe.close()
        return try PostgresStore(endpoint: endpoint, readOnly: readOnly)
    }

    private init(endpoint: PostgresEndpoint, readOnly: Bool) throws {
        self.endpoint = endpoint
        self.readOnly = readOnly
        var configuration: PostgresClient.Configuration
        if endpoint.isUnixSocket {
            configuration = PostgresClient.Configuration(
                unixSocketPath: endpoint.socketPath, username: endpoint.user, password: endpoint.password,
                database: endpoint.database)
        } else {
            configuration = PostgresClient.Configuration(
                host: endpoint.host, port: endpoint.port, username: endpoint.user, password: endpoint.password,
                database: endpoint.database, tls: try Self.clientTLS(endpoint))
        }
        configuration.options.connectTimeout = .seconds(endpoint.connectTimeout)
        configuration.options.maximumConnections = Self.maximumConnections
        configuration.options.additionalStartupParameters = Self.startupParameters(
            readOnly: readOnly, lockTimeout: Self.lockTimeout)
        if !endpoint.isUnixSocket, endpoint.tls == .verifyFull { configuration.options.tlsServerName = endpoint.host }
        let client = PostgresClient(configuration: configuration, backgroundLogger: Self.logger)
        self.client = client
        runner = Task { await client.run() }
    }

    deinit { runner.cancel() }

    package func close() async {
        runner.cancel()
        await runner.value
    }

    /// Settings every session starts with: no statement waits for a lock longer than `lockTimeout`.
    static func startupParameters(readOnly: Bool, lockTimeout: String) -> [(String, String)] {
        var parameters = [("application_name", "mrabat"), ("lock_timeout", lockTimeout)]
        if readOnly { parameters.append(("default_transaction_read_only", "on")) }
        return parameters
    }

    /// A connection of its own (not from the pool): the first one, and a job's.
    static func connect(_ endpoint: PostgresEndpoint, readOnly: Bool, lockTimeout: String) async throws
        -> PostgresConnection
    {
        var configuration: PostgresConnection.Configuration
        do {
            if endpoint.isUnixSocket {
                configuration = PostgresConnection.Configuration(
                    unixSocketPath: endpoint.socketPath, username: endpoint.user, password: endpoint.password,
                    database: endpoint.database)
            } else {
                configuration = PostgresConnection.Configuration(
                    host: endpoint.host, port: endpoint.port, username: endpoint.user, password: endpoint.password,
                    database: endpoint.database, tls: try connectionTLS(endpoint))
            }
        } catch {
            throw map(error, doing: "set up TLS for", endpoint)
        }
        configuration.options.connectTimeout = .seconds(Int64(endpoint.connectTimeout))
        configuration.options.additionalStartupParameters = startupParameters(
            readOnly: readOnly, lockTimeout: lockTimeout)
        if !endpoint.isUnixSocket, endpoint.tls == .verifyFull { configuration.options.tlsServerName = endpoint.host }
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        } catch {
            throw map(error, doing: "connect to", endpoint)
        }
    }

    /// TLS as libpq's `sslmode` means it: `prefer` and `require` encrypt without checking the server's
    /// certificate (`prefer` falls back to plain text when the server offers no TLS); `verify-ca`
    /// checks it against `sslrootcert` (else the system's roots); `verify-full` checks the host name too.
    static func tlsConfiguration(_ endpoint: PostgresEndpoint) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch endpoint.tls {
        case .disable, .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        if let root = endpoint.rootCertificate { tls.trustRoots = .file(root) }
        return tls
    }

    static func clientTLS(_ endpoint: PostgresEndpoint) throws -> PostgresClient.Configuration.TLS {
        switch endpoint.tls {
        case .disable: .disable
        case .prefer: .prefer(tlsConfiguration(endpoint))
        case .require, .verifyCA, .verifyFull: .require(tlsConfiguration(endpoint))
        }
    }

    static func connectionTLS(_ endpoint: PostgresEndpoint) throws -> PostgresConnection.Configuration.TLS {
        switch endpoint.tls {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: tlsConfiguration(endpoint)))
        case .require, .verifyCA, .verifyFull: .require(try NIOSSLContext(configuration: tlsConfiguration(endpoint)))
        }
    }

    // MARK: Transactions

    /// Runs `body` in one READ COMMITTED transaction on a pooled connection, committed when it returns;
    /// a serialization failure or deadlock rolls it back and runs it again, up to ``maxAttempts`` times.
    func write<T: Sendable>(_ action: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        guard !readOnly else {
            throw MRABatError(.storeReadOnly, "cannot \(action): the store was opened read-only")
        }
        return try await transaction(action, begin: "BEGIN", body)
    }

    /// Runs `body` in one read-only REPEATABLE READ transaction: its queries see one snapshot.
    func read<T: Sendable>(_ action: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction(action, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    private func transaction<T: Sendable>(
        _ action: String, begin: PostgresQuery, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await client.withConnection { connection in
                    try await connection.run(begin)
                    do {
                        let value = try await body(connection)
                        try await connection.run("COMMIT")
                        return value
                    } catch {
                        try? await connection.run("ROLLBACK")
                        throw error
                    }
                }
            } catch  where Self.isRetryable(error) && attempt < Self.maxAttempts {
                try? await Task.sleep(for: .milliseconds(Int.random(in: 5...40) * attempt))
                attempt += 1
            } catch {
                throw Self.map(error, doing: action, endpoint, attempts: attempt)
            }
        }
    }

    // MARK: Errors

    /// SQLSTATE of a server error, if `error` is one.
    static func sqlState(_ error: any Error) -> String? {
        guard let error = error as? PSQLError, error.code == .server else { return nil }
        return error.serverInfo?[.sqlState]
    }

    /// The constraint a server error names (a unique or foreign-key violation).
    static func constraint(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.constraintName]
    }

    /// `serialization_failure` or `deadlock_detected`: the transaction may succeed when run again.
    static func isRetryable(_ error: any Error) -> Bool {
        ["40001", "40P01"].contains(sqlState(error) ?? "")
    }

    /// Turns a PostgresNIO error into a user-facing one naming the store (never its password); lets
    /// through what callers handle themselves (``MRABatError``, ``ActivationRefusal``, ``StoreConflict``).
    static func map(_ error: any Error, doing action: String, _ endpoint: PostgresEndpoint, attempts: Int = 1)
        -> any Error
    {
        if error is MRABatError || error is ActivationRefusal || error is StoreConflict { return error }
        let place = endpoint.whereabouts
        guard let error = error as? PSQLError else {
            if let decoding = error as? PostgresDecodingError {
                return MRABatError(
                    .store, "cannot \(action): \(place) holds a value mrabat cannot read",
                    cause: "column \(decoding.columnName): \(decoding.code)")
            }
            if error is CancellationError {
                return MRABatError(.store, "cannot \(action): cancelled")
            }
            return MRABatError(.store, "cannot \(action) \(place)", cause: "\(error)")
        }
        let info = error.serverInfo
        let serverMessage = [info?[.message], info?[.detail]].compactMap { $0 }.joined(separator: ": ")
        switch error.code {
        case .server:
            let state = info?[.sqlState] ?? ""
            switch state {
            case "40001", "40P01":
                return MRABatError(
                    .storeBusy,
                    "cannot \(action): PostgreSQL aborted the transaction \(attempts) times (serialization failure "
                        + "or deadlock with another mrabat process); try again", cause: serverMessage)
            case "55P03":
                return MRABatError(
                    .storeBusy,
                    "cannot \(action): another mrabat process holds the store's rows too long; try again when it "
                        + "has finished", cause: serverMessage)
            case "53300":
                return MRABatError(
                    .storeBusy, "cannot \(action): \(place) has too many connections; try again", cause: serverMessage)
            case "23503":
                return MRABatError(
                    .store,
                    "cannot \(action): a row it removes is in use, or one it refers to is gone (another mrabat "
                        + "process changed it meanwhile); try again", cause: serverMessage)
            case "25006":
                return MRABatError(.storeReadOnly, "cannot \(action): \(place) is read-only", cause: serverMessage)
            case "3D000":
                return MRABatError(
                    .store,
                    "cannot \(action) \(place): the database does not exist; create it (createdb) and run "
                        + "`mrabat init --cluster FILE`", cause: serverMessage)
            case "28P01", "28000":
                return MRABatError(
                    .store,
                    "cannot \(action) \(place): the server refused the login; check PGPASSWORD or ~/.pgpass "
                        + "and the server's pg_hba.conf", cause: serverMessage)
            case "42P01":
                return MRABatError(
                    .store,
                    "cannot \(action): \(place) has no mrabat schema; run `mrabat init --cluster FILE` first",
                    cause: serverMessage)
            case "42501":
                return MRABatError(
                    .storeReadOnly, "cannot \(action): user \(endpoint.user) lacks the privilege on \(place)",
                    cause: serverMessage)
            case "57P01", "57P02", "57P03":
                return MRABatError(
                    .store, "cannot \(action) \(place): the server is shutting down or starting", cause: serverMessage)
            default:
                return MRABatError(
                    .store, "cannot \(action) (\(place))", cause: serverMessage.isEmpty ? state : serverMessage)
            }
        case .authMechanismRequiresPassword:
            return MRABatError(
                .store,
                "cannot \(action) \(place): the server asks for a password; set PGPASSWORD or add a line "
                    + "host:port:database:user:password to ~/.pgpass (or the file PGPASSFILE names)")
        case .sslUnsupported:
            return MRABatError(
                .store, "cannot \(action) \(place): the server offers no TLS, and the URL's sslmode requires it")
        case .connectionError, .failedToAddSSLHandler:
            let cause = error.underlying.map { "\($0)" } ?? "connection failed"
            return MRABatError(.store, "cannot \(action) \(place): cannot reach the server", cause: cause)
        case .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .poolClosed:
            return MRABatError(.store, "cannot \(action): the connection to \(place) was lost", cause: "\(error.code)")
        default:
            return MRABatError(.store, "cannot \(action) (\(place))", cause: "\(error.code)")
        }
    }

    /// Unix seconds, the store's time unit (as SQLite's).
    static func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }
    static func date(_ seconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }
}

extension PostgresConnection {
    /// Runs `query`, discarding any rows.
    func run(_ query: PostgresQuery) async throws {
        _ = try await self.query(query, logger: PostgresStore.logger).collect()
    }

    /// Runs `query` and returns its rows, each by column name.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        try await self.query(query, logger: PostgresStore.logger).collect().map { $0.makeRandomAccess() }
    }

    /// The first column of the first row, or nil when there is no row.
    func value<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type = T.self) async throws -> T? {
        guard let row = try await self.query(query, logger: PostgresStore.logger).collect().first else { return nil }
        return try row.makeRandomAccess()[0].decode(T.self)
    }
}

extension PostgresRandomAccessRow {
    /// Column `name` as `T`.
    func get<T: PostgresDecodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        try self[name].decode(T.self)
    }
}
