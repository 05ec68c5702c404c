import Foundation

extension CodeVault {
    /// Opens the vault for `store`, making sure its key is the one that sealed the store's codes.
    ///
    /// The store records the fingerprint of the key that sealed its codes. A key file that is not
    /// that key is refused, and so is a missing one while the store has codes: minting a new key
    /// would leave the store with codes sealed under two keys and nothing exportable. A store that
    /// has no key yet records this one (created if the file does not exist); a store from before
    /// fingerprints were recorded records the key file's once the key opens one of its codes.
    ///
    /// - Parameter keyFile: `--key`; nil for the store's default (next to an SQLite file).
    /// - Throws: ``MRABatError`` `.crypto` with how to recover; `.config` when there is no key file to use.
    package static func open(for store: any Store, keyFile: String?, now: Date = Date()) async throws -> CodeVault {
        let path = try keyPath(store, keyFile)
        let recorded = try await store.sealingKeyFingerprint()
        if let vault = try existing(keyFile: path) {
            let fingerprint = try vault.fingerprint
            if let recorded {
                guard recorded == fingerprint else { throw wrongKey(path, store, recorded, fingerprint) }
                return vault
            }
            if let sample = try await store.anySealedCode() {
                do {
                    _ = try vault.open(sample.sealed, associatedData: Array(sample.identity.utf8))
                } catch {
                    throw wrongKey(path, store, nil, fingerprint)
                }
            }
            let now = try await store.recordSealingKey(fingerprint: fingerprint, now: now)
            guard now == fingerprint else { throw wrongKey(path, store, now, fingerprint) }
            return vault
        }
        if let recorded { throw missingKey(path, store, recorded) }
        if try await store.anySealedCode() != nil { throw missingKey(path, store, nil) }
        let vault = try openOrCreate(keyFile: path)
        let fingerprint = try vault.fingerprint
        // Another process may have recorded its own new key between our read and now.
        let winner = try await store.recordSealingKey(fingerprint: fingerprint, now: now)
        guard winner == fingerprint else { throw wrongKey(path, store, winner, fingerprint) }
        return vault
    }

    /// Starts a new key for a store whose key is lost for good: every sealed copy is erased (the
    /// outstanding codes still activate phones; they can no longer be exported), and the new key's
    /// fingerprint is recorded.
    ///
    /// - Throws: `.crypto` if `keyFile` exists (it may be the lost key found again: never overwritten).
    /// - Returns: the new vault and how many sealed copies were erased.
    package static func replaceLostKey(for store: any Store, keyFile: String?, now: Date = Date()) async throws -> (
        vault: CodeVault, erased: Int
    ) {
        let path = try keyPath(store, keyFile)
        if try existing(keyFile: path) != nil {
            throw MRABatError(
                .crypto,
                "key file \(path) exists; --replace-lost-key only starts a new key when the old one is gone — "
                    + "move it away first if you really mean to replace it")
        }
        let vault = try openOrCreate(keyFile: path)
        let erased = try await store.replaceLostSealingKey(fingerprint: try vault.fingerprint, now: now)
        return (vault, erased)
    }

    private static func keyPath(_ store: any Store, _ keyFile: String?) throws -> String {
        guard let path = keyFile ?? store.defaultKeyFile else {
            throw MRABatError(
                .config, "the store \(store.location) needs its sealing-key file: pass --key FILE or set MRABAT_KEY")
        }
        return path
    }

    private static func shortened(_ fingerprint: String) -> String { String(fingerprint.prefix(16)) }

    private static func wrongKey(_ path: String, _ store: any Store, _ recorded: String?, _ found: String)
        -> MRABatError
    {
        let expected = recorded.map { " (that key's SHA-256 fingerprint starts \(shortened($0)))" } ?? ""
        return MRABatError(
            .crypto,
            "key file \(path) (fingerprint \(shortened(found))…) is not the key that sealed the activation codes in "
                + "\(store.location)\(expected); pass the right file with --key, or restore it from a backup")
    }

    private static func missingKey(_ path: String, _ store: any Store, _ recorded: String?) -> MRABatError {
        let fingerprint = recorded.map { " (SHA-256 fingerprint starting \(shortened($0)))" } ?? ""
        return MRABatError(
            .crypto,
            "the key file \(path) that sealed the activation codes in \(store.location) is missing\(fingerprint); "
                + "restore it from a backup or pass its path with --key. If it is lost for good, "
                + "`mrabat init --replace-lost-key` starts a new key: outstanding codes keep working on phones but can "
                + "no longer be exported (`mrabat regenerate DEVICE` issues new ones)")
    }
}
