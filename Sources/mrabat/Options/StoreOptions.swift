import ArgumentParser
import Foundation
import MRABatKit

/// Where the store and its code vault's key are: every command takes these.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The store: an SQLite file, or postgres://USER@HOST:PORT/DB (default: $MRABAT_DB or ./mrabat.sqlite).",
            valueName: "file|url"))
    var db: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The key file that seals activation codes for re-export (default: $MRABAT_KEY or <store>.key).",
            valueName: "file"))
    var key: String?

    /// The store's location: `--db`, else `$MRABAT_DB`, else `./mrabat.sqlite`.
    var path: String { db ?? Self.environment("MRABAT_DB") ?? StoreLocation.defaultPath }

    /// The vault's key file if one is named: `--key`, else `$MRABAT_KEY`; nil means the store's
    /// default (its path with `.key` appended, for an SQLite file; a PostgreSQL store has none).
    var keyFile: String? { key ?? Self.environment("MRABAT_KEY") }

    func open(_ access: StoreLocation.Access = .readWrite) async throws -> any Store {
        try await StoreLocation.open(path, access: access)
    }

    /// The code vault for `store`: its key must be the one that sealed the store's codes (a store
    /// with none yet records it, creating the key file if needed).
    func openVault(for store: any Store) async throws -> CodeVault {
        try await CodeVault.open(for: store, keyFile: keyFile)
    }

    /// An environment variable, `nil` when unset or empty.
    private static func environment(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}
