import ArgumentParser
import Foundation
import MRABatKit

/// Where the store and its code vault's key are: every command takes these.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .long, help: ArgumentHelp("The SQLite store (default: $MRABAT_DB or ./mrabat.sqlite).", valueName: "file")
    )
    var db: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The key file that seals activation codes for re-export (default: $MRABAT_KEY or <store>.key).",
            valueName: "file"))
    var key: String?

    /// The store's path: `--db`, else `$MRABAT_DB`, else `./mrabat.sqlite`.
    var path: String { db ?? Self.environment("MRABAT_DB") ?? "mrabat.sqlite" }

    /// The vault's key file: `--key`, else `$MRABAT_KEY`, else the store's path with `.key` appended.
    var keyFile: String { key ?? Self.environment("MRABAT_KEY") ?? Self.defaultKeyFile(forStore: path) }

    static func defaultKeyFile(forStore path: String) -> String { path + ".key" }

    func open(readOnly: Bool = false) throws -> Store { try Store(path: path, readOnly: readOnly) }

    /// The code vault under ``keyFile`` (created with a new key if the file does not exist).
    func openVault() throws -> CodeVault { try CodeVault.openOrCreate(keyFile: keyFile) }

    /// An environment variable, `nil` when unset or empty.
    private static func environment(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}
