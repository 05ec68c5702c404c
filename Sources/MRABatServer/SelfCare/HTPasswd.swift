import CCrypt
import COpenSSL
import Foundation
import MRABatKit

/// Self-Care's users: an htpasswd file of bcrypt hashes, as `htpasswd -B` writes them
/// (`user:$2y$05$…`), checked with libxcrypt's `crypt_r`.
///
/// Only bcrypt (`$2y$`, `$2b$`, `$2a$`) is accepted: the older htpasswd schemes (MD5 `$apr1$`, SHA-1,
/// crypt) are too cheap to guess against, so a file holding one is refused at startup naming its line.
struct HTPasswd: Sendable {
    private let hashes: [String: String]

    /// Users in file order, for messages and tests.
    let users: [String]

    /// A bcrypt hash of a random password, checked when the user is unknown so that a login for a
    /// name nobody has costs what one for a real name does.
    private static let decoyHash = "$2y$05$TjmRVVk/T6N5Y604Z2T6VOx5XRmC5A2E0O3zMHGsyUKtkmcWa9uVm"

    init(hashes: [String: String], users: [String]) {
        self.hashes = hashes
        self.users = users
    }

    /// Reads `path`.
    ///
    /// - Throws: ``MRABatError`` `.config` naming the file and line of anything that is not `user:bcrypt-hash`.
    static func load(path: String) throws -> HTPasswd {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MRABatError(.config, "--selfcare-users \(path): cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw MRABatError(.config, "--selfcare-users \(path): not UTF-8 text")
        }
        var hashes: [String: String] = [:]
        var users: [String] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#") { continue }
            let location = "\(path):\(index + 1)"
            guard let colon = line.firstIndex(of: ":") else {
                throw MRABatError(.config, "\(location): expected user:hash")
            }
            let user = String(line[..<colon])
            let hash = String(line[line.index(after: colon)...])
            guard !user.isEmpty, user.utf8.count <= 128 else {
                throw MRABatError(.config, "\(location): the user name must be 1–128 characters")
            }
            guard isBcrypt(hash) else {
                throw MRABatError(
                    .config,
                    "\(location): user \(user) does not have a bcrypt hash; write the file with `htpasswd -B`")
            }
            guard hashes[user] == nil else { throw MRABatError(.config, "\(location): user \(user) appears twice") }
            hashes[user] = hash
            users.append(user)
        }
        return HTPasswd(hashes: hashes, users: users)
    }

    /// Whether `password` is `user`'s. Costs one bcrypt whether or not the user exists.
    func verify(user: String, password: String) -> Bool {
        guard let hash = hashes[user] else {
            _ = Self.crypt(password, Self.decoyHash)
            return false
        }
        guard let computed = Self.crypt(password, hash), computed.utf8.count == hash.utf8.count else { return false }
        return CRYPTO_memcmp(Array(computed.utf8), Array(hash.utf8), hash.utf8.count) == 0
    }

    static func isBcrypt(_ hash: String) -> Bool {
        (hash.hasPrefix("$2y$") || hash.hasPrefix("$2b$") || hash.hasPrefix("$2a$")) && hash.utf8.count == 60
    }

    /// `crypt_r(password, setting)`; nil when libxcrypt refuses (it returns a `*` failure token).
    private static func crypt(_ password: String, _ setting: String) -> String? {
        // struct crypt_data is large (about 32 KiB): on the heap, zeroed as crypt_r requires.
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer { data.deallocate() }
        memset(data, 0, MemoryLayout<crypt_data>.size)
        guard let result = crypt_r(password, setting, data) else { return nil }
        let text = String(cString: result)
        memset(data, 0, MemoryLayout<crypt_data>.size)
        return text.hasPrefix("*") ? nil : text
    }
}
